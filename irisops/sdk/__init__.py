"""The async SDK: :class:`Stack` starts (or attaches to) an irisops server and drives it
from tests and scripts; the pytest plugin is :mod:`irisops.sdk.pytest_plugin`."""

from irisops.sdk.cicd import ImagePipeline
from irisops.sdk.errors import CommandFailed, IrisopsError, ResourceFailed, WaitTimeout
from irisops.sdk.events import Event, EventFilter, EventsOverflowed, EventStream
from irisops.sdk.stack import Stack

__all__ = [
    "CommandFailed",
    "Event",
    "EventFilter",
    "EventStream",
    "EventsOverflowed",
    "ImagePipeline",
    "IrisopsError",
    "ResourceFailed",
    "Stack",
    "WaitTimeout",
]
