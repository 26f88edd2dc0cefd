"""One batch transform job: InProgress (the model's images and model data, the input
objects staged, on each of the InstanceCount instances the model's containers running
``serve`` with their ports published on 127.0.0.1) -> every ``/ping`` answers 200 ->
the objects divided among the instances, each split, filtered, batched and sent to
``/invocations`` (through every container of a Serial pipeline; MaxConcurrentTransforms
at a time per instance) -> ``<S3OutputPath>/<name>.out`` for every object -> Completed;
or Failed (the container's answer quoted); or Stopping -> Stopped (nothing stored).

The container never exits by itself: the transform runs beside the runner's wait for
it and kills it when done, so stop, logs and teardown are the shared
:class:`~irisops.engines.sagemaker.job_runner.JobRunner`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import aiohttp

from irisops.core.errors import AwsError
from irisops.engines.sagemaker import transform_records as records
from irisops.engines.sagemaker.endpoint_http import InstanceClient, InstanceUnreachable
from irisops.engines.sagemaker.endpoint_instances import (
    last_log_lines,
    post_serial,
    published_port,
)
from irisops.engines.sagemaker.job_container import ContainerSpec
from irisops.engines.sagemaker.job_runner import JobContext, JobRunner
from irisops.engines.sagemaker.job_staging import StagingError, stage_s3
from irisops.engines.sagemaker.transform_model import (
    TransformFailed,
    TransformInstance,
    TransformPart,
    instance_id,
    model_of,
    prepare_parts,
)
from irisops.services.s3.local_files import parse_s3_uri, put_file

log = logging.getLogger("irisops.sagemaker")

LOG_GROUP = "/aws/sagemaker/TransformJobs"
PING_DEADLINE_S = 300.0
PING_INTERVAL_S = 0.05
DEFAULT_INVOCATION_TIMEOUT_S = 600.0
MAX_REASON_BODY = 512


class TransformRunner(JobRunner):
    log_group = LOG_GROUP
    #: A serving container's requests in flight are lost with the server: no re-attach.
    reattachable = False

    def __init__(self, job: JobContext, doc: dict[str, Any]) -> None:
        count = int((doc.get("TransformResources") or {}).get("InstanceCount") or 1)
        self.instance_ids = [instance_id(job.arn, index) for index in range(count)]
        self._model_failure: str | None = None
        try:
            self.model = model_of(job.runtime, job.account, job.region, doc["ModelName"])
        except TransformFailed as exc:
            self.model, self._model_failure = [], str(exc)
        super().__init__(job, doc)
        # A serving container saves nothing on SIGTERM: stop kills it at once.
        job.grace_seconds = 0.0
        self._work: asyncio.Task[None] | None = None
        self._parts: list[TransformPart] = []
        self._instances: list[TransformInstance] = []
        #: Set by the transform when it ended, with its FailureReason (None: success).
        self._finished = False
        self._failure: str | None = None

    def instance_count(self) -> int:
        """How many containers the job runs (each has its log stream): every model
        container on every instance, instance by instance."""
        return len(self.instance_ids) * max(len(self.model), 1)

    def log_stream(self, host: int) -> str:
        """``<job>/<instance-id>``, with ``/<ContainerHostname>`` in a pipeline (as an
        endpoint's streams are; unconfirmed for transform jobs)."""
        index, position = divmod(host - 1, max(len(self.model), 1))
        stream = f"{self.job.name}/{self.instance_ids[index]}"
        hostname = self.model[position].get("ContainerHostname") if self.model else None
        return f"{stream}/{hostname}" if hostname else stream

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
        for instance in self._instances:
            instance.close()
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
            if self._model_failure is not None:
                raise TransformFailed(self._model_failure)
            return await self._prepare()
        except TransformFailed as exc:
            await self.fail(str(exc))
            return None

    async def _prepare(self) -> list[ContainerSpec]:
        await asyncio.to_thread(shutil.rmtree, self.job.job_dir, True)
        self._parts = await prepare_parts(self.job, self.model, self._environment())
        source = self.doc["TransformInput"]["DataSource"]["S3DataSource"]
        try:
            await stage_s3(
                self.job.s3, self.job.account, source["S3DataType"],
                source["S3Uri"], self.input_dir,
            )  # fmt: skip
        except StagingError as exc:
            raise TransformFailed(f"ClientError: Data download failed: {exc}") from exc
        return [
            self.spec(
                part.image,
                cmd=["serve"],
                env=part.environment,
                binds=[f"{part.model_dir}:/opt/ml/model:ro"],
                ports=[part.port],
            )
            for _ in self.instance_ids
            for part in self._parts
        ]

    def _environment(self) -> dict[str, str]:
        """The job's variables (over each container's own)."""
        env = dict(self.doc.get("Environment") or {})
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
        per_instance = len(self._parts)
        ports = []
        for index, container in enumerate(self.containers):
            info = await container.container.show()
            port = published_port(info, self._parts[index % per_instance].port)
            if port is None:
                raise TransformFailed("ClientError: the container exited at once")
            ports.append(port)
        async with aiohttp.ClientSession() as http:
            for port in ports:  # they boot together: the later ones wait least
                await self._wait_ping(http, f"http://127.0.0.1:{port}")
            settings = await self._settings(http, f"http://127.0.0.1:{ports[0]}")
        files = sorted(p for p in self.input_dir.rglob("*") if p.is_file())
        count = len(self.instance_ids)
        self._instances = [
            TransformInstance(
                iid,
                [
                    (part.hostname or "primary", InstanceClient(ports[n * per_instance + i]))
                    for i, part in enumerate(self._parts)
                ],
                files[n::count],  # the objects are divided among the instances
            )
            for n, iid in enumerate(self.instance_ids)
        ]
        try:
            async with asyncio.TaskGroup() as group:
                for instance in self._instances:
                    group.create_task(self._transform_instance(instance, settings))
        except BaseExceptionGroup as exc:
            raise exc.exceptions[0] from None
        if self.stop_reason is not None:
            return
        await self._upload(files)

    async def _transform_instance(
        self, instance: TransformInstance, settings: dict[str, Any]
    ) -> None:
        for path in instance.files:
            await self._transform_file(path, settings, instance)

    async def _upload(self, files: list[Path]) -> None:
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

    async def _transform_file(
        self, path: Path, settings: dict[str, Any], instance: TransformInstance
    ) -> None:
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
                answer = await self._invoke(
                    records.payload(sent, indexes), headers, settings, name, instance
                )
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
        self,
        body: bytes,
        headers: dict[str, str],
        settings: dict[str, Any],
        name: str,
        instance: TransformInstance,
    ) -> bytes:
        attempts = settings["Retries"] + 1
        for attempt in range(attempts):
            try:
                answer, container = await post_serial(
                    instance.chain, headers, body, settings["Timeout"]
                )
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
            which = "" if container == "primary" else f" {container}"
            raise TransformFailed(
                f"ClientError: See job logs for more information. {name}: the container"
                f"{which} answered {answer.status} to an invocation: {text}"
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
