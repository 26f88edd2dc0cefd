"""irisops: the AWS ML lifecycle running for real on one laptop.

``irisops.Stack`` (the async SDK, :mod:`irisops.sdk`) is imported on first use, so the
server's own start-up does not pay for it.
"""

from typing import Any

__version__ = "0.1.0"

_SDK_NAMES = ("Stack", "Event", "EventFilter", "ResourceFailed", "WaitTimeout", "IrisopsError")


def __getattr__(name: str) -> Any:
    if name in _SDK_NAMES:
        import irisops.sdk

        return getattr(irisops.sdk, name)
    raise AttributeError(f"module 'irisops' has no attribute {name!r}")
