"""CloudWatch Logs filter patterns for unstructured and JSON log events.

Supported (FilterAndPatternSyntax in the CloudWatch Logs guide):

* ``""`` or blanks: every event matches.
* Terms: ``ERROR Exception`` matches events containing every term (case-sensitive).
* Quoted phrases: ``"out of memory"`` must appear as written.
* OR terms: ``?ERROR ?WARN`` matches events containing at least one of them.
* Excluded terms: ``ERROR -healthcheck`` drops events containing the term.
* Regular expressions: ``%ERROR|WARN%`` (searched anywhere in the message).
* JSON patterns: ``{ $.level = "error" && $.latency > 100 }`` with ``=``, ``!=``,
  ``<``, ``<=``, ``>``, ``>=``, ``*`` wildcards in strings, ``IS TRUE``/``IS FALSE``/
  ``IS NULL``/``NOT EXISTS``, ``&&``, ``||`` and parentheses; a message that is not
  JSON never matches.

Space-delimited patterns (``[ip, user, ...]``) are not supported and are rejected
with InvalidParameterException rather than silently matching everything.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import Any

from irisops.services.logs.errors import InvalidParameter

Matcher = Callable[[str], bool]

_MISSING = object()


def compile_pattern(pattern: str | None) -> Matcher:
    """A predicate over event messages; raises InvalidParameter for a bad pattern."""
    text = (pattern or "").strip()
    if not text:
        return lambda message: True
    if text.startswith("{"):
        return _compile_json(text)
    if text.startswith("["):
        raise InvalidParameter("Space-delimited filter patterns are not supported by irisops.")
    if len(text) >= 2 and text.startswith("%") and text.endswith("%"):
        try:
            regex = re.compile(text[1:-1])
        except re.error as exc:
            raise InvalidParameter(f"Invalid regular expression in filter pattern: {exc}") from exc
        return lambda message: regex.search(message) is not None
    return _compile_terms(text)


# -- terms ------------------------------------------------------------------------------


def _split_terms(text: str) -> list[tuple[str, str]]:
    """``(kind, term)`` pairs, kind being ``""`` (required), ``"?"`` (any of) or ``"-"``."""
    terms: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        kind = ""
        if text[i] in "?-" and i + 1 < len(text) and not text[i + 1].isspace():
            kind = text[i]
            i += 1
        if text[i] == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise InvalidParameter(f"Invalid filter pattern: unbalanced quote in {text!r}")
            terms.append((kind, text[i + 1 : end]))
            i = end + 1
        else:
            start = i
            while i < len(text) and not text[i].isspace():
                i += 1
            terms.append((kind, text[start:i]))
    return terms


def _compile_terms(text: str) -> Matcher:
    terms = _split_terms(text)
    required = [term for kind, term in terms if kind == ""]
    optional = [term for kind, term in terms if kind == "?"]
    excluded = [term for kind, term in terms if kind == "-"]

    def match(message: str) -> bool:
        if any(term not in message for term in required):
            return False
        if any(term in message for term in excluded):
            return False
        return not optional or any(term in message for term in optional)

    return match


# -- JSON patterns ----------------------------------------------------------------------

_JSON_TOKEN = re.compile(
    r"""\s*(?:
        (?P<selector>\$(?:\.[A-Za-z0-9_$@-]+|\[\d+\])*)
      | (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)
      | (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))
      | (?P<word>[A-Za-z]+)
    )""",
    re.VERBOSE,
)

Predicate = Callable[[Any], bool]


def _tokenize(body: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(body):
        if body[pos:].strip() == "":
            break
        match = _JSON_TOKEN.match(body, pos)
        if match is None or match.end() == pos:
            raise InvalidParameter(f"Invalid JSON filter pattern near {body[pos:]!r}")
        kind = match.lastgroup or ""
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


def _select(document: Any, selector: str) -> Any:
    value = document
    for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", selector):
        key, index = part
        if key:
            if not isinstance(value, dict) or key not in value:
                return _MISSING
            value = value[key]
        else:
            if not isinstance(value, list) or int(index) >= len(value):
                return _MISSING
            value = value[int(index)]
    return value


def _compare(op: str, literal_kind: str, literal: str) -> Callable[[Any], bool]:
    if literal_kind == "string":
        expected = json.loads(literal)
        if op not in {"=", "!="}:
            raise InvalidParameter("Strings in JSON filter patterns support only = and !=")
        has_wildcard = "*" in expected

        def equal(value: Any) -> bool:
            if value is _MISSING or not isinstance(value, (str, int, float)):
                return False
            text = value if isinstance(value, str) else json.dumps(value)
            if has_wildcard:
                return fnmatch.fnmatchcase(text, expected)
            return text == expected

        return equal if op == "=" else lambda value: value is not _MISSING and not equal(value)
    number = float(literal)
    compare: dict[str, Callable[[float], bool]] = {
        "=": lambda v: v == number,
        "!=": lambda v: v != number,
        "<": lambda v: v < number,
        "<=": lambda v: v <= number,
        ">": lambda v: v > number,
        ">=": lambda v: v >= number,
    }

    def numeric(value: Any) -> bool:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return False
        return compare[op](float(value))

    return numeric


class _JsonParser:
    """Recursive descent over ``or := and ('||' and)*; and := atom ('&&' atom)*``."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise InvalidParameter("Invalid JSON filter pattern: unexpected end")
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.parse_or()
        if self.peek() is not None:
            raise InvalidParameter(f"Invalid JSON filter pattern near {self.peek()[1]!r}")
        return predicate

    def parse_or(self) -> Predicate:
        parts = [self.parse_and()]
        while self.peek() == ("op", "||"):
            self.take()
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else lambda doc: any(p(doc) for p in parts)

    def parse_and(self) -> Predicate:
        parts = [self.parse_atom()]
        while self.peek() == ("op", "&&"):
            self.take()
            parts.append(self.parse_atom())
        return parts[0] if len(parts) == 1 else lambda doc: all(p(doc) for p in parts)

    def parse_atom(self) -> Predicate:
        kind, value = self.take()
        if (kind, value) == ("op", "("):
            inner = self.parse_or()
            if self.take() != ("op", ")"):
                raise InvalidParameter("Invalid JSON filter pattern: missing ')'")
            return inner
        if kind != "selector":
            raise InvalidParameter(f"Invalid JSON filter pattern near {value!r}")
        selector = value
        kind, op = self.take()
        if kind == "word":
            return self.parse_keyword(selector, op.upper())
        if kind != "op" or op not in {"=", "!=", "<", "<=", ">", ">="}:
            raise InvalidParameter(f"Invalid JSON filter pattern near {op!r}")
        literal_kind, literal = self.take()
        if literal_kind not in {"string", "number"}:
            raise InvalidParameter(f"Invalid JSON filter pattern near {literal!r}")
        check = _compare(op, literal_kind, literal)
        return lambda doc: check(_select(doc, selector))

    def parse_keyword(self, selector: str, word: str) -> Predicate:
        if word == "NOT":
            if self.take()[1].upper() != "EXISTS":
                raise InvalidParameter("Invalid JSON filter pattern: expected NOT EXISTS")
            return lambda doc: _select(doc, selector) is _MISSING
        if word != "IS":
            raise InvalidParameter(f"Invalid JSON filter pattern near {word!r}")
        wanted = self.take()[1].upper()
        expected = {"TRUE": True, "FALSE": False, "NULL": None}
        if wanted not in expected:
            raise InvalidParameter(f"Invalid JSON filter pattern near {wanted!r}")
        target = expected[wanted]
        return lambda doc: _select(doc, selector) is target


def _compile_json(text: str) -> Matcher:
    if not text.endswith("}"):
        raise InvalidParameter("Invalid JSON filter pattern: missing '}'")
    predicate = _JsonParser(_tokenize(text[1:-1])).parse()

    def match(message: str) -> bool:
        try:
            document = json.loads(message)
        except ValueError:
            return False
        return predicate(document)

    return match
