"""CloudWatch Logs (JSON 1.1, ``Logs_20140328``)."""

from irisops.services.logs.service import LogsService

__all__ = ["LogsService"]
