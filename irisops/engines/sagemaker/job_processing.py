"""One processing job: InProgress (image, inputs to their LocalPath, the container)
-> outputs uploaded from their LocalPath (S3UploadMode EndOfJob) -> Completed; or
Failed; or Stopping -> Stopped.

The container runs as ``docker run IMAGE`` with AppSpecification's
ContainerEntrypoint / ContainerArguments overriding the image's, its config in
``/opt/ml/config/`` and ``/opt/ml/output/message`` read back as ExitMessage.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import Any

from irisops.core.errors import AwsError
from irisops.engines.images import ImageUnavailable, ensure_local_image
from irisops.engines.sagemaker.contract import ML, host_names, read_failure, write_json
from irisops.engines.sagemaker.job_container import ContainerSpec
from irisops.engines.sagemaker.job_runner import JobContext, JobRunner
from irisops.engines.sagemaker.job_staging import StagingError, stage_s3_input
from irisops.services.s3.local_files import put_directory

LOG_GROUP = "/aws/sagemaker/ProcessingJobs"


def processing_job_config(doc: dict[str, Any]) -> dict[str, Any]:
    """processingjobconfig.json: the request echoed, with the job's ARN."""
    keys = (
        "ProcessingJobArn", "ProcessingJobName", "AppSpecification", "Environment",
        "ProcessingInputs", "ProcessingOutputConfig", "ProcessingResources", "RoleArn",
        "StoppingCondition",
    )  # fmt: skip
    return {key: doc[key] for key in keys if key in doc}


class ProcessingRunner(JobRunner):
    log_group = LOG_GROUP

    def __init__(self, job: JobContext, doc: dict[str, Any]) -> None:
        super().__init__(job, doc)
        self.hosts = host_names(self.instance_count())

    def instance_count(self) -> int:
        cluster = (self.doc.get("ProcessingResources") or {}).get("ClusterConfig") or {}
        return max(1, int(cluster.get("InstanceCount") or 1))

    def config_dir(self, host: str) -> Path:
        return self.job.job_dir / host / "config"

    def output_dir(self, host: str) -> Path:
        return self.job.job_dir / host / "output"

    def input_dir(self, host: str, name: str) -> Path:
        return self.job.job_dir / host / "inputs" / name

    def output_path(self, host: str, name: str) -> Path:
        return self.job.job_dir / host / "outputs" / name

    def _outputs(self) -> list[dict[str, Any]]:
        config = self.doc.get("ProcessingOutputConfig") or {}
        return [out for out in config.get("Outputs") or [] if out.get("S3Output")]

    def _inputs(self) -> list[dict[str, Any]]:
        return [item for item in self.doc.get("ProcessingInputs") or [] if item.get("S3Input")]

    async def cleanup(self) -> None:
        """The network, and the staged inputs (hard links to S3 blobs)."""
        await super().cleanup()
        for host in self.hosts:
            await asyncio.to_thread(shutil.rmtree, self.job.job_dir / host / "inputs", True)

    # -- state --------------------------------------------------------------------------

    async def _end(self, status: str) -> None:
        now = time.time()
        self.doc["ProcessingJobStatus"] = status
        self.doc["ProcessingEndTime"] = now
        self.doc["LastModifiedTime"] = now
        await self.save()

    async def fail(self, reason: str) -> None:
        if self.doc["ProcessingJobStatus"] in ("Completed", "Failed", "Stopped"):
            return
        self.doc["FailureReason"] = reason[:1024]
        await self._end("Failed")

    async def record_stopping(self) -> None:
        self.doc["ProcessingJobStatus"] = "Stopping"
        self.doc["LastModifiedTime"] = time.time()
        await self.save()

    async def end_stopped(self) -> None:
        await self._end("Stopped")

    def max_runtime_seconds(self) -> float | None:
        limit = (self.doc.get("StoppingCondition") or {}).get("MaxRuntimeInSeconds")
        return float(limit) if limit else None

    def started_at(self) -> float:
        return float(self.doc.get("ProcessingStartTime") or self.doc["CreationTime"])

    # -- the phases ---------------------------------------------------------------------

    async def prepare(self) -> list[ContainerSpec] | None:
        self.doc["ProcessingStartTime"] = time.time()
        await self.save()
        app = self.doc["AppSpecification"]
        try:
            image = await ensure_local_image(self.job.runtime, app["ImageUri"])
        except ImageUnavailable as exc:
            await self.fail(f"ClientError: {exc}")
            return None
        specs = []
        network = await self.create_network()
        for host in self.hosts:
            binds = await self._stage(host)
            if binds is None:
                return None
            specs.append(
                self.spec(
                    image,
                    cmd=app.get("ContainerArguments"),
                    entrypoint=app.get("ContainerEntrypoint"),
                    env=dict(self.doc.get("Environment") or {}),
                    binds=binds,
                    hostname=host,
                    network=network,
                    aliases=[host] if network else [],
                )
            )
        return specs

    async def _stage(self, host: str) -> list[str] | None:
        """One instance's inputs, output dirs and config; its binds (None: Failed)."""
        binds = []
        try:
            for item in self._inputs():
                dest = self.input_dir(host, item["InputName"])
                await asyncio.to_thread(dest.mkdir, parents=True, exist_ok=True)
                shard = (self.hosts.index(host), len(self.hosts))
                await stage_s3_input(self.job.s3, self.job.account, item["S3Input"], dest, shard)
                binds.append(f"{dest}:{item['S3Input']['LocalPath']}:ro")
        except StagingError as exc:
            await self.fail(f"ClientError: Data download failed: {exc}")
            return None
        for out in self._outputs():
            path = self.output_path(host, out["OutputName"])
            await asyncio.to_thread(path.mkdir, parents=True, exist_ok=True)
            binds.append(f"{path}:{out['S3Output']['LocalPath']}")
        await asyncio.to_thread(self._write_config, host)
        binds += [f"{self.config_dir(host)}:{ML}/config:ro", f"{self.output_dir(host)}:{ML}/output"]
        return binds

    def _write_config(self, host: str) -> None:
        self.output_dir(host).mkdir(parents=True, exist_ok=True)
        config = self.config_dir(host)
        write_json(config / "processingjobconfig.json", processing_job_config(self.doc))
        write_json(config / "resourceconfig.json", {"current_host": host, "hosts": self.hosts})

    async def finish(self, exit_codes: list[int]) -> None:
        exit_code = next((code for code in exit_codes if code != 0), 0)
        messages = [
            await asyncio.to_thread(read_failure, self.output_dir(host) / "message")
            for host in self.hosts
        ]
        message = next((text for text in messages if text), None)
        if message:
            self.doc["ExitMessage"] = message
        if self.stop_reason is not None:
            await self.end_stopped()
            return
        if exit_code != 0:
            reason = (
                message
                or f"AlgorithmError: See job logs for more information (exit code {exit_code})"
            )
            await self.fail(reason)
            return
        try:
            for out in self._outputs():
                for host in self.hosts:  # every instance's files go to the same prefix
                    await put_directory(
                        self.job.s3, self.job.account, self.job.region, out["S3Output"]["S3Uri"],
                        self.output_path(host, out["OutputName"]),
                    )  # fmt: skip
        except (AwsError, StagingError, OSError) as exc:
            text = exc.message if isinstance(exc, AwsError) else str(exc)
            await self.fail(f"ClientError: uploading the outputs failed: {text}")
            return
        await self._end("Completed")
