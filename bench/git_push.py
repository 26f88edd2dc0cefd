"""``git push`` of a 1,000-file repository: to irisops (git smart HTTP, CodeCommit) vs to
a local bare repository over ``file://``, in the same run.

One source repository is made once (1,000 files of 2 KiB of text-like bytes in 20
directories, one commit). Each round pushes its ``main`` into a fresh, empty target of
each kind, back to back after a ``sync``: a new bare repository for ``file://`` (git's
own receive-pack, run locally by the client), a new CodeCommit repository for irisops
(created with boto3 before the clock starts). The push is timed from outside (the
``git push`` process, start to exit); after each push the target's branch is checked to
be the source's commit. The median of the rounds is reported, and the ratio
irisops / file:// (lower is better).
"""

from __future__ import annotations

import os
import random
import shutil
import string
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import servers
from bench.console import error_text, log
from bench.signing import client

FILES = 1000
DIRS = 20
FILE_BYTES = 2048


@dataclass
class Settings:
    repeats: int
    work_dir: Path
    files: int = FILES


def git_env(home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return {
        **os.environ,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }


def git(env: dict[str, str], *args: str, cwd: Path) -> str:
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    if proc.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {proc.stderr.strip()[-500:]}")
    return proc.stdout.strip()


def make_source(path: Path, env: dict[str, str], files: int) -> str:
    """A repository of ``files`` distinct text-like files in one commit; returns it."""
    rng = random.Random(1234)
    alphabet = string.ascii_letters + string.digits + " \n"
    path.mkdir(parents=True)
    git(env, "init", "-q", "-b", "main", cwd=path)
    for index in range(files):
        folder = path / f"pkg{index % DIRS:02d}"
        folder.mkdir(exist_ok=True)
        text = "".join(rng.choices(alphabet, k=FILE_BYTES))
        (folder / f"module_{index:04d}.py").write_text(f"# file {index}\n{text}\n")
    git(env, "add", "-A", cwd=path)
    git(env, "commit", "-q", "-m", f"{files} files", cwd=path)
    return git(env, "rev-parse", "HEAD", cwd=path)


def time_push(env: dict[str, str], source: Path, url: str) -> float:
    os.sync()
    started = time.perf_counter()
    git(env, "push", "-q", url, "main", cwd=source)
    return time.perf_counter() - started


def run(settings: Settings) -> dict[str, Any]:
    work = settings.work_dir
    work.mkdir(parents=True, exist_ok=True)
    env = git_env(work / "home")
    out: dict[str, Any] = {
        "files": settings.files,
        "repeats": settings.repeats,
        "seconds": {"file": [], "irisops": []},
        "errors": {},
    }
    try:
        source = work / "source"
        head = make_source(source, env, settings.files)
        log(f"git-push: source repository of {settings.files} files at {head[:12]}")
        with servers.irisops(work / "irisops-data", ["codecommit"]) as running:
            codecommit = client("codecommit", running.url)
            for round_index in range(settings.repeats):
                bare = work / f"bare-{round_index}.git"
                git(env, "init", "-q", "--bare", str(bare), cwd=work)
                out["seconds"]["file"].append(time_push(env, source, f"file://{bare}"))
                if git(env, "rev-parse", "main", cwd=bare) != head:
                    raise RuntimeError("file:// target does not have the pushed commit")
                shutil.rmtree(bare)

                name = f"bench-{round_index}"
                meta = codecommit.create_repository(repositoryName=name)["repositoryMetadata"]
                url = meta["cloneUrlHttp"].replace("localhost", servers.HOST)
                out["seconds"]["irisops"].append(time_push(env, source, url))
                branch = codecommit.get_branch(repositoryName=name, branchName="main")
                if branch["branch"]["commitId"] != head:
                    raise RuntimeError("irisops does not have the pushed commit")
                codecommit.delete_repository(repositoryName=name)
                log(
                    f"git-push round {round_index + 1}/{settings.repeats}: "
                    f"file:// {out['seconds']['file'][-1]:.3f} s, "
                    f"irisops {out['seconds']['irisops'][-1]:.3f} s"
                )
    except Exception as exc:  # a failed bench is reported, not raised
        out["error"] = error_text(exc)
    return out
