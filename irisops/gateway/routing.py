"""Finding the service and operation a request is for.

Only headers, the path and (for the query protocol, whose operation name is a form
field) the form body are read: ``X-Amz-Target`` names a JSON operation directly; a form
with ``Action`` is a query-protocol call to the service named by the SigV4 scope;
anything else is matched against the REST URI templates of the signed service's model
(S3 when unsigned). S3's virtual-hosted addressing (``bucket.localhost``) is folded into
the path first.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import web

from irisops.core.context import RequestContext
from irisops.core.errors import AwsError, NotImplementedOperation, UnknownOperation
from irisops.core.runtime import Runtime
from irisops.gateway.protocols.base import read_body
from irisops.gateway.protocols.rest import find_operation, split_raw_path
from irisops.gateway.route import Route
from irisops.gateway.sigv4 import credential
from irisops.services.base import Service

FORM = "application/x-www-form-urlencoded"
_ACCOUNT_KEY = re.compile(r"\d{12}")
_VIRTUAL_HOST = re.compile(r"^(?P<bucket>.+?)\.s3[.-]|^(?P<bucket2>.+)\.localhost$")
_RPC_V2_PATH = re.compile(r"/service/(?P<target>[^/]+)/operation/(?P<operation>[^/]+)")
_IP = re.compile(r"^[\d.]+$|^\[.*\]$")


class InvalidAction(AwsError):
    code = "InvalidAction"


class Router:
    def __init__(self, runtime: Runtime, services: dict[str, Service], models: dict[str, Any]):
        self.runtime = runtime
        self.services = services
        self.models = models
        self.by_target: dict[str, str] = {}
        self.by_signing_name: dict[str, list[str]] = defaultdict(list)
        for name, model in models.items():
            prefix = model.metadata.get("targetPrefix")
            if prefix:
                self.by_target[prefix] = name
            self.by_signing_name[model.signing_name].append(name)

    def identify(self, request: web.Request, ctx: RequestContext) -> str | None:
        """Fill account, region and access key into ``ctx``; return the signing name."""
        cred = credential(request.headers.get("Authorization"), request.query_string)
        config = self.runtime.config
        ctx.region = config.region
        ctx.account = config.account
        if cred is None:
            return None
        ctx.access_key_id = cred.access_key_id
        if cred.region and cred.region not in ("aws-global", "*"):
            ctx.region = cred.region
        if _ACCOUNT_KEY.fullmatch(cred.access_key_id):
            ctx.account = cred.access_key_id
        else:
            ctx.account = self.runtime.resolve_account(cred.access_key_id) or config.account
        return cred.service

    async def route(self, request: web.Request, ctx: RequestContext) -> Route:
        signing_name = self.identify(request, ctx)
        target = request.headers.get("X-Amz-Target")
        if target:
            return self._route_target(target, ctx)
        if request.headers.get("smithy-protocol") == "rpc-v2-cbor":
            return self._route_rpc_v2(request.path, ctx)
        content_type = request.headers.get("Content-Type", "")
        if request.method == "POST" and content_type.startswith(FORM):
            form = dict(parse_qsl((await read_body(request)).decode(), keep_blank_values=True))
            return self._route_query(signing_name, form, ctx)
        if "Action=" in request.query_string and signing_name in self.by_signing_name:
            form = dict(parse_qsl(request.query_string, keep_blank_values=True))
            if self._query_service(signing_name):
                return self._route_query(signing_name, form, ctx)
        return self._route_rest(request, signing_name or "s3", ctx)

    def _route_target(self, target: str, ctx: RequestContext) -> Route:
        prefix, _, operation = target.rpartition(".")
        name = self.by_target.get(prefix)
        if name is None:
            raise UnknownOperation(f"irisops does not implement the service of target {target}")
        model = self.models[name]
        ctx.service = name
        if operation not in model.operation_names:
            raise UnknownOperation(f"Operation {operation} is not part of {name}")
        route = self._route(name, model, operation, ctx)
        # Services that also speak smithy-rpc-v2-cbor still answer X-Amz-Target in JSON.
        route.protocol = "json"
        return route

    def _route_rpc_v2(self, path: str, ctx: RequestContext) -> Route:
        found = _RPC_V2_PATH.fullmatch(path)
        if found is None:
            raise UnknownOperation(f"Not an RPC v2 operation path: {path}")
        route = self._route_target(f"{found['target']}.{found['operation']}", ctx)
        route.protocol = "smithy-rpc-v2-cbor"
        return route

    def _query_service(self, signing_name: str | None) -> str | None:
        for name in self.by_signing_name.get(signing_name or "", []):
            if self.models[name].protocol == "query":
                return name
        return None

    def _route_query(
        self, signing_name: str | None, form: dict[str, str], ctx: RequestContext
    ) -> Route:
        name = self._query_service(signing_name)
        if name is None:
            raise NotImplementedOperation(
                f"irisops does not implement the {signing_name or 'unknown'} service"
            )
        model = self.models[name]
        ctx.service = name
        action = form.get("Action", "")
        if action not in model.operation_names:
            raise InvalidAction(
                f"Could not find operation {action} for version "
                f"{form.get('Version', model.api_version)}"
            )
        route = self._route(name, model, action, ctx)
        route.form = form
        return route

    def _route_rest(self, request: web.Request, signing_name: str, ctx: RequestContext) -> Route:
        path, query = split_raw_path(request)
        candidates = [
            n
            for n in self.by_signing_name.get(signing_name, [])
            if self.models[n].protocol in ("rest-json", "rest-xml")
        ]
        if not candidates:
            raise NotImplementedOperation(f"irisops does not implement the {signing_name} service")
        path_known = False
        for name in candidates:
            model = self.models[name]
            service_path = self._virtual_host_path(request, path) if name == "s3" else path
            template, known = find_operation(
                model, request.method, service_path, query, request.headers
            )
            path_known = path_known or known
            if template is not None:
                ctx.service = name
                route = self._route(name, model, template.operation, ctx)
                route.uri_params = template.bind(service_path)
                return route
        ctx.service = candidates[0]
        if path_known:
            raise AwsError(
                "The specified method is not allowed against this resource.",
                code="MethodNotAllowed",
                status=405,
                Method=request.method,
            )
        raise NotImplementedOperation(
            f"irisops found no {candidates[0]} operation for {request.method} {path}"
        )

    def _virtual_host_path(self, request: web.Request, path: str) -> str:
        host = (
            (request.host or "").rsplit(":", 1)[0]
            if not (request.host or "").startswith("[")
            else request.host
        )
        if not host or _IP.match(host) or host in ("localhost", self.runtime.config.host):
            return path
        found = _VIRTUAL_HOST.match(host)
        if not found:
            return path
        bucket = found.group("bucket") or found.group("bucket2")
        if bucket in ("s3", "") or bucket.startswith("s3."):
            return path
        return f"/{bucket}{path}"

    def _route(self, name: str, model: Any, operation: str, ctx: RequestContext) -> Route:
        ctx.service = name
        ctx.operation = operation
        return Route(
            service=self.services[name],
            service_model=model,
            operation=model.operation_model(operation),
            protocol=model.protocol,
        )
