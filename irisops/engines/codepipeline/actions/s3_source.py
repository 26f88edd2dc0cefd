"""Source / S3: the current object at S3Bucket/S3ObjectKey becomes the output artifact.

The revision is the object's version id when the bucket gives one, else its ETag; the
summary is the object's ``codepipeline-artifact-revision-summary`` metadata, as AWS
reads it. ``sourceRevisions`` of type S3_OBJECT_KEY override the key.
"""

from __future__ import annotations

from irisops.core.clock import epoch_ms
from irisops.core.errors import AwsError
from irisops.engines.codepipeline.actions.base import ActionContext, ActionFailed, ActionOutcome
from irisops.engines.codepipeline.artifacts import store_artifact
from irisops.services.s3.local_files import get_file, service_context

SUMMARY_METADATA = "codepipeline-artifact-revision-summary"


class S3Source:
    abandon_on_stop = False

    async def run(self, ctx: ActionContext) -> ActionOutcome:
        s3 = ctx.service("s3", "An S3 source action")
        bucket = ctx.configuration["S3Bucket"]
        key = ctx.source_override or ctx.configuration["S3ObjectKey"]
        account, region = ctx.execution.account, ctx.execution.region
        try:
            head = await s3.head_object(
                service_context(account, region, "HeadObject"), {"Bucket": bucket, "Key": key}
            )
            path = ctx.scratch / "source.zip"
            await get_file(s3, account, region, bucket, key, path)
        except AwsError as exc:
            raise ActionFailed(
                "RevisionUnavailable",
                f"Could not get the object s3://{bucket}/{key}: {exc.code} {exc.message}".strip(),
            ) from exc
        output = ctx.outputs[0]
        await store_artifact(s3, account, region, output.bucket, output.key, path)
        revision_id = head.get("VersionId") or str(head.get("ETag", "")).strip('"')
        summary = (head.get("Metadata") or {}).get(SUMMARY_METADATA)
        revision = {
            "revisionId": revision_id,
            "revisionChangeId": revision_id,
            "created": epoch_ms(),
            "revisionSummary": summary,
        }
        return ActionOutcome(
            summary=summary,
            revision=revision,
            variables={"ObjectKey": key, "ETag": str(head.get("ETag", "")).strip('"')},
        )

    async def resume(self, ctx: ActionContext) -> ActionOutcome:
        return await self.run(ctx)
