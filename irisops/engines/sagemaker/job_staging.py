"""Input data for a job's container, staged from our own S3 store as hard links (never
through the network): a training channel or a processing input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from irisops.services.s3.local_files import StagingError, stage_manifest, stage_prefix

__all__ = ["StagingError", "stage_channel", "stage_s3_input"]


#: (index of this instance, number of instances) for ShardedByS3Key.
Shard = tuple[int, int]
WHOLE: Shard = (0, 1)


async def stage_s3(
    s3: Any, account: str, data_type: str, uri: str, dest: Path, shard: Shard = WHOLE
) -> int:
    """``S3Prefix`` (all of it, or one instance's shard of its objects) or
    ``ManifestFile`` at ``uri`` into ``dest``; how many files."""
    if data_type == "S3Prefix":
        return await stage_prefix(s3, account, uri, dest, shard=shard)
    if data_type == "ManifestFile":
        return await stage_manifest(s3, account, uri, dest)
    raise StagingError(f"S3DataType {data_type} is not supported by irisops")


async def stage_channel(
    s3: Any, account: str, channel: dict[str, Any], dest: Path, shard: Shard = WHOLE
) -> int:
    """A training channel (File mode; FastFile is staged the same way)."""
    mode = channel.get("InputMode") or "File"
    if mode == "Pipe":
        raise StagingError(f"channel {channel['ChannelName']}: Pipe input mode is not supported")
    source = (channel.get("DataSource") or {}).get("S3DataSource")
    if source is None:
        raise StagingError(f"channel {channel['ChannelName']} has no S3DataSource")
    if source.get("S3DataDistributionType") != "ShardedByS3Key":
        shard = WHOLE
    return await stage_s3(s3, account, source["S3DataType"], source["S3Uri"], dest, shard)


async def stage_s3_input(
    s3: Any, account: str, s3_input: dict[str, Any], dest: Path, shard: Shard = WHOLE
) -> int:
    """A processing input (S3InputMode File)."""
    if (s3_input.get("S3InputMode") or "File") != "File":
        raise StagingError("S3InputMode Pipe is not supported by irisops")
    if s3_input.get("S3DataDistributionType") != "ShardedByS3Key":
        shard = WHOLE
    return await stage_s3(s3, account, s3_input["S3DataType"], s3_input["S3Uri"], dest, shard)
