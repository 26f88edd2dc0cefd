"""Where pipeline artifacts live: zips in the pipeline's artifact store bucket.

AWS lays them out as ``<pipeline name, truncated>/<artifact name, first 10
characters>/<random>`` (``MyFirstPipeline/SourceArti/kEXAMPLE``; CP:
welcome-introducing-artifacts). The pipeline-name truncation length is unconfirmed: 20
characters here.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

from irisops.core.arns import random_id
from irisops.services.s3.local_files import ensure_bucket, get_file, put_file

PIPELINE_NAME_CHARS = 20
ARTIFACT_NAME_CHARS = 10
RANDOM_CHARS = 7
_ALPHABET = string.ascii_letters + string.digits


def artifact_key(pipeline_name: str, artifact_name: str) -> str:
    return (
        f"{pipeline_name[:PIPELINE_NAME_CHARS]}/{artifact_name[:ARTIFACT_NAME_CHARS]}/"
        f"{random_id(RANDOM_CHARS, _ALPHABET)}"
    )


def location(bucket: str, key: str) -> dict[str, str]:
    """An ``S3Location`` as ListActionExecutions shows it."""
    return {"bucket": bucket, "key": key}


async def store_artifact(
    s3: Any, account: str, region: str, bucket: str, key: str, path: Path
) -> None:
    """Put a zip into the artifact store (the bucket is created when missing)."""
    await ensure_bucket(s3, account, region, bucket)
    await put_file(s3, account, region, bucket, key, path, content_type="application/zip")


async def fetch_artifact(
    s3: Any, account: str, region: str, bucket: str, key: str, dest: Path
) -> None:
    await get_file(s3, account, region, bucket, key, dest)
