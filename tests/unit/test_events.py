from __future__ import annotations

import asyncio

from irisops.core.events import EventBus


async def test_subscribers_get_events_in_order() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    for i in range(3):
        bus.publish("s3.ObjectCreated", service="s3", resource=f"k{i}", size=i)
    events = [await sub.get() for _ in range(3)]
    assert [e.resource for e in events] == ["k0", "k1", "k2"]
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    assert events[2].detail == {"size": 2}
    assert events[0].to_json()["type"] == "s3.ObjectCreated"


async def test_predicate_filters() -> None:
    bus = EventBus()
    sub = bus.subscribe(predicate=lambda e: e.service == "iam")
    bus.publish("s3.BucketCreated", service="s3")
    bus.publish("iam.RoleCreated", service="iam", resource="r")
    event = await asyncio.wait_for(sub.get(), 1)
    assert event is not None and event.type == "iam.RoleCreated"


async def test_slow_subscriber_is_cut_off_not_blocking() -> None:
    bus = EventBus()
    slow = bus.subscribe(maxsize=5)
    fast = bus.subscribe()
    for i in range(20):
        bus.publish("t", service="x", resource=str(i))
    assert slow.overflowed
    received = [e async for e in slow]
    assert len(received) < 20
    assert not fast.overflowed
    assert (await fast.get()).resource == "0"


async def test_close_ends_iteration() -> None:
    bus = EventBus()
    sub = bus.subscribe()
    bus.publish("t", service="x")
    bus.close()
    assert [e.type async for e in sub] == ["t"]
