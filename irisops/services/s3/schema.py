"""S3's tables.

Object rows are keyed (and, WITHOUT ROWID, stored) in (bucket, key) order: SQLite's
BINARY collation compares the UTF-8 bytes of a key, which is S3's listing order.
``attrs`` holds the descriptive fields of an object as JSON (standard headers, user
metadata, tags, encryption), NULL when there are none, so that the common HEAD/GET reads
one short row and decodes nothing.
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS s3_buckets (
    name TEXT PRIMARY KEY,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    created INTEGER NOT NULL,
    tags TEXT
);
CREATE INDEX IF NOT EXISTS s3_buckets_by_account ON s3_buckets (account, name);

CREATE TABLE IF NOT EXISTS s3_objects (
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified INTEGER NOT NULL,
    content_type TEXT,
    storage_class TEXT NOT NULL,
    checksum_algorithm TEXT,
    checksum TEXT,
    checksum_type TEXT,
    parts TEXT,
    tag_count INTEGER NOT NULL DEFAULT 0,
    attrs TEXT,
    PRIMARY KEY (bucket, key)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS s3_uploads (
    upload_id TEXT PRIMARY KEY,
    bucket TEXT NOT NULL,
    key TEXT NOT NULL,
    account TEXT NOT NULL,
    initiated INTEGER NOT NULL,
    content_type TEXT,
    storage_class TEXT NOT NULL,
    checksum_algorithm TEXT,
    checksum_type TEXT,
    attrs TEXT
);
CREATE INDEX IF NOT EXISTS s3_uploads_by_key ON s3_uploads (bucket, key, initiated, upload_id);

CREATE TABLE IF NOT EXISTS s3_parts (
    upload_id TEXT NOT NULL,
    part_number INTEGER NOT NULL,
    blob TEXT NOT NULL,
    size INTEGER NOT NULL,
    etag TEXT NOT NULL,
    modified INTEGER NOT NULL,
    checksum TEXT,
    PRIMARY KEY (upload_id, part_number)
) WITHOUT ROWID;
"""
