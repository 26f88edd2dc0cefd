"""The pytest plugin, run the way a user runs it: a separate pytest process on a test
file of its own. The file is the README's example, so the documented test is complete
and passes; the plugin is found through the ``pytest11`` entry point pyproject.toml
declares."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.sdk.readme import REPO, readme_block

PYTEST_INI = "[pytest]\nasyncio_mode = auto\nasyncio_default_fixture_loop_scope = function\n"


def readme_example() -> str:
    return readme_block("pytest-plugin-example")


def entry_point_dist(site: Path) -> None:
    """A dist-info holding only pyproject.toml's pytest11 entry points: what pip would
    install, without touching the shared virtualenv."""
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["entry-points"]
    lines = ["[pytest11]", *(f"{k} = {v}" for k, v in declared["pytest11"].items())]
    dist = site / "irisops_plugin_probe-0.0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: irisops-plugin-probe\nVersion: 0.0\n"
    )
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")


def run_pytest(tmp_path: Path, *args: str, site: Path | None = None) -> subprocess.CompletedProcess:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pytest.ini").write_text(PYTEST_INI)
    (tmp_path / "test_readme_example.py").write_text(readme_example())
    path = [str(REPO), *([str(site)] if site else [])]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path), "PYTEST_ADDOPTS": ""}
    env.pop("IRISOPS_TEST_ENDPOINT", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_readme_example_passes_with_the_plugin(tmp_path: Path) -> None:
    done = run_pytest(tmp_path, "-p", "irisops.sdk.pytest_plugin")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout, done.stdout


def test_the_entry_point_loads_the_plugin(tmp_path: Path) -> None:
    entry_point_dist(tmp_path / "site")
    done = run_pytest(tmp_path / "run", "--fixtures", site=tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    for fixture in ("irisops_stack", "irisops_s3", "irisops_sagemaker_runtime", "irisops_client"):
        assert fixture in done.stdout, done.stdout
    done = run_pytest(tmp_path / "run", site=tmp_path / "site")
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr
    # Named after its module, the entry point and an explicit -p (or a conftest's
    # pytest_plugins) are one plugin, not a "registered twice" error.
    done = run_pytest(tmp_path / "run", "-p", "irisops.sdk.pytest_plugin", site=tmp_path / "site")
    assert done.returncode == 0 and "2 passed" in done.stdout, done.stdout + done.stderr


def test_attaching_to_a_running_server(tmp_path: Path) -> None:
    from irisops.sdk import Stack

    with Stack() as running:
        running.client("s3").create_bucket(Bucket="left-alone")
        done = run_pytest(
            tmp_path,
            "-p",
            "irisops.sdk.pytest_plugin",
            f"--irisops-endpoint={running.endpoint_url}",
        )
        assert done.returncode == 0, done.stdout + done.stderr
        # The fixture reset the server it was given, and left it running.
        assert running.client("s3").list_buckets()["Buckets"] == []
