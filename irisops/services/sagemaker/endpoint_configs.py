"""CreateEndpointConfig, DescribeEndpointConfig, ListEndpointConfigs, DeleteEndpointConfig.

Every production variant must name a model that exists when the config is created.
Deleting a config an endpoint uses is not blocked (the endpoint keeps serving what it
deployed), as on SageMaker.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.core.store import Store
from irisops.services.sagemaker.errors import SageMakerValidation, already_exists, could_not_find
from irisops.services.sagemaker.listing import described_row, list_page, row_summary
from irisops.services.sagemaker.models import model_row
from irisops.services.sagemaker.resources import add_resource, remove_resource, resource_arn

SCHEMA = """
CREATE TABLE IF NOT EXISTS sagemaker_endpoint_configs (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
);
"""

KIND = "endpoint configuration"
ARN_TYPE = "endpoint-config"
DOC_KEYS = (
    "ProductionVariants",
    "DataCaptureConfig",
    "KmsKeyId",
    "AsyncInferenceConfig",
    "ExplainerConfig",
    "ShadowProductionVariants",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
)


def config_row(
    store: Store, ctx: RequestContext, name: str, conn: sqlite3.Connection | None = None
) -> sqlite3.Row | None:
    sql = (
        "SELECT * FROM sagemaker_endpoint_configs "
        "WHERE account = ? AND region = ? AND lower(name) = ?"
    )
    args = (ctx.account, ctx.region, name.lower())
    if conn is not None:
        row: sqlite3.Row | None = conn.execute(sql, args).fetchone()
        return row
    return store.read_one(sql, args)


def missing_config(ctx: RequestContext, name: str) -> SageMakerValidation:
    return could_not_find(KIND, resource_arn(ctx, ARN_TYPE, name))


def normalised_variants(variants: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Variants as Describe shows them: weight defaults to 1.0; names are unique."""
    seen: set[str] = set()
    out = []
    for variant in variants:
        name = variant["VariantName"]
        if name in seen:
            raise SageMakerValidation(
                f"Value '{name}' for VariantName is duplicated."  # unconfirmed text
            )
        seen.add(name)
        if "ServerlessConfig" not in variant and not variant.get("InitialInstanceCount"):
            raise SageMakerValidation(
                f"InitialInstanceCount is required for variant {name}."  # unconfirmed text
            )
        out.append(
            {**variant, "InitialVariantWeight": float(variant.get("InitialVariantWeight", 1.0))}
        )
    return out


class EndpointConfigOperations:
    store: Store
    publish: Any

    async def create_endpoint_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["EndpointConfigName"]
        arn = resource_arn(ctx, ARN_TYPE, name)
        doc = {key: params[key] for key in DOC_KEYS if key in params}
        doc["ProductionVariants"] = normalised_variants(params["ProductionVariants"])
        now = epoch_ms()

        def create(conn: sqlite3.Connection) -> None:
            if config_row(self.store, ctx, name, conn) is not None:
                raise already_exists(KIND, arn)
            for variant in doc["ProductionVariants"]:
                model = variant.get("ModelName")
                if model and model_row(self.store, ctx, model, conn) is None:
                    raise could_not_find("model", resource_arn(ctx, "model", model))
            add_resource(conn, ctx, ARN_TYPE, name, params.get("Tags"))
            conn.execute(
                "INSERT INTO sagemaker_endpoint_configs "
                "(account, region, name, arn, created_ms, doc) VALUES (?, ?, ?, ?, ?, ?)",
                (ctx.account, ctx.region, name, arn, now, json.dumps(doc)),
            )

        await self.store.write(create)
        self.publish(
            ctx, "sagemaker.EndpointConfigCreated", arn, name=name, EndpointConfigName=name
        )
        return {"EndpointConfigArn": arn}

    async def describe_endpoint_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["EndpointConfigName"]
        row = config_row(self.store, ctx, name)
        if row is None:
            raise missing_config(ctx, name)
        return described_row(row, "EndpointConfig")

    async def list_endpoint_configs(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        return await list_page(
            self.store,
            "sagemaker_endpoint_configs",
            ctx,
            params,
            "EndpointConfigs",
            lambda row: row_summary(row, "EndpointConfig"),
        )

    async def delete_endpoint_config(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        name = params["EndpointConfigName"]
        arn = resource_arn(ctx, ARN_TYPE, name)

        def delete(conn: sqlite3.Connection) -> str:
            row = config_row(self.store, ctx, name, conn)
            if row is None:
                raise missing_config(ctx, name)
            conn.execute(
                "DELETE FROM sagemaker_endpoint_configs "
                "WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, row["name"]),
            )
            remove_resource(conn, arn)
            return str(row["name"])

        stored = await self.store.write(delete)
        self.publish(
            ctx, "sagemaker.EndpointConfigDeleted", arn, name=stored, EndpointConfigName=stored
        )
        return {}
