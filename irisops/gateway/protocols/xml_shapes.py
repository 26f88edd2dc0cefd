"""XML to and from botocore shapes (query answers, rest-xml bodies).

Serializing builds the document as a list of string pieces (faster than an element tree
for the small documents AWS answers with); parsing walks an ``ElementTree`` with
namespaces stripped. DTDs are refused outright, so no entity expansion can happen.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from irisops.gateway.protocols.values import ISO8601, parse_scalar, scalar_text


class MalformedXml(ValueError):
    pass


# -- serialize ------------------------------------------------------------------------------


def element(name: str, shape: Any, value: Any, out: list[str], xmlns: str | None = None) -> None:
    """Append ``<name>...</name>`` for ``value`` of ``shape``."""
    attrs = f" xmlns={quoteattr(xmlns)}" if xmlns else ""
    kind = shape.type_name
    if kind == "structure":
        out.append(f"<{name}{attrs}>")
        members(shape, value, out)
        out.append(f"</{name}>")
    elif kind == "list":
        if shape.serialization.get("flattened"):
            for item in value:
                element(name, shape.member, item, out)
            return
        item_name = shape.member.serialization.get("name", "member")
        out.append(f"<{name}{attrs}>")
        for item in value:
            element(item_name, shape.member, item, out)
        out.append(f"</{name}>")
    elif kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        flat = shape.serialization.get("flattened")
        if not flat:
            out.append(f"<{name}{attrs}>")
        for key, item in value.items():
            out.append(f"<{name}>" if flat else "<entry>")
            element(key_name, shape.key, key, out)
            element(value_name, shape.value, item, out)
            out.append(f"</{name}>" if flat else "</entry>")
        if not flat:
            out.append(f"</{name}>")
    else:
        out.append(f"<{name}{attrs}>{escape(scalar_text(shape, value, ISO8601))}</{name}>")


def members(shape: Any, value: dict[str, Any], out: list[str]) -> None:
    for member_name, member_shape in shape.members.items():
        item = value.get(member_name)
        if item is None:
            continue
        if member_shape.serialization.get("location"):
            continue
        if member_shape.serialization.get("xmlAttribute"):
            continue
        name = member_shape.serialization.get("name", member_name)
        element(name, member_shape, item, out)


# -- parse ----------------------------------------------------------------------------------


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_document(body: bytes) -> ET.Element:
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise MalformedXml("DTDs are not allowed")
    try:
        return ET.fromstring(body)
    except ET.ParseError as exc:
        raise MalformedXml(str(exc)) from exc


def parse_element(shape: Any, node: ET.Element) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return parse_members(shape, node)
    if kind == "list":
        item_name = shape.member.serialization.get("name", "member")
        return [
            parse_element(shape.member, child) for child in node if _local(child.tag) == item_name
        ]
    if kind == "map":
        key_name = shape.key.serialization.get("name", "key")
        value_name = shape.value.serialization.get("name", "value")
        result: dict[str, Any] = {}
        for entry in node:
            key = value = None
            for child in entry:
                if _local(child.tag) == key_name:
                    key = parse_element(shape.key, child)
                elif _local(child.tag) == value_name:
                    value = parse_element(shape.value, child)
            if key is not None:
                result[key] = value
        return result
    text = node.text or ""
    try:
        return parse_scalar(shape, text)
    except ValueError as exc:
        raise MalformedXml(f"bad value for <{_local(node.tag)}>: {exc}") from exc


def parse_members(shape: Any, node: ET.Element) -> dict[str, Any]:
    children: dict[str, list[ET.Element]] = {}
    for child in node:
        children.setdefault(_local(child.tag), []).append(child)
    result: dict[str, Any] = {}
    for member_name, member_shape in shape.members.items():
        if member_shape.serialization.get("location"):
            continue
        name = member_shape.serialization.get("name", member_name)
        if member_shape.serialization.get("xmlAttribute"):
            for attr, attr_value in node.attrib.items():
                if _local(attr) == name:
                    result[member_name] = attr_value
            continue
        found = children.get(name)
        if not found:
            continue
        if member_shape.type_name == "list" and member_shape.serialization.get("flattened"):
            result[member_name] = [parse_element(member_shape.member, c) for c in found]
        else:
            result[member_name] = parse_element(member_shape, found[0])
    return result
