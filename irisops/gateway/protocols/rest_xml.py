"""The ``rest-xml`` protocol (S3)."""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web

from irisops.core.arns import hex_id
from irisops.core.context import RequestContext
from irisops.core.errors import AwsError
from irisops.gateway.body import FileBody, RequestBody, StreamBody
from irisops.gateway.protocols.base import Codec, read_body
from irisops.gateway.protocols.rest import bind_locations, location_headers, split_raw_path
from irisops.gateway.protocols.xml_shapes import (
    MalformedXml,
    element,
    members,
    parse_document,
    parse_element,
    parse_members,
)
from irisops.gateway.responses import payload_response
from irisops.gateway.route import Route

XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
XML = "application/xml"


class MalformedXmlError(AwsError):
    code = "MalformedXML"
    status = 400

    def __init__(self) -> None:
        super().__init__(
            "The XML you provided was not well-formed or did not validate against our "
            "published schema"
        )


class RestXmlCodec(Codec):
    protocol = "rest-xml"
    validation_code = "InvalidArgument"

    async def parse(self, request: web.Request, route: Route) -> dict[str, Any]:
        shape = route.operation.input_shape
        if shape is None:
            return {}
        _, query = split_raw_path(request)
        params = bind_locations(shape, request, route.uri_params, query)
        payload = shape.serialization.get("payload")
        if payload:
            member = shape.members[payload]
            if member.type_name in ("blob", "string"):
                if member.serialization.get("streaming") or member.serialization.get(
                    "requiresLength"
                ):
                    params[payload] = RequestBody.from_request(request)
                else:
                    body = await read_body(request)
                    params[payload] = body if member.type_name == "blob" else body.decode()
                return params
            body = await read_body(request)
            if body.strip():
                try:
                    params[payload] = parse_element(member, parse_document(body))
                except MalformedXml as exc:
                    raise MalformedXmlError() from exc
            return params
        body = await read_body(request)
        if body.strip():
            try:
                for name, value in parse_members(shape, parse_document(body)).items():
                    params.setdefault(name, value)
            except MalformedXml as exc:
                raise MalformedXmlError() from exc
        return params

    def respond(
        self, request: web.Request, route: Route, output: dict[str, Any], ctx: RequestContext
    ) -> web.StreamResponse:
        operation = route.operation
        status = ctx.status or operation.http.get("responseCode", 200)
        headers = _request_id_headers(ctx)
        shape = operation.output_shape
        if shape is None:
            headers.update(ctx.response_headers)
            return web.Response(status=status, headers=headers)
        bound, status_member = location_headers(shape, output)
        headers.update(bound)
        headers.update(ctx.response_headers)
        status = status_member or status
        namespace = getattr(route.service, "xml_namespace", None)
        payload = shape.serialization.get("payload")
        out = [XML_DECLARATION]
        if payload:
            member = shape.members[payload]
            value = output.get(payload)
            if member.type_name in ("blob", "string") or isinstance(value, FileBody | StreamBody):
                return payload_response(value, status=status, headers=headers)
            if value is None:
                return web.Response(status=status, headers=headers)
            root = member.serialization.get("name") or member.name
            ns = member.serialization.get("xmlNamespace", {}).get("uri") or namespace
            element(root, member, value, out, xmlns=ns)
        elif text_member := getattr(route.service, "xml_text_roots", {}).get(operation.name):
            attrs = f' xmlns="{namespace}"' if namespace else ""
            value = output.get(text_member)
            text = "" if value is None else escape(str(value))
            out.append(f"<{text_member}{attrs}>{text}</{text_member}>")
        else:
            if not any(
                not m.serialization.get("location") for m in shape.members.values()
            ) and not getattr(route.service, "xml_roots", {}).get(operation.name):
                return web.Response(status=status, headers=headers)
            roots = getattr(route.service, "xml_roots", {})
            root = (
                roots.get(operation.name)
                or shape.serialization.get("name")
                or (operation.name + "Result")
            )
            attrs = f' xmlns="{namespace}"' if namespace else ""
            out.append(f"<{root}{attrs}>")
            members(shape, output, out)
            out.append(f"</{root}>")
        headers["Content-Type"] = XML
        return web.Response(body="".join(out).encode(), status=status, headers=headers)

    def error(
        self,
        request: web.Request,
        service_model: Any | None,
        error: AwsError,
        ctx: RequestContext,
    ) -> web.StreamResponse:
        headers = _request_id_headers(ctx)
        if request.method == "HEAD":
            return web.Response(status=error.status, headers=headers)
        extra = "".join(
            f"<{key}>{escape(str(value))}</{key}>" for key, value in error.fields.items()
        )
        body = (
            f"{XML_DECLARATION}<Error><Code>{escape(error.code)}</Code>"
            f"<Message>{escape(error.message)}</Message>{extra}"
            f"<RequestId>{ctx.request_id}</RequestId>"
            f"<HostId>{headers['x-amz-id-2']}</HostId></Error>"
        )
        headers["Content-Type"] = XML
        return web.Response(body=body.encode(), status=error.status, headers=headers)


def _request_id_headers(ctx: RequestContext) -> dict[str, str]:
    return {"x-amz-request-id": ctx.request_id, "x-amz-id-2": hex_id(24)}
