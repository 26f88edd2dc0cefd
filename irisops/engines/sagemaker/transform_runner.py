"""One batch transform job: InProgress (the model's image and model data, the input
objects staged, the model's container running ``serve`` with 8080 published on
127.0.0.1) -> ``/ping`` answers 200 -> every object split, filtered, batched and sent to
``/invocations`` (MaxConcurrentTransforms at a time) -> ``<S3OutputPath>/<name>.out``
for every object -> Completed; or Failed (the container's answer quoted); or
Stopping -> Stopped (nothing stored).

The container never exits by itself: the transform runs beside the runner's wait for
it and kills it when done, so stop, logs and teardown are the shared
:class:`~irisops.engines.sagemaker.job_runner.JobRunner`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.engines.images import ImageUnavailable, ensure_local_image
from irisops.engines.sagemaker import transform_records as records
from irisops.engines.sagemaker.endpoint_http import InstanceClient, InstanceUnreachable
from irisops.engines.sagemaker.endpoint_instances import last_log_lines, published_port
from irisops.engines.sagemaker.job_container import ContainerSpec
from irisops.engines.sagemaker.job_runner import JobContext, JobRunner
from irisops.engines.sagemaker.job_staging import StagingError, stage_s3
from irisops.engines.sagemaker.model_data import (
    ModelDataUnavailable,
    UnsafeModelData,
    extract_model_data,
    fetch_model_data,
)
from irisops.services.s3.local_files import parse_s3_uri, put_file
from irisops.services.sagemaker.models import model_containers, model_row
from irisops.services.sagemaker.resources import resource_arn

log = logging.getLogger("irisops.sagemaker")

LOG_GROUP = "/aws/sagemaker/TransformJobs"
PORT = "8080/tcp"
PING_DEADLINE_S = 300.0
PING_INTERVAL_S = 0.05
DEFAULT_INVOCATION_TIMEOUT_S = 600.0
MAX_REASON_BODY = 512


class TransformFailed(Exception):
    """The job fails with this message as its FailureReason."""


class TransformRunner(JobRunner):
    log_group = LOG_GROUP
    #: A serving container's requests in flight are lost with the server: no re-attach.
    reattachable = False

    def __init__(self, job: JobContext, doc: dict[str, Any]) -> None:
        self.instance_id = "i-" + hashlib.sha1(job.arn.encode()).hexdigest()[:17]
        super().__init__(job, doc)
        # A serving container saves nothing on SIGTERM: stop kills it at once.
        job.grace_seconds = 0.0
        self._work: asyncio.Task[None] | None = None
        self._client: InstanceClient | None = None
        #: Set by the transform when it ended, with its FailureReason (None: success).
        self._finished = False
        self._failure: str | None = None

    def log_stream(self, host: int) -> str:
        return f"{self.job.name}/{self.instance_id}"

    @property
    def model_dir(self) -> Path:
        return self.job.job_dir / "model"

    @property
    def input_dir(self) -> Path:
        return self.job.job_dir / "input"

    @property
    def output_dir(self) -> Path:
        return self.job.job_dir / "output"

    async def cleanup(self) -> None:
        if self._work is not None and not self._work.done():
            self._work.cancel()
            with contextlib.suppress(BaseException):
                await self._work
        if self._client is not None:
            self._client.close()
        await super().cleanup()
        await asyncio.to_thread(shutil.rmtree, self.job.job_dir, True)

    # -- state --------------------------------------------------------------------------

    async def _end(self, status: str) -> None:
        now = time.time()
        self.doc["TransformJobStatus"] = status
        self.doc["TransformEndTime"] = now
        self.doc["LastModifiedTime"] = now
        await self.save()

    async def fail(self, reason: str) -> None:
        if self.doc["TransformJobStatus"] in ("Completed", "Failed", "Stopped"):
            return
        self.doc["FailureReason"] = reason[:1024]
        await self._end("Failed")

    async def record_stopping(self) -> None:
        self.doc["TransformJobStatus"] = "Stopping"
        self.doc["LastModifiedTime"] = time.time()
        await self.save()

    async def end_stopped(self) -> None:
        await self._end("Stopped")

    # -- preparing ----------------------------------------------------------------------

    async def prepare(self) -> list[ContainerSpec] | None:
        self.doc["TransformStartTime"] = time.time()
        await self.save()
        try:
            return [await self._prepare()]
        except TransformFailed as exc:
            await self.fail(str(exc))
            return None

    def _model_container(self) -> dict[str, Any]:
        ctx = RequestContext(
            service="sagemaker", operation="Transform",
            account=self.job.account, region=self.job.region,
        )  # fmt: skip
        name = self.doc["ModelName"]
        row = model_row(self.job.runtime.store, ctx, name)
        if row is None:
            raise TransformFailed(
                f'ClientError: Could not find model "{resource_arn(ctx, "model", name)}".'
            )
        containers = model_containers(json.loads(row["doc"]))
        if not containers:
            raise TransformFailed(f"ClientError: model {name} has no container")
        return containers[0]

    async def _prepare(self) -> ContainerSpec:
        container = self._model_container()
        try:
            image = await ensure_local_image(self.job.runtime, container["Image"])
        except ImageUnavailable as exc:
            raise TransformFailed(f"ClientError: {exc}") from exc
        await asyncio.to_thread(shutil.rmtree, self.job.job_dir, True)
        await asyncio.to_thread(self.model_dir.mkdir, parents=True, exist_ok=True)
        url = container.get("ModelDataUrl")
        if url:
            archive = self.job.job_dir / "model.tar.gz"
            try:
                await fetch_model_data(
                    self.job.runtime.services, self.job.account, self.job.region, url, archive
                )
                await extract_model_data(archive, self.model_dir)
            except (ModelDataUnavailable, UnsafeModelData) as exc:
                raise TransformFailed(f"ClientError: {exc}") from exc
            finally:
                archive.unlink(missing_ok=True)
        source = self.doc["TransformInput"]["DataSource"]["S3DataSource"]
        try:
            await stage_s3(
                self.job.s3, self.job.account, source["S3DataType"], source["S3Uri"],
                self.input_dir,
            )  # fmt: skip
        except StagingError as exc:
            raise TransformFailed(f"ClientError: Data download failed: {exc}") from exc
        return self.spec(
            image,
            cmd=["serve"],
            env=self._environment(container),
            binds=[f"{self.model_dir}:/opt/ml/model:ro"],
            ports=[PORT],
        )

    def _environment(self, container: dict[str, Any]) -> dict[str, str]:
        env = {**(container.get("Environment") or {}), **(self.doc.get("Environment") or {})}
        env["SAGEMAKER_BATCH"] = "true"
        if self.doc.get("MaxPayloadInMB") is not None:
            env["SAGEMAKER_MAX_PAYLOAD_IN_MB"] = str(self.doc["MaxPayloadInMB"])
        if self.doc.get("BatchStrategy"):
            strategy = "SINGLE_RECORD" if self.doc["BatchStrategy"] == "SingleRecord" else ""
            env["SAGEMAKER_BATCH_STRATEGY"] = strategy or "MULTI_RECORD"
        if self.doc.get("MaxConcurrentTransforms"):
            env["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"] = str(self.doc["MaxConcurrentTransforms"])
        return env

    # -- transforming -------------------------------------------------------------------

    async def started(self) -> None:
        self._work = asyncio.create_task(self._transform(), name=f"transform-{self.job.name}")

    async def _transform(self) -> None:
        """The transform, its outcome recorded before the container is killed (so
        that :meth:`finish`, woken by the exit, knows how it ended)."""
        try:
            await self._transform_all()
        except TransformFailed as exc:
            self._failure = str(exc)
        except Exception as exc:
            log.exception("transform job %s failed unexpectedly", self.job.arn)
            self._failure = f"InternalServerError: irisops failed running the transform: {exc}"
        else:
            self._failure = None
        finally:
            self._finished = True
            for container in self.containers:
                await container.terminate(0)

    async def _transform_all(self) -> None:
        info = await self.containers[0].container.show()
        port = published_port(info)
        if port is None:
            raise TransformFailed("ClientError: the container exited at once")
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as http:
            await self._wait_ping(http, base)
            settings = await self._settings(http, base)
        self._client = InstanceClient(port)
        files = sorted(p for p in self.input_dir.rglob("*") if p.is_file())
        for path in files:
            await self._transform_file(path, settings)
        if self.stop_reason is not None:
            return
        bucket, prefix = parse_s3_uri(self.doc["TransformOutput"]["S3OutputPath"])
        if prefix and not prefix.endswith("/"):
            prefix += "/"
        accept = self.doc["TransformOutput"].get("Accept") or "application/octet-stream"
        for path in files:
            relative = path.relative_to(self.input_dir).as_posix() + ".out"
            try:
                await put_file(
                    self.job.s3, self.job.account, self.job.region, bucket, prefix + relative,
                    self.output_dir / relative, accept,
                )  # fmt: skip
            except AwsError as exc:
                raise TransformFailed(
                    f"ClientError: uploading the output failed: {exc.message}"
                ) from exc

    async def _wait_ping(self, http: aiohttp.ClientSession, base: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PING_DEADLINE_S
        timeout = aiohttp.ClientTimeout(total=2)
        while loop.time() < deadline:
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with http.get(f"{base}/ping", timeout=timeout) as resp:
                    await resp.read()
                    if resp.status == 200:
                        return
            await asyncio.sleep(PING_INTERVAL_S)
        raise TransformFailed(
            f"ClientError: the container did not pass the ping health check within "
            f"{PING_DEADLINE_S:g} seconds"
        )

    async def _settings(self, http: aiohttp.ClientSession, base: str) -> dict[str, Any]:
        """Request > ``GET /execution-parameters`` > defaults (6 MB, 1, MultiRecord)."""
        offered: dict[str, Any] = {}
        with contextlib.suppress(aiohttp.ClientError, TimeoutError, ValueError):
            async with http.get(
                f"{base}/execution-parameters", timeout=aiohttp.ClientTimeout(total=5)
            ) as resp:
                if resp.status == 200:
                    found = json.loads(await resp.read())
                    offered = found if isinstance(found, dict) else {}
        defaults = {
            "MaxPayloadInMB": 6,
            "MaxConcurrentTransforms": 1,
            "BatchStrategy": "MultiRecord",
        }
        settings: dict[str, Any] = {}
        for key, default in defaults.items():
            settings[key] = self.doc.get(key) or offered.get(key) or default
        if self.doc.get("MaxPayloadInMB") == 0:
            settings["MaxPayloadInMB"] = 0
        client = self.doc.get("ModelClientConfig") or {}
        settings["Timeout"] = float(
            client.get("InvocationsTimeoutInSeconds") or DEFAULT_INVOCATION_TIMEOUT_S
        )
        settings["Retries"] = int(client.get("InvocationsMaxRetries", 3))
        return settings

    async def _transform_file(self, path: Path, settings: dict[str, Any]) -> None:
        transform_input = self.doc["TransformInput"]
        content_type = transform_input.get("ContentType")
        accept = self.doc["TransformOutput"].get("Accept")
        processing = self.doc.get("DataProcessing") or {}
        join = processing.get("JoinSource") == "Input"
        output_filter = processing.get("OutputFilter")
        per_record = join or bool(output_filter and output_filter.strip() != "$")
        name = path.relative_to(self.input_dir).as_posix()
        data = await asyncio.to_thread(path.read_bytes)
        try:
            originals = records.split_records(data, transform_input.get("SplitType"))
            sent = [
                records.filter_input(processing.get("InputFilter"), record, content_type)
                for record in originals
            ]
            groups = list(
                records.batches(sent, settings["BatchStrategy"], settings["MaxPayloadInMB"])
            )
        except (records.FilterError, UnicodeDecodeError) as exc:
            raise TransformFailed(f"ClientError: {name}: {exc}") from exc
        headers = {}
        if content_type:
            headers["Content-Type"] = content_type
        if accept:
            headers["Accept"] = accept
        results: list[list[bytes]] = [[] for _ in groups]
        queue = iter(enumerate(groups))

        async def worker() -> None:
            """MaxConcurrentTransforms of these share the batches, in order."""
            for position, indexes in queue:
                answer = await self._invoke(records.payload(sent, indexes), headers, settings, name)
                try:
                    results[position] = (
                        [
                            records.process_output(
                                originals[i],
                                out,
                                join=join,
                                output_filter=output_filter,
                                content_type=content_type,
                                accept=accept,
                            )
                            for i, out in zip(
                                indexes, records.split_answer(answer, len(indexes)), strict=True
                            )
                        ]
                        if per_record
                        else [answer]
                    )
                except (records.FilterError, UnicodeDecodeError) as exc:
                    raise TransformFailed(f"ClientError: {name}: {exc}") from exc

        count = min(len(groups), max(1, int(settings["MaxConcurrentTransforms"])))
        workers = [asyncio.create_task(worker()) for _ in range(count)]
        try:
            await asyncio.gather(*workers)
        finally:
            for task in workers:
                task.cancel()
        pieces = [piece for part in results for piece in part]
        line = self.doc["TransformOutput"].get("AssembleWith") == "Line"
        body = (
            b"".join(piece.rstrip(b"\r\n") + b"\n" for piece in pieces)
            if line
            else b"".join(pieces)
        )
        dest = self.output_dir / (name + ".out")
        await asyncio.to_thread(_write, dest, body)

    async def _invoke(
        self, body: bytes, headers: dict[str, str], settings: dict[str, Any], name: str
    ) -> bytes:
        assert self._client is not None
        attempts = settings["Retries"] + 1
        for attempt in range(attempts):
            try:
                answer = await self._client.post("/invocations", headers, body, settings["Timeout"])
            except (InstanceUnreachable, TimeoutError) as exc:
                if attempt + 1 < attempts and self.stop_reason is None:
                    continue
                raise TransformFailed(
                    f"ClientError: {name}: the container did not answer an invocation "
                    f"({type(exc).__name__})"
                ) from exc
            if answer.status == 200:
                return answer.body
            text = answer.body[:MAX_REASON_BODY].decode("utf-8", "replace")
            raise TransformFailed(
                f"ClientError: See job logs for more information. {name}: the container "
                f"answered {answer.status} to an invocation: {text}"
            )
        raise AssertionError("unreachable")

    async def finish(self, exit_codes: list[int]) -> None:
        if self.stop_reason is not None:
            await self.end_stopped()
            return
        if not self._finished:
            code = exit_codes[0] if exit_codes else None
            tail = await last_log_lines(self.containers[0].container) if self.containers else ""
            await self.fail(
                f"AlgorithmError: the model container exited with code {code} during the "
                f"transform. Last log lines: {tail}"
            )
        elif self._failure is not None:
            await self.fail(self._failure)
        else:
            await self._end("Completed")


def _write(dest: Path, body: bytes) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(body)
