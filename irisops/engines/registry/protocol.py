"""The OCI distribution protocol on ``/v2/``: version check, blobs, uploads, manifests,
tags and the catalog, answered from a :class:`BlobStore` and a :class:`RegistryBackend`.

Every request needs ``Authorization: Basic`` credentials the backend accepts (as on ECR,
where ``docker login`` comes first); every response carries
``Docker-Distribution-API-Version: registry/2.0``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator

from aiohttp import web

from irisops.engines.registry.backend import Principal, RegistryBackend
from irisops.engines.registry.blobs import BlobStore, Upload
from irisops.engines.registry.digests import check_digest
from irisops.engines.registry.errors import RegistryError
from irisops.engines.registry.manifests import MAX_MANIFEST_BYTES

log = logging.getLogger("irisops.registry")

API_VERSION = {"Docker-Distribution-API-Version": "registry/2.0"}
NAME = re.compile(
    r"^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$"
)
TAGS = re.compile(r"^(?P<name>.+)/tags/list$")
MANIFEST = re.compile(r"^(?P<name>.+)/manifests/(?P<ref>[^/]+)$")
UPLOAD = re.compile(r"^(?P<name>.+)/blobs/uploads/(?P<id>[^/]*)$")
BLOB = re.compile(r"^(?P<name>.+)/blobs/(?P<digest>[^/]+)$")
CONTENT_RANGE = re.compile(r"^(?:bytes[ =])?(\d+)-(\d+)(?:/\d+|/\*)?$")
WIRE_CHUNK = 256 * 1024


async def _body_chunks(request: web.Request) -> AsyncIterator[bytes]:
    async for chunk in request.content.iter_any():
        yield chunk


async def _read_limited(request: web.Request, limit: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    async for chunk in request.content.iter_chunked(WIRE_CHUNK):
        total += len(chunk)
        if total > limit:
            raise RegistryError("MANIFEST_INVALID", f"manifest is larger than {limit} bytes")
        parts.append(chunk)
    return b"".join(parts)


def _page_size(request: web.Request) -> int | None:
    raw = request.query.get("n")
    if raw is None:
        return None
    if not raw.isdigit():
        raise RegistryError("UNSUPPORTED", f"invalid page size n={raw!r}", status=400)
    return int(raw)


def _paginate(
    request: web.Request, items: list[str], path: str
) -> tuple[list[str], dict[str, str]]:
    """Apply ``n``/``last`` and build the ``Link`` header of the next page."""
    last = request.query.get("last")
    if last:
        items = [item for item in items if item > last]
    n = _page_size(request)
    if n is None or len(items) <= n:
        return items if n is None else items[:n], {}
    page = items[:n]
    if not page:
        return page, {}
    return page, {"Link": f'<{path}?n={n}&last={page[-1]}>; rel="next"'}


class RegistryProtocol:
    def __init__(self, backend: RegistryBackend, blobs: BlobStore) -> None:
        self.backend = backend
        self.blobs = blobs

    def add_routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/v2", self.handle)
        app.router.add_route("*", "/v2/{tail:.*}", self.handle)

    async def handle(self, request: web.Request) -> web.StreamResponse:
        try:
            principal = self.backend.authenticate(request.headers.get("Authorization"))
            if principal is None:
                raise RegistryError(
                    "UNAUTHORIZED",
                    "authentication required"
                    if "Authorization" not in request.headers
                    else "Your authorization token is invalid or has expired.",
                )
            response = await self._dispatch(request, principal, request.match_info.get("tail", ""))
        except RegistryError as error:
            headers = dict(API_VERSION)
            if error.code == "UNAUTHORIZED":
                headers["WWW-Authenticate"] = self.backend.challenge(request.host)
            return error.response(headers)
        except ConnectionResetError:
            # The client left mid-body: what arrived in whole batches stays in the upload
            # (its Range says how much), the rest is dropped with the hash kept in step.
            log.info("registry client left during %s %s", request.method, request.path)
            return RegistryError("BLOB_UPLOAD_INVALID", "the request body was cut short").response(
                dict(API_VERSION)
            )
        except web.HTTPException:
            raise
        except Exception:
            log.exception("registry request %s %s failed", request.method, request.path)
            return RegistryError("UNKNOWN", "internal server error", status=500).response(
                dict(API_VERSION)
            )
        response.headers.update(API_VERSION)
        return response

    async def _dispatch(
        self, request: web.Request, principal: Principal, tail: str
    ) -> web.StreamResponse:
        method = request.method
        if tail == "":
            return web.json_response({})
        if tail == "_catalog":
            if method != "GET":
                raise RegistryError("UNSUPPORTED", status=405)
            names, link = _paginate(
                request, self.backend.list_repositories(principal), "/v2/_catalog"
            )
            return web.json_response({"repositories": names}, headers=link)
        for pattern, handler in (
            (TAGS, self._tags),
            (MANIFEST, self._manifest),
            (UPLOAD, self._upload),
            (BLOB, self._blob),
        ):
            match = pattern.match(tail)
            if match:
                groups = match.groupdict()
                name = groups.pop("name")
                if not NAME.match(name) or len(name) > 256:
                    raise RegistryError("NAME_INVALID", f"invalid repository name: {name}")
                self.backend.check_repository(principal, name)
                return await handler(request, principal, name, *groups.values())
        raise web.HTTPNotFound()

    # -- tags ------------------------------------------------------------------------

    async def _tags(self, request: web.Request, principal: Principal, name: str) -> web.Response:
        if request.method != "GET":
            raise RegistryError("UNSUPPORTED", status=405)
        tags, link = _paginate(
            request, self.backend.list_tags(principal, name), f"/v2/{name}/tags/list"
        )
        return web.json_response({"name": name, "tags": tags}, headers=link)

    # -- manifests -------------------------------------------------------------------

    async def _manifest(
        self, request: web.Request, principal: Principal, name: str, reference: str
    ) -> web.Response:
        method = request.method
        if method in ("GET", "HEAD"):
            stored = self.backend.get_manifest(principal, name, reference)
            return web.Response(
                body=stored.body,
                headers={
                    "Content-Type": stored.media_type,
                    "Docker-Content-Digest": stored.digest,
                    "ETag": f'"{stored.digest}"',
                },
            )
        if method == "PUT":
            body = await _read_limited(request, MAX_MANIFEST_BYTES)
            digest = await self.backend.put_manifest(
                principal, name, reference, body, request.headers.get("Content-Type", "")
            )
            return web.Response(
                status=201,
                headers={
                    "Location": f"/v2/{name}/manifests/{digest}",
                    "Docker-Content-Digest": digest,
                },
            )
        if method == "DELETE":
            await self.backend.delete_manifest(principal, name, reference)
            return web.Response(status=202)
        raise RegistryError("UNSUPPORTED", status=405)

    # -- blobs -----------------------------------------------------------------------

    async def _blob(
        self, request: web.Request, principal: Principal, name: str, digest: str
    ) -> web.StreamResponse:
        if request.method not in ("GET", "HEAD"):
            raise RegistryError("UNSUPPORTED", "blobs cannot be deleted", status=405)
        check_digest(digest)
        size = await self.blobs.stat(digest)
        if size is None:
            raise RegistryError("BLOB_UNKNOWN", detail={"digest": digest})
        headers = {
            "Docker-Content-Digest": digest,
            "Content-Type": "application/octet-stream",
            "ETag": f'"{digest}"',
            "Accept-Ranges": "bytes",
        }
        if request.method == "HEAD":
            return web.Response(headers={**headers, "Content-Length": str(size)})
        return web.FileResponse(self.blobs.path(digest), headers=headers)

    # -- uploads ---------------------------------------------------------------------

    def _upload_headers(self, name: str, upload: Upload) -> dict[str, str]:
        return {
            "Location": f"/v2/{name}/blobs/uploads/{upload.id}",
            "Range": f"0-{max(upload.size - 1, 0)}",
            "Docker-Upload-UUID": upload.id,
        }

    def _blob_created(self, name: str, digest: str) -> web.Response:
        return web.Response(
            status=201,
            headers={"Location": f"/v2/{name}/blobs/{digest}", "Docker-Content-Digest": digest},
        )

    async def _upload(
        self, request: web.Request, principal: Principal, name: str, upload_id: str
    ) -> web.Response:
        owner = (principal.account, principal.region, name)
        method = request.method
        if upload_id == "":
            if method != "POST":
                raise RegistryError("UNSUPPORTED", status=405)
            return await self._start_upload(request, principal, name, owner)
        upload = self.blobs.upload(upload_id, owner)
        if method == "GET":
            return web.Response(status=204, headers=self._upload_headers(name, upload))
        if method == "DELETE":
            async with upload.lock:
                self.blobs.upload(upload_id, owner)  # not ended while we waited
                await self.blobs.cancel(upload)
            return web.Response(status=204)
        if method not in ("PATCH", "PUT"):
            raise RegistryError("UNSUPPORTED", status=405)
        async with upload.lock:
            self.blobs.upload(upload_id, owner)  # not ended while we waited
            if method == "PATCH":
                self._check_range(request, upload)
                await self.blobs.append(upload, _body_chunks(request))
                return web.Response(status=202, headers=self._upload_headers(name, upload))
            digest = request.query.get("digest")
            try:
                check_digest(digest)
            except RegistryError:
                await self.blobs.cancel(upload)
                raise
            if request.can_read_body:
                await self.blobs.append(upload, _body_chunks(request))
            await self.blobs.complete(upload, digest or "")
        return self._blob_created(name, digest or "")

    def _check_range(self, request: web.Request, upload: Upload) -> None:
        raw = request.headers.get("Content-Range")
        if not raw:
            return
        match = CONTENT_RANGE.match(raw.strip())
        if not match or int(match.group(1)) != upload.size:
            raise RegistryError(
                "BLOB_UPLOAD_INVALID",
                f"Content-Range {raw} does not continue the upload at {upload.size}",
                status=416,
            )

    async def _start_upload(
        self, request: web.Request, principal: Principal, name: str, owner: tuple[str, str, str]
    ) -> web.Response:
        mount = request.query.get("mount")
        source = request.query.get("from")
        if mount and source:
            check_digest(mount)
            if self._mountable(principal, source) and await self.blobs.stat(mount) is not None:
                return self._blob_created(name, mount)
        upload = self.blobs.start_upload(owner)
        digest = request.query.get("digest")
        if digest is None:
            return web.Response(status=202, headers=self._upload_headers(name, upload))
        async with upload.lock:
            try:
                check_digest(digest)
            except RegistryError:
                await self.blobs.cancel(upload)
                raise
            try:
                await self.blobs.append(upload, _body_chunks(request))
            except BaseException:
                await self.blobs.cancel(upload)
                raise
            await self.blobs.complete(upload, digest)
        return self._blob_created(name, digest)

    def _mountable(self, principal: Principal, source: str) -> bool:
        try:
            self.backend.check_repository(principal, source)
        except RegistryError:
            return False
        return True
