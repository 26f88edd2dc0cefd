"""Making commits from the API: PutFile, DeleteFile and CreateCommit (blocking).

A :class:`TreeEdit` holds the files of the parent commit's tree as a flat map, applies
puts, deletes and mode changes with CodeCommit's conflict rules, then writes the new
trees bottom-up. :func:`commit_to_branch` checks the branch and parent commit the way
CodeCommit does, writes the commit and moves the branch only if it still points at the
parent (a concurrent push makes the call fail with ParentCommitIdOutdatedException
instead of losing either change).
"""

from __future__ import annotations

import stat
import time
from dataclasses import dataclass, field
from typing import Any

from dulwich.objects import Blob, Commit, Tree
from dulwich.repo import Repo

from irisops.engines.git.refs import HEADS, TAGS
from irisops.services.codecommit.errors import CodeCommitError
from irisops.services.codecommit.trees import HEX_ID, NORMAL, commit_by_id, file_mode_name, flatten

GITKEEP = ".gitkeep"


@dataclass
class Author:
    name: str
    email: str
    message: str


@dataclass
class TreeEdit:
    files: dict[str, tuple[int, bytes]]
    base: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    @classmethod
    def of(cls, repo: Repo, tree: bytes | None) -> TreeEdit:
        files = flatten(repo, tree)
        return cls(files=dict(files), base=files)

    def has_file(self, path: str) -> bool:
        return path in self.files

    def is_directory(self, path: str) -> bool:
        prefix = path + "/"
        return any(name.startswith(prefix) for name in self.files)

    def put(self, repo: Repo, path: str, content: bytes, mode: int) -> str:
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if "/".join(parts[:depth]) in self.files:
                raise CodeCommitError("DirectoryNameConflictsWithFileNameException")
        if self.is_directory(path):
            raise CodeCommitError("FileNameConflictsWithDirectoryNameException")
        blob = Blob.from_string(content)
        repo.object_store.add_object(blob)
        self.files[path] = (mode, blob.id)
        return blob.id.decode()

    def delete(self, path: str, *, keep_empty_folders: bool = False) -> tuple[int, bytes]:
        if path not in self.files:
            raise CodeCommitError("FileDoesNotExistException")
        removed = self.files.pop(path)
        parent = path.rpartition("/")[0]
        if keep_empty_folders and parent and not self.is_directory(parent):
            self.files[f"{parent}/{GITKEEP}"] = (NORMAL, _empty_blob_id())
        return removed

    def set_mode(self, path: str, mode: int) -> None:
        if path not in self.files:
            raise CodeCommitError("FileDoesNotExistException")
        self.files[path] = (mode, self.files[path][1])

    def write(self, repo: Repo) -> bytes:
        """Write the trees of the edited files; returns the root tree id."""
        root: dict[str, Any] = {}
        for path, entry in self.files.items():
            node = root
            *dirs, name = path.split("/")
            for part in dirs:
                node = node.setdefault(part, {})
            node[name] = entry
        if any(path.endswith(f"/{GITKEEP}") for path in self.files):
            repo.object_store.add_object(Blob.from_string(b""))
        return _write_tree(repo, root)

    def summary(self) -> dict[str, list[dict[str, str]]]:
        """filesAdded / filesUpdated / filesDeleted against the parent tree."""
        added, updated, deleted = [], [], []
        for path, (mode, sha) in sorted(self.files.items()):
            before = self.base.get(path)
            meta = {"absolutePath": path, "blobId": sha.decode(), "fileMode": file_mode_name(mode)}
            if before is None:
                added.append(meta)
            elif before != (mode, sha):
                updated.append(meta)
        for path, (mode, sha) in sorted(self.base.items()):
            if path not in self.files:
                deleted.append(
                    {"absolutePath": path, "blobId": sha.decode(), "fileMode": file_mode_name(mode)}
                )
        return {"filesAdded": added, "filesUpdated": updated, "filesDeleted": deleted}


def _empty_blob_id() -> bytes:
    return Blob.from_string(b"").id


def _write_tree(repo: Repo, node: dict[str, Any]) -> bytes:
    tree = Tree()
    for name, child in node.items():
        if isinstance(child, dict):
            tree.add(name.encode(), stat.S_IFDIR, _write_tree(repo, child))
        else:
            mode, sha = child
            tree.add(name.encode(), mode, sha)
    repo.object_store.add_object(tree)
    return tree.id


def branch_parent(repo: Repo, branch: str, parent_id: str | None) -> Commit | None:
    """The commit a change to ``branch`` builds on, checked as CodeCommit checks it.

    An empty repository takes a first commit on any branch without a parent; otherwise
    the branch must exist and ``parent_id`` must be its tip.
    """
    refs = repo.refs.as_dict()
    tip = refs.get(f"{HEADS}{branch}".encode())
    if tip is None:
        if f"{TAGS}{branch}".encode() in refs:
            raise CodeCommitError("BranchNameIsTagNameException")
        if any(name.startswith(HEADS.encode()) for name in refs):
            raise CodeCommitError("BranchDoesNotExistException")
        if parent_id:
            raise CodeCommitError("ParentCommitDoesNotExistException")
        return None
    if not parent_id:
        raise CodeCommitError("ParentCommitIdRequiredException")
    if not HEX_ID.fullmatch(parent_id):
        raise CodeCommitError("InvalidParentCommitIdException")
    parent = commit_by_id(repo, parent_id)
    if parent is None:
        raise CodeCommitError("ParentCommitDoesNotExistException")
    if parent.id != tip:
        raise CodeCommitError("ParentCommitIdOutdatedException")
    return parent


def commit_to_branch(
    repo: Repo, branch: str, parent: Commit | None, tree: bytes, author: Author
) -> Commit:
    """Write a commit of ``tree`` on ``parent`` and move ``branch`` to it."""
    identity = f"{author.name} <{author.email}>".encode()
    now = int(time.time())
    commit = Commit()
    commit.tree = tree
    commit.parents = [parent.id] if parent is not None else []
    commit.author = commit.committer = identity
    commit.author_time = commit.commit_time = now
    commit.author_timezone = commit.commit_timezone = 0
    message = author.message
    commit.message = (message if not message or message.endswith("\n") else message + "\n").encode()
    repo.object_store.add_object(commit)
    ref = f"{HEADS}{branch}".encode()
    moved = (
        repo.refs.set_if_equals(ref, parent.id, commit.id)
        if parent is not None
        else repo.refs.add_if_new(ref, commit.id)
    )
    if not moved:
        raise CodeCommitError("ParentCommitIdOutdatedException")
    return commit
