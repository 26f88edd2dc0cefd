"""The real git CLI for integration tests, isolated from the user's git configuration."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path


class Git:
    """``git`` with a private HOME and a fixed identity, run in ``tmp``."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        home = tmp / "home"
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "HOME": str(home),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": "Test Author",
            "GIT_AUTHOR_EMAIL": "author@example.com",
            "GIT_COMMITTER_NAME": "Test Author",
            "GIT_COMMITTER_EMAIL": "author@example.com",
        }
        self("config", "--global", "init.defaultBranch", "main", cwd=tmp)

    def __call__(self, *args: str, cwd: Path | None = None, check: bool = True) -> str:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd or self.tmp,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        if check and proc.returncode != 0:
            raise AssertionError(
                f"git {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
            )
        return proc.stdout + proc.stderr

    def clone(self, url: str, name: str) -> Path:
        self("clone", url, name)
        return self.tmp / name

    def commit_file(self, work: Path, path: str, content: str, message: str) -> str:
        target = work / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
        self("add", path, cwd=work)
        self("commit", "-q", "-m", message, cwd=work)
        return self("rev-parse", "HEAD", cwd=work).strip()
