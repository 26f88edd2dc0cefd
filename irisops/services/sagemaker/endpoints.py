"""CreateEndpoint, DescribeEndpoint, ListEndpoints, UpdateEndpoint,
UpdateEndpointWeightsAndCapacities, DeleteEndpoint.

Handlers record the change and hand the work to the
:class:`~irisops.engines.sagemaker.endpoints.EndpointSupervisor`; what a deployment runs
is resolved from the endpoint config and its models when the call is made.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from irisops.core.arns import hex_id
from irisops.core.clock import epoch_ms, from_epoch_ms
from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.sagemaker import endpoint_records as records
from irisops.services.sagemaker.endpoint_configs import config_row, missing_config
from irisops.services.sagemaker.endpoint_records import EndpointRecord
from irisops.services.sagemaker.errors import SageMakerValidation, already_exists, could_not_find
from irisops.services.sagemaker.listing import list_page, row_summary
from irisops.services.sagemaker.models import model_pipeline, model_row
from irisops.services.sagemaker.resources import add_resource, resource_arn

KIND = "endpoint"


def endpoint_row(
    conn: sqlite3.Connection | None, store: Store, ctx: RequestContext, name: str
) -> EndpointRecord | None:
    sql = "SELECT * FROM sagemaker_endpoints WHERE account = ? AND region = ? AND lower(name) = ?"
    args = (ctx.account, ctx.region, name.lower())
    row = conn.execute(sql, args).fetchone() if conn is not None else store.read_one(sql, args)
    return EndpointRecord.from_row(row) if row is not None else None


def missing_endpoint(ctx: RequestContext, name: str) -> SageMakerValidation:
    return could_not_find(KIND, resource_arn(ctx, KIND, name))


def build_deployment(
    conn: sqlite3.Connection, store: Store, ctx: RequestContext, config_name: str
) -> dict[str, Any]:
    """What ``config_name`` deploys: each variant with its model's primary container
    (``Image``, ``Environment``, ``ModelDataUrl``) and, for a multi-container model,
    ``Mode`` and every container in ``Containers``."""
    cfg = config_row(store, ctx, config_name, conn)
    if cfg is None:
        raise missing_config(ctx, config_name)
    variants = []
    for pv in json.loads(cfg["doc"])["ProductionVariants"]:
        model = model_row(store, ctx, pv["ModelName"], conn)
        if model is None:
            raise could_not_find("model", resource_arn(ctx, "model", pv["ModelName"]))
        containers, mode = model_pipeline(json.loads(model["doc"]))
        container = containers[0]
        weight = float(pv.get("InitialVariantWeight", 1.0))
        pipeline: dict[str, Any] = {}
        if mode is not None:
            pipeline = {"Mode": mode, "Containers": [pipeline_part(c) for c in containers]}
        variants.append(
            {
                **pipeline,
                "VariantName": pv["VariantName"],
                "ModelName": model["name"],
                "InstanceType": pv.get("InstanceType"),
                "Image": container["Image"],
                "Environment": container.get("Environment") or {},
                "ModelDataUrl": container.get("ModelDataUrl"),
                "HealthTimeout": pv.get("ContainerStartupHealthCheckTimeoutInSeconds"),
                "DesiredInstanceCount": int(pv.get("InitialInstanceCount") or 1),
                "DesiredWeight": weight,
                "CurrentInstanceCount": 0,
                "CurrentWeight": weight,
            }
        )
    return {"id": hex_id(8), "config_name": cfg["name"], "variants": variants}


def pipeline_part(container: dict[str, Any]) -> dict[str, Any]:
    """What a deployment keeps of one container of a multi-container model."""
    return {
        "ContainerHostname": container["ContainerHostname"],
        "Image": container["Image"],
        "Environment": container.get("Environment") or {},
        "ModelDataUrl": container.get("ModelDataUrl"),
    }


def variant_summary(variant: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "VariantName": variant["VariantName"],
        "CurrentWeight": float(variant.get("CurrentWeight", 0.0)),
        "DesiredWeight": float(variant["DesiredWeight"]),
        "CurrentInstanceCount": int(variant.get("CurrentInstanceCount", 0)),
        "DesiredInstanceCount": int(variant["DesiredInstanceCount"]),
    }
    if variant.get("DeployedImages"):
        out["DeployedImages"] = [
            {**image, "ResolutionTime": datetime.fromisoformat(image["ResolutionTime"])}
            for image in variant["DeployedImages"]
        ]
    return out


class EndpointOperations:
    store: Store
    publish: Any
    endpoints: Any  # EndpointSupervisor

    def _published(self, ctx: RequestContext, rec: EndpointRecord) -> None:
        self.publish(
            ctx,
            "sagemaker.EndpointStateChanged",
            rec.arn,
            EndpointName=rec.name,
            EndpointStatus=rec.status,
        )

    async def create_endpoint(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["EndpointName"]
        arn = resource_arn(ctx, KIND, name)

        def create(conn: sqlite3.Connection) -> EndpointRecord:
            if endpoint_row(conn, self.store, ctx, name) is not None:
                raise already_exists(KIND, arn)
            deployment = build_deployment(conn, self.store, ctx, params["EndpointConfigName"])
            add_resource(conn, ctx, KIND, name, params.get("Tags"))
            now = epoch_ms()
            conn.execute(
                "INSERT INTO sagemaker_endpoints (account, region, name, arn, config_name, "
                "status, created_ms, modified_ms, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    ctx.account,
                    ctx.region,
                    name,
                    arn,
                    deployment["config_name"],
                    records.CREATING,
                    now,
                    now,
                    json.dumps(deployment),
                ),
            )
            rec = records.load(conn, arn)
            assert rec is not None
            return rec

        rec = await self.store.write(create)
        self._published(ctx, rec)
        self.endpoints.create(rec)
        return {"EndpointArn": arn}

    def _endpoint(self, ctx: RequestContext, name: str) -> EndpointRecord:
        rec = endpoint_row(None, self.store, ctx, name)
        if rec is None:
            raise missing_endpoint(ctx, name)
        return rec

    async def describe_endpoint(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        rec = self._endpoint(ctx, params["EndpointName"])
        out: dict[str, Any] = {
            "EndpointName": rec.name,
            "EndpointArn": rec.arn,
            "EndpointConfigName": rec.config_name,
            "EndpointStatus": rec.status,
            "CreationTime": from_epoch_ms(rec.created_ms),
            "LastModifiedTime": from_epoch_ms(rec.modified_ms),
        }
        if rec.deployment is not None:
            out["ProductionVariants"] = [variant_summary(v) for v in rec.deployment["variants"]]
        if rec.failure_reason:
            out["FailureReason"] = rec.failure_reason
        if rec.status == records.UPDATING and rec.pending is not None:
            out["PendingDeploymentSummary"] = {
                "EndpointConfigName": rec.pending["config_name"],
                "ProductionVariants": [
                    {
                        "VariantName": v["VariantName"],
                        "DesiredWeight": float(v["DesiredWeight"]),
                        "DesiredInstanceCount": int(v["DesiredInstanceCount"]),
                    }
                    for v in rec.pending["variants"]
                ],
                "StartTime": from_epoch_ms(rec.modified_ms),
            }
        return out

    async def list_endpoints(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await list_page(
            self.store,
            "sagemaker_endpoints",
            ctx,
            params,
            "Endpoints",
            lambda row: {
                **row_summary(row, "Endpoint"),
                "LastModifiedTime": from_epoch_ms(row["modified_ms"]),
                "EndpointStatus": row["status"],
            },
        )

    def _check_updatable(self, rec: EndpointRecord) -> None:
        if rec.status in (records.CREATING, records.UPDATING, records.DELETING):
            raise SageMakerValidation(f'Cannot update in-progress endpoint "{rec.arn}".')
        if rec.status != records.IN_SERVICE:
            # unconfirmed text: SageMaker only allows DeleteEndpoint on a Failed endpoint.
            raise SageMakerValidation(
                f'Cannot update endpoint "{rec.arn}" because it is in {rec.status} status.'
            )

    async def update_endpoint(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["EndpointName"]

        def update(conn: sqlite3.Connection) -> EndpointRecord:
            rec = endpoint_row(conn, self.store, ctx, name)
            if rec is None:
                raise missing_endpoint(ctx, name)
            self._check_updatable(rec)
            deployment = build_deployment(conn, self.store, ctx, params["EndpointConfigName"])
            records.save(conn, rec.arn, status=records.UPDATING, pending=deployment)
            updated = records.load(conn, rec.arn)
            assert updated is not None
            return updated

        rec = await self.store.write(update)
        self._published(ctx, rec)
        self.endpoints.update(rec)
        return {"EndpointArn": rec.arn}

    async def update_endpoint_weights_and_capacities(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["EndpointName"]
        desired = {d["VariantName"]: d for d in params["DesiredWeightsAndCapacities"]}

        def update(conn: sqlite3.Connection) -> EndpointRecord:
            rec = endpoint_row(conn, self.store, ctx, name)
            if rec is None:
                raise missing_endpoint(ctx, name)
            self._check_updatable(rec)
            assert rec.deployment is not None
            known = {v["VariantName"] for v in rec.deployment["variants"]}
            unknown = sorted(set(desired) - known)
            if unknown:
                raise SageMakerValidation(  # unconfirmed text
                    f'The variant(s) "[{", ".join(unknown)}]" is/are not present in the '
                    f'endpoint "{rec.arn}".'
                )
            for variant in rec.deployment["variants"]:
                change = desired.get(variant["VariantName"])
                if change is None:
                    continue
                if "DesiredWeight" in change:
                    variant["DesiredWeight"] = float(change["DesiredWeight"])
                if "DesiredInstanceCount" in change:
                    variant["DesiredInstanceCount"] = int(change["DesiredInstanceCount"])
            records.save(conn, rec.arn, status=records.UPDATING, deployment=rec.deployment)
            updated = records.load(conn, rec.arn)
            assert updated is not None
            return updated

        rec = await self.store.write(update)
        self._published(ctx, rec)
        self.endpoints.change_capacity(rec)
        return {"EndpointArn": rec.arn}

    async def delete_endpoint(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["EndpointName"]

        def delete(conn: sqlite3.Connection) -> EndpointRecord:
            rec = endpoint_row(conn, self.store, ctx, name)
            if rec is None:
                raise missing_endpoint(ctx, name)
            records.save(conn, rec.arn, status=records.DELETING)
            updated = records.load(conn, rec.arn)
            assert updated is not None
            return updated

        rec = await self.store.write(delete)
        self._published(ctx, rec)
        self.endpoints.delete(rec)
        return {}
