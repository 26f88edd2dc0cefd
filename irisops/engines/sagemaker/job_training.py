"""One training job: Starting -> Downloading (image, channels, config) -> Training
(``docker run IMAGE train``) -> Uploading (model.tar.gz, output.tar.gz) -> Completed;
or Stopping -> Stopped (the model the container saved is still uploaded); or Failed."""

from __future__ import annotations

import asyncio
import shutil
import time
from typing import Any

from irisops.core.errors import AwsError
from irisops.engines.images import ImageUnavailable, ensure_local_image
from irisops.engines.sagemaker import job_states
from irisops.engines.sagemaker.contract import (
    DEFAULT_CHECKPOINTS,
    TrainingDirs,
    has_files,
    host_names,
    pack_directory,
    read_failure,
    write_training_config,
)
from irisops.engines.sagemaker.job_container import ContainerSpec
from irisops.engines.sagemaker.job_metrics import MetricCollector
from irisops.engines.sagemaker.job_runner import JobContext, JobRunner
from irisops.engines.sagemaker.job_staging import StagingError, stage_channel
from irisops.services.s3.local_files import (
    parse_s3_uri,
    put_file,
    stage_prefix,
    sync_directory,
)

LOG_GROUP = "/aws/sagemaker/TrainingJobs"


def model_artifacts_uri(request: dict[str, Any], job_name: str) -> str:
    """``<S3OutputPath>/<job>/output/model.tar.gz``."""
    base = request["OutputDataConfig"]["S3OutputPath"].rstrip("/")
    return f"{base}/{job_name}/output/model.tar.gz"


class TrainingRunner(JobRunner):
    log_group = LOG_GROUP

    def __init__(self, job: JobContext, doc: dict[str, Any]) -> None:
        super().__init__(job, doc)
        self.hosts = host_names(self.instance_count())
        self.host_dirs = [TrainingDirs(job.job_dir / host) for host in self.hosts]
        #: algo-1's: the model, output data and checkpoints uploaded come from there.
        self.dirs = self.host_dirs[0]
        algorithm = doc.get("AlgorithmSpecification") or {}
        self.metrics = MetricCollector(algorithm.get("MetricDefinitions"))

    # -- state --------------------------------------------------------------------------

    async def _move(self, status: str, secondary: str) -> None:
        if status == "InProgress" and self.stop_reason is not None:
            return  # a stop was recorded meanwhile: the job stays Stopping
        job_states.move(self.doc, status, secondary, time.time())
        await self.save()

    async def _finish(self, status: str, secondary: str) -> None:
        if self.metrics.final():
            self.doc["FinalMetricDataList"] = self.metrics.final()
        job_states.finish(self.doc, status, secondary, time.time())
        await self.save()

    async def fail(self, reason: str) -> None:
        if self.doc["TrainingJobStatus"] in job_states.FINAL_STATUSES:
            return
        self.doc["FailureReason"] = reason[:1024]
        await self._finish("Failed", "Failed")

    async def record_stopping(self) -> None:
        await self._move("Stopping", "Stopping")

    async def end_stopped(self) -> None:
        await self._finish("Stopped", self.stop_reason or "Stopped")

    def max_runtime_seconds(self) -> float | None:
        limit = (self.doc.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
        return float(limit) if limit else None

    def started_at(self) -> float:
        return float(self.doc.get("TrainingStartTime") or self.doc["CreationTime"])

    def instance_count(self) -> int:
        return max(1, int((self.doc.get("ResourceConfig") or {}).get("InstanceCount") or 1))

    def on_line(self, host: int, line: str) -> None:
        super().on_line(host, line)
        self.metrics.feed(line, time.time())

    # -- the phases ---------------------------------------------------------------------

    async def prepare(self) -> list[ContainerSpec] | None:
        self.doc["TrainingStartTime"] = time.time()
        await self._move("InProgress", "Downloading")
        algorithm = self.doc.get("AlgorithmSpecification") or {}
        try:
            image = await ensure_local_image(self.job.runtime, algorithm.get("TrainingImage", ""))
        except ImageUnavailable as exc:
            await self.fail(f"ClientError: {exc}")
            return None
        checkpoint = self.doc.get("CheckpointConfig")
        for index, dirs in enumerate(self.host_dirs):
            host, shard = self.hosts[index], (index, len(self.hosts))
            await asyncio.to_thread(dirs.create)
            try:
                for channel in self.doc.get("InputDataConfig") or []:
                    dest = dirs.data / channel["ChannelName"]
                    await stage_channel(self.job.s3, self.job.account, channel, dest, shard)
            except StagingError as exc:
                await self.fail(f"ClientError: Data download failed: {exc}")
                return None
            try:
                if checkpoint:
                    await stage_prefix(
                        self.job.s3, self.job.account, checkpoint["S3Uri"], dirs.checkpoints,
                        copy=True, empty_ok=True,
                    )  # fmt: skip
            except StagingError as exc:
                await self.fail(f"ClientError: Checkpoint download failed: {exc}")
                return None
            await asyncio.to_thread(write_training_config, dirs, self.doc, host)
        env = {
            **(self.doc.get("Environment") or {}),
            "TRAINING_JOB_NAME": self.job.name,
            "TRAINING_JOB_ARN": self.job.arn,
        }
        network = await self.create_network()
        local_checkpoints = (
            (checkpoint.get("LocalPath") or DEFAULT_CHECKPOINTS) if checkpoint else None
        )
        return [
            self.spec(
                image,
                cmd=algorithm.get("ContainerArguments") or ["train"],
                entrypoint=algorithm.get("ContainerEntrypoint"),
                env=env,
                binds=dirs.binds(local_checkpoints),
                hostname=host,
                network=network,
                aliases=[host] if network else [],
            )
            for host, dirs in zip(self.hosts, self.host_dirs, strict=True)
        ]

    async def cleanup(self) -> None:
        """The network, and the staged input (hard links that would keep S3 blobs a
        client deletes on disk)."""
        await super().cleanup()
        for dirs in self.host_dirs:
            await asyncio.to_thread(shutil.rmtree, dirs.data, True)

    async def started(self) -> None:
        for index, host in enumerate(self.hosts, start=1):
            self.on_line(index, f"irisops: training job {self.job.name} started on {host}")
        await self._move("InProgress", "Training")

    async def _sync_checkpoints(self) -> bool:
        """/opt/ml/checkpoints to CheckpointConfig.S3Uri (deletes too); False (and the
        job Failed) when S3 refuses."""
        checkpoint = self.doc.get("CheckpointConfig")
        if not checkpoint:
            return True
        try:
            await sync_directory(
                self.job.s3, self.job.account, self.job.region, checkpoint["S3Uri"],
                self.dirs.checkpoints,
            )  # fmt: skip
        except (AwsError, StagingError, OSError) as exc:
            message = exc.message if isinstance(exc, AwsError) else str(exc)
            await self.fail(f"ClientError: uploading the checkpoints failed: {message}")
            return False
        return True

    async def finish(self, exit_codes: list[int]) -> None:
        if not await self._sync_checkpoints():
            return
        if self.stop_reason is not None:
            if await self._upload():
                await self.end_stopped()
            return
        failed = [
            (code, dirs) for code, dirs in zip(exit_codes, self.host_dirs, strict=False) if code
        ]
        if failed:
            reasons = [await asyncio.to_thread(read_failure, dirs.failure) for _, dirs in failed]
            code = failed[0][0]
            reason = next((text for text in reasons if text), None)
            await self.fail(
                reason or f"AlgorithmError: See job logs for more information (exit code {code})"
            )
            return
        await self._move("InProgress", "Uploading")
        if await self._upload():
            await self._finish("Completed", "Completed")

    async def _upload(self) -> bool:
        """model.tar.gz (always) and output.tar.gz (when the container wrote output
        data) to S3; False (and the job Failed) when S3 refuses."""
        model_uri = model_artifacts_uri(self.doc, self.job.name)
        uploads = [(self.dirs.model, self.dirs.packed / "model.tar.gz", model_uri)]
        if await asyncio.to_thread(has_files, self.dirs.output_data):
            output_uri = model_uri.rsplit("/", 1)[0] + "/output.tar.gz"
            uploads.append((self.dirs.output_data, self.dirs.packed / "output.tar.gz", output_uri))
        try:
            for source, archive, uri in uploads:
                await asyncio.to_thread(pack_directory, source, archive)
                bucket, key = parse_s3_uri(uri)
                await put_file(
                    self.job.s3, self.job.account, self.job.region, bucket, key, archive,
                    "application/x-tar",
                )  # fmt: skip
        except (AwsError, OSError) as exc:
            message = exc.message if isinstance(exc, AwsError) else str(exc)
            await self.fail(f"ClientError: uploading the model to {model_uri} failed: {message}")
            return False
        return True
