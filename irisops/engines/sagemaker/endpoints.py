"""The endpoint supervisor: every endpoint's deployments, its live fleet, its watcher.

One work task per endpoint at a time (create, update, capacity change, delete), owned
here and never by a request; a watcher per serving endpoint replaces instances whose
container died. The Runtime proxy reads :meth:`EndpointSupervisor.fleet`.

Every status change is committed, then published as ``sagemaker.EndpointStateChanged``
``{EndpointName, EndpointStatus}``; an endpoint removed for good publishes
``sagemaker.EndpointDeleted`` ``{EndpointName}``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import sqlite3
import time
from collections.abc import Coroutine
from typing import Any

import aiohttp

from irisops.engines.sagemaker import endpoint_restore
from irisops.engines.sagemaker.endpoint_deploy import (
    DEPLOY_FAILURES,
    endpoint_dir,
    prepare_variant,
    start_instances,
)
from irisops.engines.sagemaker.endpoint_instances import Instance, container_state, discard
from irisops.engines.sagemaker.endpoint_routing import Fleet, VariantPool
from irisops.services.sagemaker import endpoint_records as records
from irisops.services.sagemaker.endpoint_records import EndpointRecord
from irisops.services.sagemaker.resources import remove_resource

log = logging.getLogger("irisops.sagemaker.endpoints")

WATCH_INTERVAL_S = 1.0
RETIRE_GRACE_S = 5


class EndpointSupervisor:
    def __init__(self, runtime: Any) -> None:
        self.runtime = runtime
        self.store = runtime.store
        self._fleets: dict[str, Fleet[Instance]] = {}
        self._instances: dict[str, list[Instance]] = {}
        self._work: dict[str, asyncio.Task[None]] = {}
        self._watchers: dict[str, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._http: aiohttp.ClientSession | None = None

    # -- life cycle ---------------------------------------------------------------------

    @property
    def http(self) -> aiohttp.ClientSession:
        if self._http is None or self._http.closed:
            self._http = aiohttp.ClientSession()
        return self._http

    async def start(self) -> None:
        """Reconcile every endpoint with the containers still running (after a crash)."""
        rows = await self.store.query("SELECT * FROM sagemaker_endpoints")
        for row in rows:
            rec = EndpointRecord.from_row(row)
            self._launch(rec.arn, endpoint_restore.reconcile(self, rec))

    async def close(self) -> None:
        tasks = [*self._work.values(), *self._watchers.values(), *self._background]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        for instances in self._instances.values():
            for instance in instances:
                await instance.close()
        self._instances.clear()
        self._fleets.clear()
        if self._http is not None:
            await self._http.close()

    async def reset(self) -> None:
        """Forget every endpoint and its files (the gateway removes the containers)."""
        await self.close()
        self._work.clear()
        self._watchers.clear()
        self._background.clear()
        endpoints_dir = self.runtime.data_dir / "sagemaker" / "endpoints"
        await asyncio.to_thread(shutil.rmtree, endpoints_dir, True)

    # -- what the API and the proxy call ------------------------------------------------

    def fleet(self, arn: str) -> Fleet[Instance] | None:
        return self._fleets.get(arn)

    def serving(self) -> list[str]:
        """The ARNs of the endpoints that run instances now."""
        return [arn for arn, instances in self._instances.items() if instances]

    def instances(self, arn: str) -> list[Instance]:
        """Every instance the endpoint runs, serving or not."""
        return list(self._instances.get(arn, ()))

    def busy(self, arn: str) -> bool:
        task = self._work.get(arn)
        return task is not None and not task.done()

    def create(self, rec: EndpointRecord) -> None:
        self._launch(rec.arn, self._create(rec.arn))

    def update(self, rec: EndpointRecord) -> None:
        self._launch(rec.arn, self._update(rec.arn))

    def change_capacity(self, rec: EndpointRecord) -> None:
        self._launch(rec.arn, self._change_capacity(rec.arn))

    def delete(self, rec: EndpointRecord) -> None:
        old = self._work.pop(rec.arn, None)
        self._launch(rec.arn, self._delete(rec.arn, old))

    def instance_failed(self, arn: str, instance: Instance) -> None:
        """The proxy could not reach ``instance``: take it out of rotation now; the
        watcher decides whether its container is gone."""
        fleet = self._fleets.get(arn)
        if fleet is None or instance.variant not in fleet.by_name:
            return
        pool = fleet.by_name[instance.variant]
        if instance in pool.members and len(pool.members) > 1:
            fleet.set_members(instance.variant, [m for m in pool.members if m is not instance])

    # -- tasks --------------------------------------------------------------------------

    def _launch(self, arn: str, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._guarded(arn, coro), name=f"endpoint-{arn}")
        self._work[arn] = task
        task.add_done_callback(
            lambda t: self._work.pop(arn, None) if self._work.get(arn) is t else None
        )

    async def _guarded(self, arn: str, coro: Coroutine[Any, Any, None]) -> None:
        try:
            await coro
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("endpoint work for %s failed", arn)
            with contextlib.suppress(Exception):
                await self.record(
                    arn,
                    status=records.FAILED,
                    failure_reason="irisops hit an internal error; see its log",
                )

    async def load(self, arn: str) -> EndpointRecord | None:
        return await self.store.write(lambda conn: records.load(conn, arn))

    async def record(self, arn: str, **changes: Any) -> EndpointRecord | None:
        """Commit ``changes``, then publish the endpoint's status."""

        def write(conn: sqlite3.Connection) -> EndpointRecord | None:
            if not records.save(conn, arn, **changes):
                return None
            return records.load(conn, arn)

        rec = await self.store.write(write)
        if rec is not None and "status" in changes:
            self.publish(rec, "sagemaker.EndpointStateChanged", EndpointStatus=rec.status)
        return rec

    def publish(self, rec: EndpointRecord, type: str, **detail: Any) -> None:
        self.runtime.bus.publish(
            type,
            service="sagemaker",
            account=rec.account,
            region=rec.region,
            resource=rec.arn,
            EndpointName=rec.name,
            **detail,
        )

    async def deploy(self, rec: EndpointRecord, deployment: dict[str, Any]) -> list[Instance]:
        """Every variant's instances of ``deployment``, healthy (or the failure raised)."""
        instances: list[Instance] = []
        try:
            for variant in deployment["variants"]:
                prepared = await prepare_variant(self.runtime, rec, deployment, variant)
                variant["DeployedImages"] = prepared.deployed_images
                count = int(variant["DesiredInstanceCount"])
                instances += await start_instances(
                    self.runtime, self.http, rec, deployment, variant, prepared, count
                )
                variant["CurrentInstanceCount"] = count
                variant["CurrentWeight"] = variant["DesiredWeight"]
        except BaseException:
            for instance in instances:
                await discard(instance)
            raise
        return instances

    def serve(self, arn: str, deployment: dict[str, Any], instances: list[Instance]) -> None:
        """Route traffic to ``instances`` (replacing whatever served before)."""
        pools = [
            VariantPool(
                v["VariantName"],
                float(v["CurrentWeight"]),
                [i for i in instances if i.variant == v["VariantName"]],
            )
            for v in deployment["variants"]
        ]
        self._fleets[arn] = Fleet(pools)
        self._instances[arn] = instances
        if arn not in self._watchers or self._watchers[arn].done():
            self._watchers[arn] = asyncio.create_task(self._watch(arn), name=f"watch-{arn}")

    async def retire_now(self, instances: list[Instance]) -> None:
        """Remove instances that no longer serve (SIGTERM, then kill), and wait for it."""
        await asyncio.gather(
            *(discard(instance, RETIRE_GRACE_S) for instance in instances),
            return_exceptions=True,
        )

    def retire(self, instances: list[Instance]) -> None:
        """Remove instances that no longer serve, in the background (SIGTERM, then kill)."""
        for instance in instances:
            task = asyncio.create_task(discard(instance, RETIRE_GRACE_S))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

    async def _create(self, arn: str) -> None:
        rec = await self.load(arn)
        if rec is None or rec.pending is None:
            return
        deployment = rec.pending
        try:
            instances = await self.deploy(rec, deployment)
        except DEPLOY_FAILURES as exc:
            await self.record(
                arn,
                status=records.FAILED,
                failure_reason=str(exc),
                deployment=deployment,
                pending=None,
            )
            return
        self.serve(arn, deployment, instances)
        await self.record(
            arn, status=records.IN_SERVICE, failure_reason=None, deployment=deployment, pending=None
        )

    async def _update(self, arn: str) -> None:
        rec = await self.load(arn)
        if rec is None or rec.pending is None:
            return
        new = rec.pending
        try:
            instances = await self.deploy(rec, new)
        except DEPLOY_FAILURES as exc:
            # Rolled back: the old fleet never stopped serving.
            await self.record(arn, status=records.IN_SERVICE, failure_reason=str(exc), pending=None)
            return
        old = self._instances.get(arn, [])
        self.serve(arn, new, instances)
        # As UpdateEndpoint does: traffic moves, the old instances are deleted, and then
        # the endpoint is InService (killed in between, the restart redeploys the update).
        await self.retire_now(old)
        await self.record(
            arn,
            status=records.IN_SERVICE,
            failure_reason=None,
            config_name=new["config_name"],
            deployment=new,
            pending=None,
        )

    async def _change_capacity(self, arn: str) -> None:
        rec = await self.load(arn)
        if rec is None or rec.deployment is None:
            return
        deployment = rec.deployment
        fleet = self._fleets.get(arn)
        current = list(self._instances.get(arn, []))
        failure = None
        retiring: list[Instance] = []
        for variant in deployment["variants"]:
            name = variant["VariantName"]
            mine = [i for i in current if i.variant == name]
            want = int(variant["DesiredInstanceCount"])
            try:
                if want > len(mine):
                    prepared = await prepare_variant(self.runtime, rec, deployment, variant)
                    mine += await start_instances(
                        self.runtime,
                        self.http,
                        rec,
                        deployment,
                        variant,
                        prepared,
                        want - len(mine),
                    )
                elif want < len(mine):
                    retiring += mine[want:]
                    mine = mine[:want]
            except DEPLOY_FAILURES as exc:
                failure = str(exc)
            variant["CurrentInstanceCount"] = len(mine)
            variant["CurrentWeight"] = variant["DesiredWeight"] = float(variant["DesiredWeight"])
            current = [i for i in current if i.variant != name] + mine
        self._instances[arn] = current
        if fleet is not None:
            for variant in deployment["variants"]:
                name = variant["VariantName"]
                fleet.set_members(name, [i for i in current if i.variant == name])
                fleet.set_weight(name, float(variant["CurrentWeight"]))
        await self.retire_now(retiring)  # out of rotation first, then stopped
        await self.record(
            arn, status=records.IN_SERVICE, failure_reason=failure, deployment=deployment
        )

    async def _delete(self, arn: str, running: asyncio.Task[None] | None) -> None:
        if running is not None and not running.done():
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await running
        watcher = self._watchers.pop(arn, None)
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        self._fleets.pop(arn, None)
        for instance in self._instances.pop(arn, []):
            await discard(instance)
        await self.runtime.docker.remove_owned(arn)
        rec = await self.load(arn)
        if rec is None:
            return
        await asyncio.to_thread(shutil.rmtree, endpoint_dir(self.runtime, rec), True)

        def drop(conn: sqlite3.Connection) -> None:
            conn.execute("DELETE FROM sagemaker_endpoints WHERE arn = ?", (arn,))
            remove_resource(conn, arn)

        await self.store.write(drop)
        self.publish(rec, "sagemaker.EndpointDeleted")

    # -- watcher ------------------------------------------------------------------------

    async def _watch(self, arn: str) -> None:
        """Replace instances of which a container is no longer running (the whole
        instance: every container of a multi-container model)."""
        while True:
            await asyncio.sleep(WATCH_INTERVAL_S)
            if self.busy(arn):
                continue
            try:
                for instance in list(self._instances.get(arn, [])):
                    for part in instance.parts:
                        state = await container_state(part.container)
                        if state is None or state.get("Running"):
                            continue
                        await self._replace(arn, instance, state)
                        break
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("watching endpoint %s failed; watching on", arn)

    async def _replace(self, arn: str, dead: Instance, state: dict[str, Any]) -> None:
        rec = await self.load(arn)
        if rec is None or rec.deployment is None:
            return
        log.warning(
            "endpoint %s instance %s exited (%s); replacing it",
            rec.name,
            dead.instance_id,
            state.get("ExitCode"),
        )
        self.instance_failed(arn, dead)
        variant = next(v for v in rec.deployment["variants"] if v["VariantName"] == dead.variant)
        try:
            prepared = await prepare_variant(self.runtime, rec, rec.deployment, variant)
            [fresh] = await start_instances(
                self.runtime, self.http, rec, rec.deployment, variant, prepared, 1
            )
        except DEPLOY_FAILURES as exc:
            log.warning("replacing instance of %s failed: %s", rec.name, exc)
            return
        if not any(i is dead for i in self._instances.get(arn, [])):
            # A deployment replaced the fleet meanwhile: the new instance is not needed.
            await discard(fresh)
            await discard(dead)
            return
        current = [i for i in self._instances.get(arn, []) if i is not dead] + [fresh]
        self._instances[arn] = current
        fleet = self._fleets.get(arn)
        if fleet is not None:
            fleet.set_members(dead.variant, [i for i in current if i.variant == dead.variant])
        await discard(dead)

    # -- restore helpers (see endpoint_restore) -------------------------------------------

    def adopt(self, arn: str, deployment: dict[str, Any], instances: list[Instance]) -> None:
        self.serve(arn, deployment, instances)

    @staticmethod
    def since_now() -> int:
        return int(time.time())
