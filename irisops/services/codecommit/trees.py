"""Reading commits, trees and blobs the way the CodeCommit API shows them (blocking).

Paths are repository-relative with ``/`` separators; a leading ``/`` is accepted, as the
API accepts ``/README.md``. Commit specifiers are a branch, a tag or a full commit id;
none means the repository's default branch.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from typing import Any

from dulwich.diff_tree import tree_changes
from dulwich.objects import Blob, Commit, Tag, Tree
from dulwich.repo import Repo

from irisops.engines.git.refs import HEADS, TAGS
from irisops.services.codecommit.errors import CodeCommitError

HEX_ID = re.compile(r"[0-9a-f]{40}")
GITLINK = 0o160000
SYMLINK = 0o120000
NORMAL = 0o100644
EXECUTABLE = 0o100755
#: GetFile and GetBlob answer files up to 6 MB (FileContent's maximum in the model).
MAX_FILE_BYTES = 6 * 1024 * 1024
MODE_BITS = {"NORMAL": NORMAL, "EXECUTABLE": EXECUTABLE, "SYMLINK": SYMLINK}


def file_mode_name(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "SYMLINK"
    return "EXECUTABLE" if mode & 0o111 else "NORMAL"


def split_path(path: str | None, *, allow_root: bool = False) -> list[str]:
    """The components of an API path; InvalidPathException for ``..``, ``.git``, empty
    components (``a//b``) or a trailing ``/`` on a file path."""
    if path is None:
        raise CodeCommitError("PathRequiredException")
    text = path[1:] if path.startswith("/") else path
    if allow_root:
        text = text.rstrip("/")
        if not text:
            return []
    parts = text.split("/")
    if not text or any(p in ("", ".", "..", ".git") or "\0" in p for p in parts):
        raise CodeCommitError("InvalidPathException")
    return parts


def peel_to_commit(repo: Repo, sha: bytes) -> Commit | None:
    obj: Any = repo.object_store[sha]
    while isinstance(obj, Tag):
        obj = repo.object_store[obj.object[1]]
    return obj if isinstance(obj, Commit) else None


def resolve(repo: Repo, specifier: str | None, default_branch: str | None) -> Commit:
    """The commit a specifier names; CommitDoesNotExistException otherwise."""
    name = specifier or default_branch
    if not name:
        raise CodeCommitError("CommitDoesNotExistException")
    refs = repo.refs.as_dict()
    for ref in (f"{HEADS}{name}", f"{TAGS}{name}"):
        sha = refs.get(ref.encode())
        if sha is not None:
            commit = peel_to_commit(repo, sha)
            if commit is not None:
                return commit
    if HEX_ID.fullmatch(name) and name.encode() in repo.object_store:
        commit = peel_to_commit(repo, name.encode())
        if commit is not None:
            return commit
    raise CodeCommitError("CommitDoesNotExistException", f"Could not find commit {name}")


def commit_by_id(repo: Repo, commit_id: str) -> Commit | None:
    if not HEX_ID.fullmatch(commit_id) or commit_id.encode() not in repo.object_store:
        return None
    obj = repo.object_store[commit_id.encode()]
    return obj if isinstance(obj, Commit) else None


def _user(identity: bytes, when: int, offset: int) -> dict[str, str]:
    text = identity.decode("utf-8", "replace")
    name, _, email = text.partition(" <")
    sign = "-" if offset < 0 else "+"
    minutes = abs(offset) // 60
    return {
        "name": name,
        "email": email.rstrip(">"),
        "date": f"{when} {sign}{minutes // 60:02d}{minutes % 60:02d}",
    }


def describe_commit(commit: Commit) -> dict[str, Any]:
    return {
        "commitId": commit.id.decode(),
        "treeId": commit.tree.decode(),
        "parents": [p.decode() for p in commit.parents],
        "message": commit.message.decode("utf-8", "replace"),
        "author": _user(commit.author, commit.author_time, commit.author_timezone),
        "committer": _user(commit.committer, commit.commit_time, commit.commit_timezone),
        "additionalData": "",
    }


def tree_at(repo: Repo, root: bytes, parts: list[str]) -> Tree | None:
    """The tree at ``parts`` under ``root``, or None when it is missing or not a tree."""
    tree: Any = repo.object_store[root]
    for part in parts:
        if not isinstance(tree, Tree) or part.encode() not in tree:
            return None
        mode, sha = tree[part.encode()]
        if not stat.S_ISDIR(mode):
            return None
        tree = repo.object_store[sha]
    return tree if isinstance(tree, Tree) else None


def entry_at(repo: Repo, root: bytes, parts: list[str]) -> tuple[int, bytes] | None:
    """``(mode, sha)`` of the entry at ``parts``, or None."""
    parent = tree_at(repo, root, parts[:-1])
    if parent is None or parts[-1].encode() not in parent:
        return None
    mode, sha = parent[parts[-1].encode()]
    return mode, sha


def flatten(repo: Repo, root: bytes | None) -> dict[str, tuple[int, bytes]]:
    """Every file (blob, symlink, submodule) of a tree: ``{path: (mode, sha)}``."""
    if root is None:
        return {}
    return {
        entry.path.decode("utf-8", "surrogateescape"): (entry.mode, entry.sha)
        for entry in repo.object_store.iter_tree_contents(root)
    }


def read_file(repo: Repo, commit: Commit, path: str | None) -> dict[str, Any]:
    parts = split_path(path)
    found = entry_at(repo, commit.tree, parts)
    if found is None or stat.S_ISDIR(found[0]) or found[0] == GITLINK:
        raise CodeCommitError("FileDoesNotExistException")
    mode, sha = found
    blob = repo.object_store[sha]
    assert isinstance(blob, Blob)
    content = blob.as_raw_string()
    if len(content) > MAX_FILE_BYTES:
        raise CodeCommitError("FileTooLargeException")
    return {
        "commitId": commit.id.decode(),
        "blobId": sha.decode(),
        "filePath": "/".join(parts),
        "fileMode": file_mode_name(mode),
        "fileSize": len(content),
        "fileContent": content,
    }


def read_folder(repo: Repo, commit: Commit, path: str | None) -> dict[str, Any]:
    parts = split_path(path, allow_root=True)
    tree = tree_at(repo, commit.tree, parts)
    if tree is None:
        raise CodeCommitError("FolderDoesNotExistException")
    base = "/".join(parts)
    out: dict[str, Any] = {
        "commitId": commit.id.decode(),
        "folderPath": base or "/",
        "treeId": tree.id.decode(),
        "subFolders": [],
        "files": [],
        "symbolicLinks": [],
        "subModules": [],
    }
    for item in tree.iteritems():
        name = item.path.decode("utf-8", "surrogateescape")
        absolute = f"{base}/{name}" if base else name
        sha = item.sha.decode()
        if stat.S_ISDIR(item.mode):
            out["subFolders"].append(
                {"treeId": sha, "absolutePath": absolute, "relativePath": name}
            )
        elif item.mode == GITLINK:
            out["subModules"].append(
                {"commitId": sha, "absolutePath": absolute, "relativePath": name}
            )
        else:
            key = "symbolicLinks" if stat.S_ISLNK(item.mode) else "files"
            out[key].append(
                {
                    "blobId": sha,
                    "absolutePath": absolute,
                    "relativePath": name,
                    "fileMode": file_mode_name(item.mode),
                }
            )
    return out


def _under(path: bytes | None, prefix: str | None) -> bool:
    if not prefix:
        return True
    if path is None:
        return False
    text = path.decode("utf-8", "surrogateescape")
    return text == prefix or text.startswith(prefix + "/")


def _blob(path: bytes | None, mode: int | None, sha: bytes | None) -> dict[str, str] | None:
    if path is None or sha is None or mode is None:
        return None
    return {
        "blobId": sha.decode(),
        "path": path.decode("utf-8", "surrogateescape"),
        "mode": f"{mode:o}",
    }


def differences(
    repo: Repo,
    before: bytes | None,
    after: bytes,
    before_path: str | None,
    after_path: str | None,
) -> Iterator[dict[str, Any]]:
    """Files added (A), modified (M) and deleted (D) from tree ``before`` to ``after``
    (no rename detection: a move is a D and an A), limited to the given paths."""
    for change in tree_changes(repo.object_store, before, after):
        old, new = change.old, change.new
        old_path = old.path if old is not None else None
        new_path = new.path if new is not None else None
        prefixes = [p for p in (before_path, after_path) if p]
        if prefixes and not any(_under(old_path, p) or _under(new_path, p) for p in prefixes):
            continue
        before_blob = _blob(old_path, old.mode if old else None, old.sha if old else None)
        after_blob = _blob(new_path, new.mode if new else None, new.sha if new else None)
        if before_blob is None and after_blob is None:
            continue
        item: dict[str, Any] = {}
        if before_blob is not None:
            item["beforeBlob"] = before_blob
        if after_blob is not None:
            item["afterBlob"] = after_blob
        item["changeType"] = "A" if before_blob is None else "D" if after_blob is None else "M"
        yield item
