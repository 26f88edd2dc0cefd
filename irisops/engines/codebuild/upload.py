"""UPLOAD_ARTIFACTS: the buildspec's artifacts to S3, as the project or the pipeline
asks (a zip, or the files one by one with ``packaging: NONE``)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from irisops.core.errors import AwsError
from irisops.engines.buildspec.artifacts import select_files, write_zip
from irisops.engines.buildspec.spec import ArtifactsSpec
from irisops.engines.codebuild.plan import BuildPlan
from irisops.services.s3.local_files import put_file


class UploadError(Exception):
    """The artifacts could not be stored (``CLIENT_ERROR`` of UPLOAD_ARTIFACTS)."""


def s3_artifact_key(plan: BuildPlan, spec_name: str | None) -> str:
    """``path/[build uuid/]name`` as a project's S3 artifacts settings compose it."""
    settings = plan.artifacts
    name = str(settings.get("name") or plan.project_name)
    if spec_name and settings.get("overrideArtifactName"):
        name = spec_name
    parts = [str(settings.get("path") or "").strip("/")]
    if settings.get("namespaceType") == "BUILD_ID":
        parts.append(plan.uuid)
    parts.append(name.strip("/"))
    return "/".join(part for part in parts if part)


async def upload_artifacts(plan: BuildPlan, spec: ArtifactsSpec | None, s3: Any) -> str:
    """Store the artifacts; returns ``Build.artifacts.location`` ("" when none)."""
    target = _target(plan, spec)
    if target is None or spec is None:
        return ""
    bucket, key, zipped = target
    try:
        files = await asyncio.to_thread(select_files, plan.src_dir, spec)
    except ValueError as exc:
        raise UploadError(str(exc)) from exc
    try:
        if zipped:
            archive = plan.work_dir / "artifacts" / "artifact.zip"
            await asyncio.to_thread(write_zip, files, archive)
            await put_file(s3, plan.account, plan.region, bucket, key, archive, "application/zip")
        else:
            for path, name in files:
                await put_file(s3, plan.account, plan.region, bucket, f"{key}/{name}", Path(path))
    except AwsError as exc:
        raise UploadError(f"error while uploading artifacts to {bucket}: {exc.message}") from exc
    return f"arn:aws:s3:::{bucket}/{key}"


def _target(plan: BuildPlan, spec: ArtifactsSpec | None) -> tuple[str, str, bool] | None:
    if plan.output_artifact is not None:
        bucket, key = plan.output_artifact
        return bucket, key, True
    if plan.artifacts.get("type") != "S3" or spec is None:
        return None
    bucket = str(plan.artifacts.get("location") or "")
    if not bucket:
        raise UploadError("artifacts location (bucket) is not set")
    zipped = plan.artifacts.get("packaging") == "ZIP"
    return bucket, s3_artifact_key(plan, spec.name), zipped
