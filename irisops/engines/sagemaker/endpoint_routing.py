"""Which instance an invocation goes to: a variant chosen by weight (or named by
``TargetVariant``), then its instances in turn; on a multi-container endpoint with
direct invocation, which of the instance's containers (``TargetContainerHostname``).

Kept free of I/O so the choice can be tested on its own; the proxy holds one
:class:`Fleet` per serving endpoint and swaps it whole when a deployment changes.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

T = TypeVar("T")
DIRECT = "Direct"


class NamedContainer(Protocol):
    hostname: str | None


C = TypeVar("C", bound=NamedContainer)


class NoSuchVariant(LookupError):
    pass


class NoCapacity(LookupError):
    """Every variant has weight 0 or no instance."""


class TargetContainerError(LookupError):
    """``TargetContainerHostname`` does not fit the endpoint: ``kind`` is ``missing``
    (direct invocation without it), ``unknown`` (no such container) or ``not-direct``
    (given to an endpoint without direct invocation)."""

    def __init__(self, kind: str, hostname: str | None) -> None:
        super().__init__(kind, hostname)
        self.kind = kind
        self.hostname = hostname


def choose_container(parts: list[C], mode: str | None, target: str | None) -> C:
    """The container a direct invocation names; the first one otherwise (where a
    target is refused, as SageMaker refuses it)."""
    if mode != DIRECT:
        if target:
            raise TargetContainerError("not-direct", target)
        return parts[0]
    if not target:
        raise TargetContainerError("missing", None)
    for part in parts:
        if part.hostname == target:
            return part
    raise TargetContainerError("unknown", target)


@dataclass
class VariantPool(Generic[T]):
    name: str
    weight: float
    members: list[T] = field(default_factory=list)
    _turn: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def next_member(self) -> T:
        if not self.members:
            raise NoCapacity(f"variant {self.name} has no instance")
        return self.members[next(self._turn) % len(self.members)]


class Fleet(Generic[T]):
    """Variants by weight; weights need not sum to 1 (share = weight / sum)."""

    def __init__(
        self, variants: list[VariantPool[T]], rand: Callable[[], float] = random.random
    ) -> None:
        self.variants = variants
        self.by_name = {v.name: v for v in variants}
        self._rand = rand
        self._reweigh()

    def _reweigh(self) -> None:
        self._cumulative: list[float] = []
        self._live: list[VariantPool[T]] = []
        total = 0.0
        for variant in self.variants:
            if variant.weight > 0 and variant.members:
                total += variant.weight
                self._cumulative.append(total)
                self._live.append(variant)
        self._total = total

    def set_weight(self, name: str, weight: float) -> None:
        self.by_name[name].weight = weight
        self._reweigh()

    def set_members(self, name: str, members: list[T]) -> None:
        self.by_name[name].members = members
        self._reweigh()

    def choose(self, target_variant: str | None = None) -> tuple[VariantPool[T], T]:
        if target_variant:
            variant = self.by_name.get(target_variant)
            if variant is None:
                raise NoSuchVariant(target_variant)
            return variant, variant.next_member()
        if not self._live:
            raise NoCapacity("no variant has capacity")
        if len(self._live) == 1:
            variant = self._live[0]
        else:
            at = bisect.bisect_right(self._cumulative, self._rand() * self._total)
            variant = self._live[min(at, len(self._live) - 1)]
        return variant, variant.next_member()
