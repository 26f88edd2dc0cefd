"""SQLite tables of the CodeCommit service.

``codecommit_refs`` mirrors each repository's branch and tag refs as last recorded;
every change to it is one row of ``codecommit_ref_updates`` written in the same
transaction. At start the refs on disk are compared with the mirror, so a push whose
refs moved just before a crash is still recorded (and published).
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS codecommit_repositories (
    id TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    default_branch TEXT,
    kms_key_id TEXT,
    creation_date INTEGER NOT NULL,
    last_modified_date INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '{}',
    UNIQUE (account, region, name)
);
CREATE TABLE IF NOT EXISTS codecommit_refs (
    repository_id TEXT NOT NULL REFERENCES codecommit_repositories(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    commit_id TEXT NOT NULL,
    PRIMARY KEY (repository_id, name)
);
CREATE TABLE IF NOT EXISTS codecommit_ref_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repository_id TEXT NOT NULL REFERENCES codecommit_repositories(id) ON DELETE CASCADE,
    ref TEXT NOT NULL,
    old_commit_id TEXT,
    new_commit_id TEXT,
    via TEXT NOT NULL,
    time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS codecommit_ref_updates_by_repo
    ON codecommit_ref_updates (repository_id, id);
"""
