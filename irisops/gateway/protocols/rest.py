"""What the two REST protocols share: URI templates, and members bound to the URI,
query string and headers (both ways)."""

from __future__ import annotations

import base64
import functools
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

from aiohttp import web
from multidict import MultiDict

from irisops.core.errors import SerializationError
from irisops.gateway.protocols.values import (
    ISO8601,
    RFC822,
    format_timestamp,
    parse_scalar,
    parse_timestamp,
    scalar_text,
    timestamp_format,
)


@dataclass(frozen=True)
class UriTemplate:
    """``/{Bucket}/{Key+}?tagging`` compiled: a path pattern plus literal query keys."""

    operation: str
    method: str
    path: re.Pattern[str]
    literal_query: tuple[tuple[str, str | None], ...]
    #: Query/header members the operation requires (their presence selects it).
    required_locations: tuple[tuple[str, str], ...]

    def match(self, method: str, path: str, query: MultiDict[str], headers: Any) -> int | None:
        """A specificity score when the request fits this template, else None."""
        if method != self.method:
            return None
        found = self.path.fullmatch(path)
        if found is None:
            return None
        score = 0
        for key, value in self.literal_query:
            if key not in query:
                if key == "x-id":
                    continue
                return None
            if value is not None and query.get(key) != value:
                return None
            score += 2
        for location, name in self.required_locations:
            present = name in query if location == "querystring" else name in headers
            if not present:
                return None
            score += 1
        return score

    def bind(self, path: str) -> dict[str, str]:
        found = self.path.fullmatch(path)
        assert found is not None
        return {name: unquote(value) for name, value in found.groupdict().items()}


_LABEL = re.compile(r"\{([^}]+)\}")


def compile_template(operation: Any) -> UriTemplate:
    http = operation.http
    uri = http["requestUri"]
    path, _, query = uri.partition("?")
    pattern = ""
    last = 0
    for label in _LABEL.finditer(path):
        pattern += re.escape(path[last : label.start()])
        name = label.group(1)
        if name.endswith("+"):
            pattern += f"(?P<{name[:-1]}>.+)"
        else:
            pattern += f"(?P<{name}>[^/]+)"
        last = label.end()
    pattern += re.escape(path[last:])
    if not pattern.endswith("/") and not path.endswith("+}"):
        pattern += "/?"
    literal = tuple(
        (key, value if value != "" or "=" in part else None)
        for part in query.split("&")
        if part
        for key, _, value in [part.partition("=")]
    )
    required: list[tuple[str, str]] = []
    shape = operation.input_shape
    if shape is not None:
        for name in shape.required_members:
            member = shape.members[name]
            location = member.serialization.get("location")
            if location in ("querystring", "header"):
                required.append((location, member.serialization.get("name", name)))
    return UriTemplate(
        operation=operation.name,
        method=http["method"],
        path=re.compile(pattern),
        literal_query=literal,
        required_locations=tuple(required),
    )


@functools.lru_cache(maxsize=64)
def templates(service_model: Any) -> dict[str, tuple[UriTemplate, ...]]:
    """The service's URI templates grouped by HTTP method."""
    by_method: dict[str, list[UriTemplate]] = {}
    for name in service_model.operation_names:
        template = compile_template(service_model.operation_model(name))
        by_method.setdefault(template.method, []).append(template)
    return {method: tuple(group) for method, group in by_method.items()}


def find_operation(
    service_model: Any, method: str, path: str, query: MultiDict[str], headers: Any
) -> tuple[UriTemplate | None, bool]:
    """The best-fitting operation, and whether any operation had this path."""
    by_method = templates(service_model)
    best: UriTemplate | None = None
    best_score = -1
    for template in by_method.get(method, ()):
        score = template.match(method, path, query, headers)
        if score is not None and score > best_score:
            best, best_score = template, score
    if best is not None:
        return best, True
    path_known = any(
        template.path.fullmatch(path) for group in by_method.values() for template in group
    )
    return None, path_known


def split_raw_path(request: web.Request) -> tuple[str, MultiDict[str]]:
    """The undecoded path (``..`` segments kept: S3 keys may hold them) and the query."""
    raw = request.raw_path
    path, _, query = raw.partition("?")
    return path, MultiDict(parse_qsl(query, keep_blank_values=True))


def _header_value(shape: Any, text: str) -> Any:
    kind = shape.type_name
    if kind == "timestamp":
        return parse_timestamp(text)
    if kind == "list":
        return [parse_scalar(shape.member, part.strip()) for part in text.split(",")]
    if kind == "string" and shape.serialization.get("jsonvalue"):
        return json.loads(base64.b64decode(text))
    return parse_scalar(shape, text)


def bind_locations(
    shape: Any,
    request: web.Request,
    uri_params: dict[str, str],
    query: MultiDict[str],
) -> dict[str, Any]:
    """Members that live in the URI, query string and headers."""
    params: dict[str, Any] = {}
    headers = request.headers
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        if not location:
            continue
        wire = member.serialization.get("name", name)
        try:
            if location == "uri":
                if name in uri_params:
                    params[name] = uri_params[name]
                elif wire in uri_params:
                    params[name] = uri_params[wire]
            elif location == "querystring":
                if member.type_name == "map":
                    params[name] = {k: v for k, v in query.items()}
                elif member.type_name == "list":
                    values = query.getall(wire, [])
                    if values:
                        params[name] = [parse_scalar(member.member, v) for v in values]
                elif wire in query:
                    params[name] = parse_scalar(member, query[wire])
            elif location == "header":
                if wire in headers:
                    params[name] = _header_value(member, headers[wire])
            elif location == "headers":
                prefix = wire.lower()
                found = {
                    key.lower()[len(prefix) :]: value
                    for key, value in headers.items()
                    if key.lower().startswith(prefix)
                }
                if found:
                    params[name] = found
        except (ValueError, TypeError) as exc:
            raise SerializationError(
                f"Value for {wire} could not be read: {exc}", code="InvalidArgument"
            ) from exc
    return params


def location_headers(shape: Any, output: dict[str, Any]) -> tuple[dict[str, str], int | None]:
    """Output members bound to headers, and a status code member if set."""
    headers: dict[str, str] = {}
    status: int | None = None
    for name, member in shape.members.items():
        value = output.get(name)
        if value is None:
            continue
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "header":
            if member.type_name == "timestamp":
                headers[wire] = str(format_timestamp(value, timestamp_format(member, RFC822)))
            elif member.type_name == "list":
                headers[wire] = ",".join(scalar_text(member.member, v) for v in value)
            elif member.serialization.get("jsonvalue"):
                headers[wire] = base64.b64encode(json.dumps(value).encode()).decode()
            else:
                headers[wire] = scalar_text(member, value, ISO8601)
        elif location == "headers":
            for key, item in value.items():
                headers[f"{wire}{key}"] = str(item)
        elif location == "statusCode":
            status = int(value)
    return headers, status
