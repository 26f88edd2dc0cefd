"""SQLite tables of the ECR service.

An image is one manifest (stored byte for byte: its digest is the sha256 of ``manifest``)
in one repository; tags point at images and go with them. Blobs (layers, configs) are
files in the registry's content-addressed store, not rows.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS ecr_repositories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    tag_mutability TEXT NOT NULL DEFAULT 'MUTABLE',
    tag_mutability_filters TEXT NOT NULL DEFAULT '[]',
    scan_on_push INTEGER NOT NULL DEFAULT 0,
    encryption TEXT NOT NULL DEFAULT '{"encryptionType": "AES256"}',
    tags TEXT NOT NULL DEFAULT '[]',
    lifecycle_policy TEXT,
    UNIQUE (account, region, name)
);
CREATE TABLE IF NOT EXISTS ecr_images (
    repository_id INTEGER NOT NULL REFERENCES ecr_repositories(id) ON DELETE CASCADE,
    digest TEXT NOT NULL,
    media_type TEXT NOT NULL,
    artifact_media_type TEXT,
    size INTEGER NOT NULL,
    pushed_at INTEGER NOT NULL,
    manifest BLOB NOT NULL,
    PRIMARY KEY (repository_id, digest)
);
CREATE TABLE IF NOT EXISTS ecr_image_tags (
    repository_id INTEGER NOT NULL,
    tag TEXT NOT NULL,
    digest TEXT NOT NULL,
    PRIMARY KEY (repository_id, tag),
    FOREIGN KEY (repository_id, digest)
        REFERENCES ecr_images(repository_id, digest) ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS ecr_image_tags_by_digest ON ecr_image_tags (repository_id, digest);
"""
