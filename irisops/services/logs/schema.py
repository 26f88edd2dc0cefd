"""SQLite tables of the Logs service.

Events are ordered by ``(timestamp, id)``: ``id`` is the ingestion sequence
(AUTOINCREMENT, never reused, so a paging token that names an event id stays
meaningful after deletions). ``size`` (UTF-8 bytes of the message) sits before
``message`` so that sizing a page never reads message overflow pages.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS logs_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    creation_time INTEGER NOT NULL,
    retention_in_days INTEGER,
    kms_key_id TEXT,
    log_group_class TEXT NOT NULL DEFAULT 'STANDARD',
    deletion_protection INTEGER NOT NULL DEFAULT 0,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '{}',
    UNIQUE (account, region, name)
);
CREATE TABLE IF NOT EXISTS logs_streams (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    group_id INTEGER NOT NULL REFERENCES logs_groups(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    creation_time INTEGER NOT NULL,
    first_event_timestamp INTEGER,
    last_event_timestamp INTEGER,
    last_ingestion_time INTEGER,
    upload_sequence INTEGER NOT NULL DEFAULT 0,
    stored_bytes INTEGER NOT NULL DEFAULT 0,
    UNIQUE (group_id, name)
);
CREATE TABLE IF NOT EXISTS logs_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id INTEGER NOT NULL REFERENCES logs_streams(id) ON DELETE CASCADE,
    group_id INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    ingestion_time INTEGER NOT NULL,
    size INTEGER NOT NULL,
    message TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS logs_events_by_stream ON logs_events (stream_id, timestamp, id);
CREATE INDEX IF NOT EXISTS logs_events_by_group ON logs_events (group_id, timestamp, id);
"""
