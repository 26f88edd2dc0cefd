"""The environment a build's commands see, as on CodeBuild's standard images.

``aws`` is the server's own awscli (the venv's bin dir on PATH), ``git`` and ``python3``
the host's. ``docker`` is the host's CLI only for a privileged project; otherwise a
shim first on PATH answers what the CLI says without a daemon.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from irisops.engines.codebuild.plan import BuildPlan

NO_DAEMON = (
    "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
    "Is the docker daemon running?"
)
PASSTHROUGH = ("DOCKER_HOST", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "LANG", "TZ")


def write_docker_shim(bin_dir: Path) -> None:
    real = shutil.which("docker") or ""
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / "docker"
    version = f"exec {real} --version\n" if real else "echo 'Docker version unknown'\nexit 0\n"
    shim.write_text(
        f'#!/bin/sh\nif [ "$1" = "--version" ]; then\n{version}fi\necho "{NO_DAEMON}" >&2\nexit 1\n'
    )
    shim.chmod(0o755)


def build_environment(
    plan: BuildPlan,
    endpoint_url: str,
    spec_variables: dict[str, str],
    start_ms: int,
    container_path: str | None = None,
) -> dict[str, str]:
    """Variables in CodeBuild's precedence: buildspec env < project < StartBuild override;
    CODEBUILD_* and AWS_* are set by the build and win over all of them.

    ``container_path`` is the image's PATH when the build runs in a container: the
    image's own tools then, with the docker shim first for an unprivileged build."""
    home = plan.work_dir / "home"
    tmp = plan.work_dir / "tmp"
    shims = plan.work_dir / "shims"
    for path in (home, tmp):
        path.mkdir(parents=True, exist_ok=True)
    if container_path is None:
        path_dirs = [str(Path(sys.executable).parent), os.environ.get("PATH", "/usr/bin:/bin")]
    else:
        path_dirs = [container_path]
    if not plan.privileged:
        write_docker_shim(shims)
        path_dirs.insert(0, str(shims))
    env = {name: os.environ[name] for name in PASSTHROUGH if name in os.environ}
    env.setdefault("LANG", "C.UTF-8")
    env.update(
        PATH=os.pathsep.join(path_dirs),
        HOME=str(home),
        TMPDIR=str(tmp),
        SHELL="/bin/bash",
    )
    env.update(spec_variables)
    for name, value in plan.variables:
        env[name] = value
    env.update(
        AWS_REGION=plan.region,
        AWS_DEFAULT_REGION=plan.region,
        AWS_ENDPOINT_URL=endpoint_url,
        AWS_ACCESS_KEY_ID=plan.account,
        AWS_SECRET_ACCESS_KEY="test",
        AWS_CONFIG_FILE=str(home / ".aws" / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / ".aws" / "credentials"),
        AWS_EC2_METADATA_DISABLED="true",
        CODEBUILD_CI="true",
        CODEBUILD_BUILD_ID=plan.build_id,
        CODEBUILD_BUILD_ARN=plan.arn,
        CODEBUILD_BUILD_NUMBER=str(plan.build_number),
        CODEBUILD_BUILD_IMAGE=plan.image,
        CODEBUILD_BUILD_SUCCEEDING="1",
        CODEBUILD_INITIATOR=plan.initiator,
        CODEBUILD_KMS_KEY_ID=f"arn:aws:kms:{plan.region}:{plan.account}:alias/aws/s3",
        CODEBUILD_LOG_PATH=plan.log_stream,
        CODEBUILD_SRC_DIR=str(plan.src_dir),
        CODEBUILD_SOURCE_VERSION=source_version_variable(plan),
        CODEBUILD_SOURCE_REPO_URL=plan.source_location,
        CODEBUILD_START_TIME=str(start_ms),
        CODEBUILD_RESOLVED_SOURCE_VERSION="",
    )
    return env


def source_version_variable(plan: BuildPlan) -> str:
    if plan.source_type == "CODEPIPELINE" and plan.input_artifacts:
        bucket, key = plan.input_artifacts[0]
        return f"arn:aws:s3:::{bucket}/{key}"
    return plan.source_version
