"""The README's SDK example runs as written, as a script of its own."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.sdk.readme import REPO, readme_block


def test_the_readme_sdk_example_runs(tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(readme_block("sdk-example"))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines() == [
        "s3.ObjectCreated arn:aws:s3:::iris-data/train/iris.csv",
        "1 object",
    ]
