"""Lifecycle policies: stored and returned as given (JSON checked), never applied."""

from __future__ import annotations

import json
from typing import Any

from irisops.core.context import RequestContext
from irisops.services.base import Service
from irisops.services.ecr.errors import InvalidParameter, lifecycle_policy_not_found
from irisops.services.ecr.lookups import repository_for


class LifecycleOperations(Service):
    async def put_lifecycle_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = repository_for(self.store, ctx, params)
        text = params["lifecyclePolicyText"]
        try:
            policy = json.loads(text)
        except ValueError as exc:
            raise InvalidParameter(
                "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: "
                "'Lifecycle policy validation failure: Could not map policyString into "
                "LifecyclePolicy.'"
            ) from exc
        if not isinstance(policy, dict) or not isinstance(policy.get("rules"), list):
            raise InvalidParameter(
                "Invalid parameter at 'LifecyclePolicyText' failed to satisfy constraint: "
                "'Lifecycle policy validation failure: object has missing required "
                'properties (["rules"])\''
            )
        await self.store.execute(
            "UPDATE ecr_repositories SET lifecycle_policy = ? WHERE id = ?", (text, row["id"])
        )
        return {
            "registryId": row["account"],
            "repositoryName": row["name"],
            "lifecyclePolicyText": text,
        }

    async def get_lifecycle_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = repository_for(self.store, ctx, params)
        if row["lifecycle_policy"] is None:
            raise lifecycle_policy_not_found(row["name"], row["account"])
        return {
            "registryId": row["account"],
            "repositoryName": row["name"],
            "lifecyclePolicyText": row["lifecycle_policy"],
        }

    async def delete_lifecycle_policy(
        self, ctx: RequestContext, params: dict[str, Any]
    ) -> dict[str, Any]:
        row = repository_for(self.store, ctx, params)
        if row["lifecycle_policy"] is None:
            raise lifecycle_policy_not_found(row["name"], row["account"])
        changed = await self.store.execute(
            "UPDATE ecr_repositories SET lifecycle_policy = NULL "
            "WHERE id = ? AND lifecycle_policy IS NOT NULL",
            (row["id"],),
        )
        if not changed:
            raise lifecycle_policy_not_found(row["name"], row["account"])
        return {
            "registryId": row["account"],
            "repositoryName": row["name"],
            "lifecyclePolicyText": row["lifecycle_policy"],
        }
