"""Build (and Test) / CodeBuild: run the project on the input artifact, wait for it.

The build is CodeBuild's own long work (its supervisor persists and reconciles it); this
action starts it through ``CodeBuildService.start_pipeline_build``, records the build id
as ``externalExecutionId`` and follows ``codebuild.BuildStateChanged`` until the build
ends. The primary input's commit (a CodeCommit source) becomes the build's
CODEBUILD_RESOLVED_SOURCE_VERSION, as on AWS. After a restart the action follows the
same build again. A build that does not succeed fails the action with its status.
"""

from __future__ import annotations

import json
from typing import Any

from irisops.core.errors import AwsError
from irisops.engines.codepipeline.actions.base import ActionContext, ActionFailed, ActionOutcome

CONSOLE_URL = (
    "https://console.aws.amazon.com/codesuite/codebuild/projects/{project}/build/"
    "{build}/log?region={region}"
)


class CodeBuildAction:
    abandon_on_stop = False

    async def run(self, ctx: ActionContext) -> ActionOutcome:
        codebuild = ctx.service("codebuild", "A CodeBuild action")
        config = ctx.configuration
        if len(ctx.outputs) > 1:
            raise ActionFailed(
                "ConfigurationError",
                "irisops produces one output artifact per CodeBuild action; "
                f"action '{ctx.name}' declares {len(ctx.outputs)}",
            )
        inputs = list(ctx.inputs)
        primary = config.get("PrimarySource")
        if primary:
            inputs.sort(key=lambda artifact: artifact.name != primary)
        output = ctx.outputs[0] if ctx.outputs else None
        try:
            build_id = await codebuild.start_pipeline_build(
                ctx.execution.account,
                ctx.execution.region,
                config["ProjectName"],
                pipeline_name=ctx.execution.pipeline_name,
                input_artifacts=[(a.bucket, a.key) for a in inputs],
                output_artifact=(output.bucket, output.key) if output else None,
                environment_variables=_environment_variables(config),
                resolved_source_version=inputs[0].commit if inputs else None,
            )
        except AwsError as exc:
            raise ActionFailed("ConfigurationError", f"{exc.code}: {exc.message}") from exc
        url = CONSOLE_URL.format(
            project=config["ProjectName"], build=build_id, region=ctx.execution.region
        )
        await ctx.journal.update_action(
            ctx.action_id, external_execution_id=build_id, external_execution_url=url
        )
        return await self._follow(ctx, codebuild, build_id)

    async def resume(self, ctx: ActionContext) -> ActionOutcome:
        assert ctx.row is not None
        codebuild = ctx.service("codebuild", "A CodeBuild action")
        build_id = ctx.row["external_execution_id"]
        if not build_id:
            raise ActionFailed(
                "SystemUnavailable", "irisops restarted before the CodeBuild build was started"
            )
        return await self._follow(ctx, codebuild, build_id)

    async def _follow(self, ctx: ActionContext, codebuild: Any, build_id: str) -> ActionOutcome:
        build = await ctx.supervisor.builds.wait_done(
            build_id, lambda: codebuild.get_build(build_id)
        )
        status = build.get("buildStatus")
        if status != "SUCCEEDED":
            raise ActionFailed(
                "JobFailed",
                f"Build terminated with state: {status}",
                external_execution_id=build_id,
            )
        variables = {
            item["name"]: item.get("value", "")
            for item in build.get("exportedEnvironmentVariables") or []
        }
        return ActionOutcome(external_execution_id=build_id, variables=variables)


def _environment_variables(config: dict[str, str]) -> list[dict[str, Any]] | None:
    raw = config.get("EnvironmentVariables")
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ActionFailed(
            "ConfigurationError", f"EnvironmentVariables is not valid JSON: {exc}"
        ) from exc
    if not isinstance(value, list) or not all(
        isinstance(v, dict) and "name" in v and "value" in v for v in value
    ):
        raise ActionFailed(
            "ConfigurationError",
            "EnvironmentVariables must be a JSON list of {name, value, type} objects",
        )
    return [
        {"name": str(v["name"]), "value": str(v["value"]), "type": v.get("type", "PLAINTEXT")}
        for v in value
    ]
