"""Image manifests and indexes: media types, parsing, what they reference.

Four kinds are accepted: Docker image manifest v2 schema 2, Docker manifest list, OCI
image manifest and OCI image index. A manifest is stored byte for byte as pushed (its
digest is the sha256 of those bytes); parsing only checks its shape and lists the blobs
(config and layers) or child manifests it references, which must all exist before it is
accepted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from irisops.engines.registry.digests import is_digest, sha256_digest
from irisops.engines.registry.errors import RegistryError

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"

IMAGE_MANIFESTS = frozenset({DOCKER_MANIFEST, OCI_MANIFEST})
INDEXES = frozenset({DOCKER_MANIFEST_LIST, OCI_INDEX})
MEDIA_TYPES = IMAGE_MANIFESTS | INDEXES
#: The largest manifest accepted (ECR's limit is 4 MiB).
MAX_MANIFEST_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int


@dataclass
class Manifest:
    body: bytes
    media_type: str
    digest: str
    #: Image manifests: the config blob (None for an index).
    config: Descriptor | None = None
    layers: list[Descriptor] = field(default_factory=list)
    #: Indexes: the manifests they list.
    children: list[Descriptor] = field(default_factory=list)
    #: OCI artifactType, when the manifest declares one.
    artifact_type: str | None = None

    @property
    def is_index(self) -> bool:
        return self.media_type in INDEXES

    @property
    def blobs(self) -> list[Descriptor]:
        """Every blob the manifest references (config first, then layers)."""
        return ([self.config] if self.config else []) + self.layers

    @property
    def artifact_media_type(self) -> str | None:
        """What ECR reports as ``artifactMediaType``: the config's media type."""
        if self.artifact_type:
            return self.artifact_type
        return self.config.media_type if self.config else None


def invalid(message: str) -> RegistryError:
    return RegistryError("MANIFEST_INVALID", f"manifest invalid: {message}", detail=message)


def _descriptor(value: Any, where: str) -> Descriptor:
    if not isinstance(value, dict):
        raise invalid(f"{where} is not a descriptor object")
    media_type = value.get("mediaType")
    digest = value.get("digest")
    size = value.get("size")
    if not isinstance(media_type, str) or not media_type:
        raise invalid(f"{where}.mediaType is missing")
    if not isinstance(digest, str) or not is_digest(digest):
        raise invalid(f"{where}.digest {digest!r} is not a sha256 digest")
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise invalid(f"{where}.size is not a non-negative integer")
    return Descriptor(media_type, digest, size)


def _media_type(document: dict[str, Any], content_type: str | None) -> str:
    declared = document.get("mediaType")
    header = (content_type or "").split(";", 1)[0].strip().lower() or None
    if declared is not None and not isinstance(declared, str):
        raise invalid("mediaType is not a string")
    if declared and header in MEDIA_TYPES and declared != header:
        raise invalid(f"mediaType {declared} does not match the Content-Type {header}")
    media_type = declared or (header if header in MEDIA_TYPES else None)
    if media_type is None:
        # OCI allows mediaType to be absent: tell a manifest from an index by shape.
        if "manifests" in document:
            media_type = OCI_INDEX
        elif "config" in document:
            media_type = OCI_MANIFEST
        else:
            raise invalid("cannot tell the manifest's media type")
    if media_type not in MEDIA_TYPES:
        raise invalid(f"unsupported manifest media type {media_type}")
    return media_type


def parse_manifest(body: bytes, content_type: str | None = None) -> Manifest:
    """Parse and check a pushed manifest; MANIFEST_INVALID when it is not one."""
    if len(body) > MAX_MANIFEST_BYTES:
        raise invalid(f"manifest is larger than {MAX_MANIFEST_BYTES} bytes")
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise invalid(f"not JSON ({exc})") from exc
    if not isinstance(document, dict):
        raise invalid("not a JSON object")
    if document.get("schemaVersion") != 2:
        raise invalid("schemaVersion must be 2")
    media_type = _media_type(document, content_type)
    manifest = Manifest(body=body, media_type=media_type, digest=sha256_digest(body))
    artifact_type = document.get("artifactType")
    if artifact_type is not None and not isinstance(artifact_type, str):
        raise invalid("artifactType is not a string")
    manifest.artifact_type = artifact_type
    if media_type in INDEXES:
        children = document.get("manifests")
        if not isinstance(children, list):
            raise invalid("manifests is not a list")
        manifest.children = [
            _descriptor(child, f"manifests[{i}]") for i, child in enumerate(children)
        ]
        return manifest
    if "manifests" in document:
        raise invalid("an image manifest has no manifests list")
    manifest.config = _descriptor(document.get("config"), "config")
    layers = document.get("layers")
    if not isinstance(layers, list):
        raise invalid("layers is not a list")
    manifest.layers = [_descriptor(layer, f"layers[{i}]") for i, layer in enumerate(layers)]
    return manifest
