"""Source / CodeCommit: a ZIP of the branch at the commit (no ``.git``), CODE_ZIP format.

The commit is the one the triggering push brought (``source_overrides``), else the
branch head when the execution runs. The summary is the commit message (read through
CodeCommit's GetCommit when that is available). Output variables: CommitId,
CommitMessage, RepositoryName, BranchName (CP:action-reference-CodeCommit).
"""

from __future__ import annotations

from typing import Any

from irisops.core.clock import epoch_ms
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.engines.codepipeline.actions.base import ActionContext, ActionFailed, ActionOutcome
from irisops.engines.codepipeline.artifacts import store_artifact


class CodeCommitSource:
    abandon_on_stop = False

    async def run(self, ctx: ActionContext) -> ActionOutcome:
        codecommit = ctx.service("codecommit", "A CodeCommit source action")
        s3 = ctx.service("s3", "Storing the source artifact")
        config = ctx.configuration
        if config.get("OutputArtifactFormat", "CODE_ZIP") != "CODE_ZIP":
            raise ActionFailed(
                "ConfigurationError",
                f"OutputArtifactFormat {config['OutputArtifactFormat']} is not supported by "
                "irisops; use CODE_ZIP",
            )
        repository, branch = config["RepositoryName"], config["BranchName"]
        account, region = ctx.execution.account, ctx.execution.region
        path = ctx.scratch / "source.zip"
        try:
            commit_id = await codecommit.export_zip(
                account, region, repository, ctx.source_override or branch, path
            )
        except AwsError as exc:
            raise ActionFailed(
                "RevisionUnavailable",
                f"Could not get {branch} of the repository {repository}: {exc.code}: {exc.message}",
            ) from exc
        message = await _commit_message(codecommit, account, region, repository, commit_id)
        output = ctx.outputs[0]
        await store_artifact(s3, account, region, output.bucket, output.key, path)
        revision = {
            "revisionId": commit_id,
            "revisionChangeId": commit_id,
            "created": epoch_ms(),
            "revisionSummary": message,
        }
        return ActionOutcome(
            summary=message,
            revision=revision,
            commit=commit_id,
            variables={
                "CommitId": commit_id,
                "CommitMessage": message or "",
                "RepositoryName": repository,
                "BranchName": branch,
            },
        )

    async def resume(self, ctx: ActionContext) -> ActionOutcome:
        return await self.run(ctx)


async def _commit_message(
    codecommit: Any, account: str, region: str, repository: str, commit_id: str
) -> str | None:
    get_commit = getattr(codecommit, "get_commit", None)
    if get_commit is None:
        return None
    ctx = RequestContext(
        service="codecommit", operation="GetCommit", account=account, region=region
    )
    try:
        out = await get_commit(ctx, {"repositoryName": repository, "commitId": commit_id})
    except AwsError:
        return None
    message = (out.get("commit") or {}).get("message")
    return message.strip()[:2048] if message else None
