"""What a batch transform does to the data, without containers: split an object into
records, filter them with SageMaker's JSONPath subset (InputFilter / OutputFilter),
join a record to its inference (JoinSource Input) and pack records into requests of at
most MaxPayloadInMB (BatchStrategy MultiRecord) or one each (SingleRecord).

A CSV record is a JSON array of its columns (strings), so only index forms apply to it:
``$[1:]`` drops column 0, ``$[0,-1]`` keeps the first and the last. Slices follow
Python/Jayway semantics (end exclusive); AWS's docs call the end inclusive, which is
unconfirmed against the real service.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from typing import Any

MB = 1024 * 1024


class FilterError(ValueError):
    """A JSONPath that is not in the subset, or one that does not fit the record."""


_SEGMENT = re.compile(r"\.(?P<name>[A-Za-z_][\w-]*)|\.(?P<dotstar>\*)|\[(?P<bracket>[^\]]*)\]")
_SLICE = re.compile(r"^\s*(-?\d*)\s*:\s*(-?\d*)\s*$")


def _selector(text: str) -> tuple[str, Any]:
    """One bracket's content: ("*"), ("names", [...]), ("indexes", [...]), ("slice", ...)."""
    text = text.strip()
    if text == "*":
        return ("*", None)
    if text.startswith(("'", '"')):
        names = [part.strip() for part in text.split(",")]
        if not all(len(n) >= 2 and n[0] == n[-1] and n[0] in "'\"" for n in names):
            raise FilterError(f"unsupported JSONPath selector [{text}]")
        return ("names", [n[1:-1] for n in names])
    sliced = _SLICE.match(text)
    if sliced:
        start, end = (int(v) if v else None for v in sliced.groups())
        return ("slice", (start, end))
    try:
        return ("indexes", [int(part) for part in text.split(",")])
    except ValueError:
        raise FilterError(f"unsupported JSONPath selector [{text}]") from None


def parse_path(path: str) -> list[tuple[str, Any]]:
    """The selectors of a JSONPath of the subset SageMaker supports."""
    path = path.strip()
    if not path.startswith("$"):
        raise FilterError(f"JSONPath {path!r} must start with $")
    selectors: list[tuple[str, Any]] = []
    pos = 1
    while pos < len(path):
        match = _SEGMENT.match(path, pos)
        if match is None:
            raise FilterError(f"unsupported JSONPath {path!r} at {path[pos:]!r}")
        if match["name"] is not None:
            selectors.append(("names", [match["name"]]))
        elif match["dotstar"] is not None:
            selectors.append(("*", None))
        else:
            selectors.append(_selector(match["bracket"]))
        pos = match.end()
    return selectors


def _select(value: Any, selector: tuple[str, Any]) -> list[Any]:
    kind, arg = selector
    if kind == "*":
        if isinstance(value, dict):
            return list(value.values())
        if isinstance(value, list):
            return list(value)
        raise FilterError("* applied to a value that is neither an object nor an array")
    if kind == "names":
        if not isinstance(value, dict):
            raise FilterError(f"field {arg[0]!r} selected from a value that is not an object")
        missing = [name for name in arg if name not in value]
        if missing:
            raise FilterError(f"field {missing[0]!r} is not in the record")
        return [value[name] for name in arg]
    if not isinstance(value, list):
        raise FilterError("an index selected from a value that is not an array")
    if kind == "slice":
        start, end = arg
        return value[start:end]
    out = []
    for index in arg:
        if not -len(value) <= index < len(value):
            raise FilterError(f"index {index} is out of range for a record of {len(value)}")
        out.append(value[index])
    return out


def _definite(selector: tuple[str, Any]) -> bool:
    kind, arg = selector
    return kind in ("names", "indexes") and len(arg) == 1


def apply_filter(path: str | None, record: Any) -> Any:
    """``record`` seen through ``path``: one value for a definite path (``$.a``,
    ``$[0]``), else the list of what it selects (``$[1:]``, ``$[0,-1]``, ``$.*``)."""
    if not path or path.strip() == "$":
        return record
    selectors = parse_path(path)
    values = [record]
    for selector in selectors:
        values = [item for value in values for item in _select(value, selector)]
    if all(_definite(selector) for selector in selectors):
        return values[0]
    return values


# -- records as values and back ---------------------------------------------------------


def is_csv(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == "text/csv"


def parse_record(data: bytes, content_type: str | None) -> Any:
    """A record as a JSON value: a CSV line is the list of its columns."""
    text = data.decode("utf-8")
    if is_csv(content_type):
        rows = list(csv.reader(io.StringIO(text)))
        return rows[0] if rows else []
    try:
        return json.loads(text)
    except ValueError as exc:
        raise FilterError(f"the record is not valid JSON: {exc}") from exc


def render_record(value: Any, content_type: str | None) -> bytes:
    if is_csv(content_type):
        row = value if isinstance(value, list) else [value]
        buf = io.StringIO()
        csv.writer(buf, lineterminator="").writerow(
            [json.dumps(v) if isinstance(v, dict | list) else v for v in row]
        )
        return buf.getvalue().encode()
    return json.dumps(value, separators=(",", ":")).encode()


def filter_input(path: str | None, record: bytes, content_type: str | None) -> bytes:
    if not path or path.strip() == "$":
        return record
    return render_record(apply_filter(path, parse_record(record, content_type)), content_type)


def join_output(source: bytes, output: bytes, content_type: str | None, accept: str | None) -> Any:
    """JoinSource Input: CSV = the input's columns then the inference's; a JSON object
    gets ``SageMakerOutput``; any other JSON value becomes
    ``{"SageMakerInput", "SageMakerOutput"}``."""
    record = parse_record(source, content_type)
    result = parse_record(output, accept or content_type)
    if is_csv(content_type):
        return [*record, *(result if isinstance(result, list) else [result])]
    if isinstance(record, dict):
        return {**record, "SageMakerOutput": result}
    return {"SageMakerInput": record, "SageMakerOutput": result}


def process_output(
    source: bytes,
    output: bytes,
    *,
    join: bool,
    output_filter: str | None,
    content_type: str | None,
    accept: str | None,
) -> bytes:
    """One record's line in the output file, after JoinSource and OutputFilter."""
    plain_filter = not output_filter or output_filter.strip() == "$"
    if not join and plain_filter:
        return output
    out_type = content_type if join else (accept or content_type)
    value = (
        join_output(source, output, content_type, accept)
        if join
        else parse_record(output, out_type)
    )
    return render_record(apply_filter(output_filter, value), out_type)


# -- splitting and batching -------------------------------------------------------------


def split_records(data: bytes, split_type: str | None) -> list[bytes]:
    """SplitType Line: one record a non-empty line; None: the whole object."""
    if (split_type or "None") == "None":
        return [data]
    if split_type != "Line":
        raise FilterError(f"SplitType {split_type} is not supported by irisops")
    return [line.rstrip(b"\r") for line in data.split(b"\n") if line.strip()]


def batches(
    records: list[bytes], strategy: str | None, max_payload_mb: int | None
) -> Iterator[list[int]]:
    """The indexes of the records of each request. MultiRecord packs as many
    newline-joined records as fit ``max_payload_mb``; a record that alone exceeds it
    raises :class:`FilterError` (SageMaker fails the job)."""
    limit = (max_payload_mb if max_payload_mb is not None else 6) * MB
    current: list[int] = []
    size = 0
    for index, record in enumerate(records):
        length = len(record) + 1
        if limit and length - 1 > limit:
            raise FilterError(f"a record of {len(record)} bytes exceeds MaxPayloadInMB")
        if strategy != "MultiRecord":
            yield [index]
            continue
        if current and limit and size + length > limit:
            yield current
            current, size = [], 0
        current.append(index)
        size += length
    if current:
        yield current


def payload(records: list[bytes], indexes: list[int]) -> bytes:
    if len(indexes) == 1:
        return records[indexes[0]]
    return b"\n".join(records[i] for i in indexes) + b"\n"


def split_answer(answer: bytes, count: int) -> list[bytes]:
    """A MultiRecord answer as one inference per record (one a line)."""
    if count == 1:
        return [answer.rstrip(b"\r\n")]
    lines = [line.rstrip(b"\r") for line in answer.split(b"\n") if line.strip()]
    if len(lines) != count:
        raise FilterError(f"the container answered {len(lines)} lines for {count} records")
    return lines
