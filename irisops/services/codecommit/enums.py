"""Enum members of the operations irisops implements, checked with CodeCommit's own
error codes rather than a generic ValidationException."""

from __future__ import annotations

from typing import Any

from irisops.services.codecommit.errors import CodeCommitError

SORT_BY = ("repositoryName", "lastModifiedDate")
ORDER = ("ascending", "descending")
FILE_MODES = ("EXECUTABLE", "NORMAL", "SYMLINK")


def _mode(value: Any) -> None:
    if value is not None and value not in FILE_MODES:
        raise CodeCommitError("InvalidFileModeException")


def check_enums(params: dict[str, Any]) -> None:
    if params.get("sortBy") is not None and params["sortBy"] not in SORT_BY:
        raise CodeCommitError("InvalidSortByException")
    if params.get("order") is not None and params["order"] not in ORDER:
        raise CodeCommitError("InvalidOrderException")
    _mode(params.get("fileMode"))
    for key in ("putFiles", "setFileModes"):
        for entry in params.get(key) or []:
            if isinstance(entry, dict):
                _mode(entry.get("fileMode"))
