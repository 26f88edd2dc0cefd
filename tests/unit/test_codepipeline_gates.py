"""Stage gates: one execution per stage, superseding and queueing at transitions."""

from __future__ import annotations

import asyncio

from irisops.engines.codepipeline.artifacts import artifact_key
from irisops.engines.codepipeline.gates import StageGates


async def test_a_free_stage_is_entered_at_once() -> None:
    gates = StageGates()
    assert await gates.enter(1, "Build", "a", 1, "SUPERSEDED")
    assert gates.holder(1, "Build") == "a"
    gates.release(1, "Build", "a")
    assert gates.holder(1, "Build") is None


async def test_a_newer_waiter_supersedes_an_older_one() -> None:
    gates = StageGates()
    await gates.enter(1, "Build", "a", 1, "SUPERSEDED")
    older = asyncio.create_task(gates.enter(1, "Build", "b", 2, "SUPERSEDED"))
    await asyncio.sleep(0)
    newer = asyncio.create_task(gates.enter(1, "Build", "c", 3, "SUPERSEDED"))
    assert await older is False
    assert not newer.done()
    gates.release(1, "Build", "a")
    assert await newer is True
    assert gates.holder(1, "Build") == "c"


async def test_an_older_arrival_never_overtakes_a_newer_waiter() -> None:
    gates = StageGates()
    await gates.enter(1, "Build", "a", 1, "SUPERSEDED")
    newer = asyncio.create_task(gates.enter(1, "Build", "c", 3, "SUPERSEDED"))
    await asyncio.sleep(0)
    assert await gates.enter(1, "Build", "b", 2, "SUPERSEDED") is False
    gates.release(1, "Build", "a")
    assert await newer is True


async def test_queued_mode_lets_waiters_in_by_order() -> None:
    gates = StageGates()
    await gates.enter(1, "Build", "a", 1, "QUEUED")
    second = asyncio.create_task(gates.enter(1, "Build", "b", 2, "QUEUED"))
    third = asyncio.create_task(gates.enter(1, "Build", "c", 3, "QUEUED"))
    await asyncio.sleep(0)
    gates.release(1, "Build", "a")
    assert await second is True and not third.done()
    gates.release(1, "Build", "b")
    assert await third is True


async def test_parallel_mode_never_locks_and_pipelines_are_separate() -> None:
    gates = StageGates()
    assert await gates.enter(1, "Build", "a", 1, "PARALLEL")
    assert await gates.enter(1, "Build", "b", 2, "PARALLEL")
    assert await gates.enter(1, "Deploy", "a", 1, "SUPERSEDED")
    assert await gates.enter(2, "Deploy", "x", 4, "SUPERSEDED")


async def test_release_all_frees_every_stage_of_an_execution() -> None:
    gates = StageGates()
    await gates.enter(1, "Source", "a", 1, "SUPERSEDED")
    waiting = asyncio.create_task(gates.enter(1, "Source", "b", 2, "SUPERSEDED"))
    await asyncio.sleep(0)
    gates.release_all(1, "a")
    assert await waiting is True


def test_artifact_keys_follow_the_aws_layout() -> None:
    key = artifact_key("a-rather-long-pipeline-name-indeed", "SourceArtifact")
    pipeline, artifact, random = key.split("/")
    assert pipeline == "a-rather-long-pipeli"
    assert artifact == "SourceArti"
    assert len(random) == 7 and random.isalnum()
    assert artifact_key("p", "Out") != artifact_key("p", "Out")
    assert artifact_key("p", "Out").startswith("p/Out/")
