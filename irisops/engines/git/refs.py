"""Branch and tag refs of a repository, and what changed between two readings."""

from __future__ import annotations

from dataclasses import dataclass

from dulwich.repo import Repo

HEADS = "refs/heads/"
TAGS = "refs/tags/"


@dataclass(frozen=True)
class RefChange:
    """One ref update: ``old`` is None when the ref was created, ``new`` when deleted."""

    ref: str
    old: str | None
    new: str | None

    @property
    def branch(self) -> str | None:
        return self.ref.removeprefix(HEADS) if self.ref.startswith(HEADS) else None


def read_refs(repo: Repo) -> dict[str, str]:
    """``{ref name: commit id}`` of every branch and tag (peeled refs excluded)."""
    out: dict[str, str] = {}
    for name, sha in repo.refs.as_dict().items():
        ref = name.decode("utf-8", "surrogateescape")
        if ref.startswith((HEADS, TAGS)) and not ref.endswith("^{}"):
            out[ref] = sha.decode("ascii")
    return out


def diff_refs(before: dict[str, str], after: dict[str, str]) -> list[RefChange]:
    changes = []
    for ref in sorted(set(before) | set(after)):
        old, new = before.get(ref), after.get(ref)
        if old != new:
            changes.append(RefChange(ref, old, new))
    return changes


def point_head_at(repo: Repo, branch: str) -> None:
    """Make HEAD a symbolic ref to ``branch`` (what ``git clone`` checks out)."""
    target = f"{HEADS}{branch}".encode()
    if repo.refs.get_symrefs().get(b"HEAD") != target:
        repo.refs.set_symbolic_ref(b"HEAD", target)
