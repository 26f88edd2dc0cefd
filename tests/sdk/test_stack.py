"""irisops.Stack without containers: a server of its own, boto3 from async tests, the
event stream, attach, waiters that read the state and follow events, a failed build's
log in the error."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from pathlib import Path

import pytest

import irisops
from irisops.sdk import EventFilter, IrisopsError, ResourceFailed, Stack, WaitTimeout
from irisops.sdk.sagemaker import TRUST


async def test_sync_boto3_inside_an_async_test_and_stop_cleans_up() -> None:
    async with irisops.Stack() as stack:
        # A synchronous boto3 call straight from the test's event loop: the server runs
        # in its own process, so this cannot deadlock it.
        stack.client("s3").create_bucket(Bucket="sync-bucket")
        names = [b["Name"] for b in stack.client("s3").list_buckets()["Buckets"]]
        assert names == ["sync-bucket"]
        assert (await stack.call("sts", "get_caller_identity"))["Account"] == "123456789012"
        data_dir = Path(stack.health()["data_dir"])
        assert await asyncio.to_thread(data_dir.is_dir)
        url = stack.endpoint_url
        assert url.startswith("http://127.0.0.1:") and stack.registry == f"localhost:{stack.port}"
    assert not await asyncio.to_thread(data_dir.exists)
    with pytest.raises(urllib.error.URLError):
        await asyncio.to_thread(urllib.request.urlopen, f"{url}/_irisops/health", timeout=5)


def test_stack_as_a_plain_context_manager() -> None:
    with Stack() as stack:
        assert stack.health()["status"] == "ok"
        assert stack.owns_server
    assert not stack.owns_server


async def test_events_yield_what_the_filter_asks_for() -> None:
    async with Stack() as stack:
        s3 = stack.client("s3")
        async with stack.events(service="s3", resource="wanted-bucket") as stream:
            await asyncio.to_thread(s3.create_bucket, Bucket="other-bucket")
            await asyncio.to_thread(s3.create_bucket, Bucket="wanted-bucket")
            event = await stream.next(timeout=30)
        assert event.type == "s3.BucketCreated"
        assert event.resource == "arn:aws:s3:::wanted-bucket"
        assert event.detail["bucket"] == "wanted-bucket" and event.seq > 0

        by_type = EventFilter(type="iam.Role", where=lambda e: e.detail["roleName"] == "r2")
        async with stack.events(by_type) as stream:
            iam = stack.client("iam")
            for name in ("r1", "r2"):
                await asyncio.to_thread(
                    iam.create_role, RoleName=name, AssumeRolePolicyDocument=TRUST
                )
            event = await stream.next(timeout=30)
        assert (event.type, event.detail["roleName"]) == ("iam.RoleCreated", "r2")


async def test_attach_uses_a_running_server_and_leaves_it_running() -> None:
    async with Stack() as owner:
        owner.client("s3").create_bucket(Bucket="shared-bucket")
        async with Stack.attach(owner.endpoint_url) as attached:
            assert not attached.owns_server
            buckets = attached.client("s3").list_buckets()["Buckets"]
            assert [b["Name"] for b in buckets] == ["shared-bucket"]
        assert owner.health()["status"] == "ok"


async def test_wait_for_needs_a_kind_for_what_does_not_exist() -> None:
    async with Stack() as stack:
        with pytest.raises(IrisopsError, match="no endpoint, training, processing"):
            await stack.wait_for("nothing-here", "InService", timeout=5)
        with pytest.raises(WaitTimeout) as waited:
            await stack.wait_for("not-yet", "InService", timeout=1, kind="endpoint")
        assert waited.value.status == "missing" and "after 1s" in str(waited.value)


FAILING_BUILDSPEC = """version: 0.2
phases:
  build:
    commands:
      - echo "compiling the iris image"
      - echo "broken on purpose" >&2 && exit 3
"""


async def test_failed_pipeline_names_the_action_and_shows_the_build_log(tmp_path: Path) -> None:
    source = tmp_path / "broken"
    source.mkdir()
    (source / "buildspec.yml").write_text(FAILING_BUILDSPEC)
    async with Stack() as stack:
        made = await stack.create_image_pipeline("broken", base_image="unused:latest")
        assert made.clone_url.endswith("/v1/repos/broken") and made.project == "broken-image"
        commit = await stack.push_directory(source, "broken")
        seen: list[str] = []
        with pytest.raises(ResourceFailed) as failed:
            await stack.wait_pipeline("broken", commit=commit, timeout=120, on_progress=seen.append)
    error = failed.value
    assert error.status == "Failed"
    assert "stage Build, action Image" in error.reason
    assert any("broken on purpose" in line for line in error.log_tail), error.log_tail
    assert "broken on purpose" in str(error)
    assert any(line.startswith("build ") for line in seen), seen


async def test_wait_for_a_codebuild_build_by_its_id() -> None:
    spec = "version: 0.2\nphases:\n  build:\n    commands:\n      - echo {text}\n{fail}"
    async with Stack() as stack:
        codebuild = stack.client("codebuild")
        for name, fail in (("ok-build", ""), ("bad-build", "      - exit 4\n")):
            codebuild.create_project(
                name=name,
                source={"type": "NO_SOURCE", "buildspec": spec.format(text=name, fail=fail)},
                artifacts={"type": "NO_ARTIFACTS"},
                environment={
                    "type": "LINUX_CONTAINER",
                    "image": "aws/codebuild/standard:7.0",
                    "computeType": "BUILD_GENERAL1_SMALL",
                },
                serviceRole="arn:aws:iam::123456789012:role/cb",
            )
        good = codebuild.start_build(projectName="ok-build")["build"]["id"]
        done = await stack.wait_for(good, "SUCCEEDED", timeout=120)
        assert done["id"] == good and done["buildStatus"] == "SUCCEEDED"
        bad = codebuild.start_build(projectName="bad-build")["build"]["id"]
        with pytest.raises(ResourceFailed) as failed:
            await stack.wait_for(bad, "SUCCEEDED", timeout=120)
    assert (failed.value.what, failed.value.status) == (f"build {bad}", "FAILED")
    assert any("exit 4" in line for line in failed.value.log_tail), failed.value.log_tail
