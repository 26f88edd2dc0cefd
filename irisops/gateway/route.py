"""Where a request goes: the service, its botocore model and the operation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from irisops.services.base import Service


@dataclass
class Route:
    service: Service
    service_model: Any
    operation: Any  # botocore OperationModel
    protocol: str
    #: Members bound from the URI template (rest protocols), already percent-decoded.
    uri_params: dict[str, str] = field(default_factory=dict)
    #: Already-read form fields (query protocol).
    form: dict[str, str] | None = None
