"""The ``query`` protocol: form-encoded ``Action=...`` requests, XML answers (IAM, STS)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape, quoteattr

from aiohttp import web

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, SerializationError
from irisops.gateway.protocols.base import Codec
from irisops.gateway.protocols.values import parse_scalar
from irisops.gateway.protocols.xml_shapes import members
from irisops.gateway.route import Route

XML = "text/xml"


def _has_prefix(form: dict[str, str], prefix: str) -> bool:
    return any(key.startswith(prefix) for key in form)


def parse_query_value(shape: Any, form: dict[str, str], key: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        if not _has_prefix(form, key + "."):
            return None
        return parse_query_structure(shape, form, key + ".")
    if kind == "list":
        if form.get(key) == "":
            return []
        if shape.serialization.get("flattened"):
            base = key
        else:
            base = f"{key}.{shape.member.serialization.get('name', 'member')}"
        items = []
        index = 1
        while True:
            item_key = f"{base}.{index}"
            if item_key not in form and not _has_prefix(form, item_key + "."):
                break
            items.append(parse_query_value(shape.member, form, item_key))
            index += 1
        return items if items or _has_prefix(form, base + ".") else None
    if kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        base = key if shape.serialization.get("flattened") else f"{key}.entry"
        result: dict[str, Any] = {}
        index = 1
        while f"{base}.{index}.{key_name}" in form:
            map_key = form[f"{base}.{index}.{key_name}"]
            result[map_key] = parse_query_value(shape.value, form, f"{base}.{index}.{value_name}")
            index += 1
        return result or None
    if key not in form:
        return None
    try:
        return parse_scalar(shape, form[key])
    except ValueError as exc:
        raise SerializationError(
            f"Value '{form[key]}' for parameter {key} is invalid: {exc}",
            code="MalformedInput",
        ) from exc


def parse_query_structure(shape: Any, form: dict[str, str], prefix: str = "") -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, member in shape.members.items():
        value = parse_query_value(member, form, prefix + member.serialization.get("name", name))
        if value is not None:
            result[name] = value
    return result


class QueryCodec(Codec):
    protocol = "query"
    validation_code = "ValidationError"

    async def parse(self, request: web.Request, route: Route) -> dict[str, Any]:
        shape = route.operation.input_shape
        if shape is None:
            return {}
        return parse_query_structure(shape, route.form or {})

    def respond(
        self, request: web.Request, route: Route, output: dict[str, Any], ctx: RequestContext
    ) -> web.StreamResponse:
        operation = route.operation
        namespace = route.service_model.metadata.get("xmlNamespace", "")
        name = operation.name
        out = [f"<{name}Response xmlns={quoteattr(namespace)}>"]
        shape = operation.output_shape
        if shape is not None:
            wrapper = shape.serialization.get("resultWrapper") or f"{name}Result"
            out.append(f"<{wrapper}>")
            members(shape, output, out)
            out.append(f"</{wrapper}>")
        out.append(
            f"<ResponseMetadata><RequestId>{ctx.request_id}</RequestId></ResponseMetadata>"
            f"</{name}Response>"
        )
        return web.Response(
            body="".join(out).encode(),
            status=ctx.status or 200,
            headers={"x-amzn-RequestId": ctx.request_id, **ctx.response_headers},
            content_type=XML,
        )

    def error(
        self,
        request: web.Request,
        service_model: Any | None,
        error: AwsError,
        ctx: RequestContext,
    ) -> web.StreamResponse:
        namespace = service_model.metadata.get("xmlNamespace", "") if service_model else ""
        fault = "Sender" if error.sender_fault else "Receiver"
        extra = "".join(f"<{k}>{escape(str(v))}</{k}>" for k, v in error.fields.items())
        body = (
            f"<ErrorResponse xmlns={quoteattr(namespace)}><Error><Type>{fault}</Type>"
            f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>"
            f"{extra}</Error><RequestId>{ctx.request_id}</RequestId></ErrorResponse>"
        )
        return web.Response(
            body=body.encode(),
            status=error.status,
            headers={"x-amzn-RequestId": ctx.request_id},
            content_type=XML,
        )
