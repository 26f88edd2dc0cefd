"""CloudWatch Logs filter pattern matching."""

from __future__ import annotations

import pytest

from irisops.services.logs.errors import InvalidParameter
from irisops.services.logs.filter_pattern import compile_pattern

LINES = [
    "[ERROR] out of memory in worker 3",
    "[WARN] disk almost full",
    "[INFO] epoch 1 loss=0.52",
    "[ERROR] healthcheck failed",
    "error: lowercase only",
]


def matching(pattern: str | None) -> list[int]:
    matcher = compile_pattern(pattern)
    return [i for i, line in enumerate(LINES) if matcher(line)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        (None, [0, 1, 2, 3, 4]),
        ("", [0, 1, 2, 3, 4]),
        ("   ", [0, 1, 2, 3, 4]),
        ("ERROR", [0, 3]),
        ("error", [4]),  # terms are case-sensitive
        ("ERROR memory", [0]),  # every term must appear
        ('"out of memory"', [0]),
        ('"of out memory"', []),
        ("?WARN ?INFO", [1, 2]),
        ('?"disk almost" ?loss', [1, 2]),
        ("ERROR -healthcheck", [0]),
        ('ERROR -"worker 3"', [3]),
        ("%\\[(WARN|INFO)\\]%", [1, 2]),
        ("%loss=0\\.5[0-9]%", [2]),
        ("loss=0.52", [2]),
    ],
)
def test_unstructured_patterns(pattern: str | None, expected: list[int]) -> None:
    assert matching(pattern) == expected


JSON_LINES = [
    '{"level": "error", "latency": 250, "user": {"id": 7, "admin": true}, "tags": ["a", "b"]}',
    '{"level": "info", "latency": 40, "user": {"id": 8, "admin": false}, "tags": []}',
    '{"level": "warn", "latency": 120.5, "user": {"id": 9, "admin": null}}',
    "not json at all",
]


def json_matching(pattern: str) -> list[int]:
    matcher = compile_pattern(pattern)
    return [i for i, line in enumerate(JSON_LINES) if matcher(line)]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ('{ $.level = "error" }', [0]),
        ('{ $.level != "error" }', [1, 2]),
        ('{ $.level = "*rr*" }', [0]),
        ("{ $.latency > 100 }", [0, 2]),
        ("{ $.latency <= 40 }", [1]),
        ("{ $.user.id = 8 }", [1]),
        ('{ $.tags[1] = "b" }', [0]),
        ("{ $.user.admin IS TRUE }", [0]),
        ("{ $.user.admin IS FALSE }", [1]),
        ("{ $.user.admin IS NULL }", [2]),
        ("{ $.tags NOT EXISTS }", [2]),
        (
            '{ $.level = "error" && $.latency > 300 }',
            [],
        ),
        ('{ $.level = "error" || $.latency < 50 }', [0, 1]),
        ('{ ($.level = "warn" || $.level = "info") && $.latency > 100 }', [2]),
    ],
)
def test_json_patterns(pattern: str, expected: list[int]) -> None:
    assert json_matching(pattern) == expected


@pytest.mark.parametrize(
    "pattern",
    ['"unbalanced', "{ $.a = }", "{ $.a = 1", "%(unclosed%", "[ip, user]", '{ $.a > "x" }'],
)
def test_invalid_patterns_are_invalid_parameter(pattern: str) -> None:
    with pytest.raises(InvalidParameter):
        compile_pattern(pattern)
