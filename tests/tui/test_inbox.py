"""How events are coalesced between the feed's thread and the UI's ticks."""

from __future__ import annotations

import threading

from irisops.tui.inbox import ALL_TOPICS, EventInbox, topics_for


def event(seq: int, type: str, **detail: object) -> dict[str, object]:
    return {"seq": seq, "type": type, "service": type.split(".")[0], "detail": detail}


def test_event_types_map_to_the_panes_that_show_them() -> None:
    assert topics_for("codepipeline.StageExecutionStateChanged") == {"cicd", "approvals"}
    assert topics_for("codebuild.BuildStateChanged") == {"cicd"}
    assert topics_for("ecr.ImagePushed") == {"registry"}
    assert topics_for("sagemaker.TrainingJobStateChanged") == {"jobs"}
    assert topics_for("sagemaker.TransformJobStateChanged") == {"jobs"}
    assert topics_for("sagemaker.EndpointStateChanged") == {"endpoints", "predict"}
    assert topics_for("sagemaker-runtime.EndpointInvocations") == {"endpoints"}
    assert topics_for("irisops.Reset") == ALL_TOPICS
    assert topics_for("s3.ObjectCreated") == frozenset()
    assert topics_for("iam.RoleCreated") == frozenset()


def test_a_burst_becomes_one_batch_per_take() -> None:
    inbox = EventInbox()
    assert inbox.take() is None
    for seq in range(1, 1001):
        inbox.put(event(seq, "logs.EventsAppended", group="/aws/codebuild/p", stream=f"s{seq % 3}"))
    inbox.put(event(1001, "ecr.ImagePushed", repositoryName="r"))
    batch = inbox.take()
    assert batch is not None
    assert batch.events == 1001 and batch.last_seq == 1001
    assert batch.topics == {"registry"}
    assert batch.log_streams == {("/aws/codebuild/p", f"s{n}") for n in range(3)}
    assert batch.wants("registry") and not batch.wants("jobs")
    assert inbox.take() is None
    assert inbox.total == 1001


def test_invocation_intervals_are_kept_in_order_and_bounded() -> None:
    inbox = EventInbox(max_invocations=5)
    for n in range(8):
        inbox.put(event(n + 1, "sagemaker-runtime.EndpointInvocations", EndpointName="e", P99Ms=n))
    batch = inbox.take()
    assert batch is not None
    assert [d["P99Ms"] for d in batch.invocations] == [3, 4, 5, 6, 7]


def test_resync_asks_every_pane_to_re_read() -> None:
    inbox = EventInbox()
    inbox.resync()
    batch = inbox.take()
    assert batch is not None and batch.events == 0
    assert all(batch.wants(topic) for topic in ALL_TOPICS)


def test_puts_from_another_thread_are_all_counted() -> None:
    inbox = EventInbox()
    seen = 0

    def produce() -> None:
        for seq in range(20_000):
            inbox.put(event(seq, "codebuild.BuildStateChanged"))

    producer = threading.Thread(target=produce)
    producer.start()
    while producer.is_alive():
        batch = inbox.take()
        seen += batch.events if batch else 0
    producer.join()
    batch = inbox.take()
    seen += batch.events if batch else 0
    assert seen == 20_000
