"""CreateModel, DescribeModel, ListModels, DeleteModel.

A model is its container definitions (PrimaryContainer, or Containers for an inference
pipeline) and the execution role SageMaker assumes for it. What Describe answers is kept
as a JSON document; endpoints read the containers from it when they deploy.
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
from irisops.services.sagemaker.resources import add_resource, remove_resource, resource_arn
from irisops.services.sagemaker.roles import check_execution_role

SCHEMA = """
CREATE TABLE IF NOT EXISTS sagemaker_models (
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    arn TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    doc TEXT NOT NULL,
    PRIMARY KEY (account, region, name)
);
"""

KIND = "model"
DOC_KEYS = (
    "PrimaryContainer",
    "Containers",
    "InferenceExecutionConfig",
    "ExecutionRoleArn",
    "VpcConfig",
    "EnableNetworkIsolation",
)


SERIAL = "Serial"
DIRECT = "Direct"


def model_containers(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The container definitions of a model document, primary first."""
    if doc.get("PrimaryContainer"):
        return [doc["PrimaryContainer"]]
    return list(doc.get("Containers") or [])


def default_hostname(position: int) -> str:
    """The name SageMaker gives the ``position``-th (1-based) container of a pipeline
    whose definitions name none."""
    return f"container-{position}"  # unconfirmed: the docs say only "based on the position"


def model_pipeline(doc: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """The containers a model runs, each with its ``ContainerHostname``, and how they
    are invoked: None for one container (a PrimaryContainer, or one in Containers
    without InferenceExecutionConfig), else ``Serial`` (an inference pipeline, the
    default) or ``Direct``."""
    containers = model_containers(doc)
    mode = (doc.get("InferenceExecutionConfig") or {}).get("Mode")
    if doc.get("PrimaryContainer") or (len(containers) < 2 and mode is None):
        return containers, None
    named = [
        {**c, "ContainerHostname": c.get("ContainerHostname") or default_hostname(i)}
        for i, c in enumerate(containers, start=1)
    ]
    return named, mode or SERIAL


def check_pipeline(params: dict[str, Any]) -> None:
    """What CreateModel refuses in Containers beyond the model's own constraints."""
    containers = params.get("Containers") or []
    if params.get("PrimaryContainer") and containers:
        raise SageMakerValidation(  # unconfirmed text
            "Only one of PrimaryContainer or Containers may be specified."
        )
    hostnames = [c["ContainerHostname"] for c in containers if c.get("ContainerHostname")]
    if hostnames and len(hostnames) != len(containers):
        raise SageMakerValidation(  # unconfirmed text
            "ContainerHostname must be specified for every container of the model "
            "when it is specified for any."
        )
    if len({h.lower() for h in hostnames}) != len(hostnames):
        raise SageMakerValidation(  # unconfirmed text
            "ContainerHostname must be unique across the containers of the model."
        )


def model_row(
    store: Store, ctx: RequestContext, name: str, conn: sqlite3.Connection | None = None
) -> sqlite3.Row | None:
    sql = "SELECT * FROM sagemaker_models WHERE account = ? AND region = ? AND lower(name) = ?"
    args = (ctx.account, ctx.region, name.lower())
    if conn is not None:
        row: sqlite3.Row | None = conn.execute(sql, args).fetchone()
        return row
    return store.read_one(sql, args)


class ModelOperations:
    store: Store
    runtime: Any

    publish: Any

    async def create_model(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ModelName"]
        containers = model_containers(params)
        check_pipeline(params)
        if not containers:
            raise SageMakerValidation(
                "Either PrimaryContainer or Containers must be specified."  # unconfirmed text
            )
        for container in containers:
            if not container.get("Image") and not container.get("ModelPackageName"):
                raise SageMakerValidation("Image must be specified in the container definition.")
            url = container.get("ModelDataUrl")
            if url is not None and not url.startswith(("s3://", "https://")):
                raise SageMakerValidation(
                    f"Could not access model data at {url}. Please ensure that the model data "
                    "is located in Amazon S3."  # unconfirmed text
                )
        if params.get("ExecutionRoleArn"):
            check_execution_role(self.runtime.services, params["ExecutionRoleArn"])
        arn = resource_arn(ctx, KIND, name)
        doc = {key: params[key] for key in DOC_KEYS if key in params}
        now = epoch_ms()

        def create(conn: sqlite3.Connection) -> None:
            if model_row(self.store, ctx, name, conn) is not None:
                raise already_exists(KIND, arn)
            add_resource(conn, ctx, KIND, name, params.get("Tags"))
            conn.execute(
                "INSERT INTO sagemaker_models (account, region, name, arn, created_ms, doc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (ctx.account, ctx.region, name, arn, now, json.dumps(doc)),
            )

        await self.store.write(create)
        self.publish(ctx, "sagemaker.ModelCreated", arn, name=name, ModelName=name)
        return {"ModelArn": arn}

    def _model(self, ctx: RequestContext, name: str) -> sqlite3.Row:
        row = model_row(self.store, ctx, name)
        if row is None:
            raise could_not_find(KIND, resource_arn(ctx, KIND, name))
        return row

    async def describe_model(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return described_row(self._model(ctx, params["ModelName"]), "Model")

    async def list_models(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        return await list_page(
            self.store, "sagemaker_models", ctx, params, "Models", lambda r: row_summary(r, "Model")
        )

    async def delete_model(self, ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
        name = params["ModelName"]
        arn = resource_arn(ctx, KIND, name)

        def delete(conn: sqlite3.Connection) -> str:
            row = model_row(self.store, ctx, name, conn)
            if row is None:
                raise could_not_find(KIND, arn)
            conn.execute(
                "DELETE FROM sagemaker_models WHERE account = ? AND region = ? AND name = ?",
                (ctx.account, ctx.region, row["name"]),
            )
            remove_resource(conn, arn)
            return str(row["name"])

        stored = await self.store.write(delete)
        self.publish(ctx, "sagemaker.ModelDeleted", arn, name=stored, ModelName=stored)
        return {}
