"""SQLite tables of the CodePipeline service.

A pipeline keeps every version of its declaration (GetPipeline takes ``version``). An
execution runs the declaration it started with (its own copy), so an UpdatePipeline
never changes a running execution. Stage and action executions are one row per
execution of a stage or action; their history is what GetPipelineState,
ListActionExecutions and GetPipelineExecution read. Artifact locations and source
revisions live on the action execution that produced them.
"""

from __future__ import annotations

SCHEMA = """
CREATE TABLE IF NOT EXISTS codepipeline_pipelines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region TEXT NOT NULL,
    name TEXT NOT NULL,
    version INTEGER NOT NULL,
    declaration TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    tags TEXT NOT NULL DEFAULT '[]',
    UNIQUE (account, region, name)
);
CREATE TABLE IF NOT EXISTS codepipeline_pipeline_versions (
    pipeline_id INTEGER NOT NULL REFERENCES codepipeline_pipelines(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    declaration TEXT NOT NULL,
    PRIMARY KEY (pipeline_id, version)
);
CREATE TABLE IF NOT EXISTS codepipeline_executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    pipeline_id INTEGER NOT NULL REFERENCES codepipeline_pipelines(id) ON DELETE CASCADE,
    pipeline_version INTEGER NOT NULL,
    declaration TEXT NOT NULL,
    status TEXT NOT NULL,
    status_summary TEXT,
    trigger_type TEXT NOT NULL,
    trigger_detail TEXT,
    client_request_token TEXT,
    source_overrides TEXT NOT NULL DEFAULT '{}',
    variables TEXT NOT NULL DEFAULT '[]',
    stop_reason TEXT,
    stop_abandon INTEGER NOT NULL DEFAULT 0,
    start_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS codepipeline_executions_by_pipeline
    ON codepipeline_executions (pipeline_id, seq);
CREATE TABLE IF NOT EXISTS codepipeline_stage_executions (
    execution_id TEXT NOT NULL REFERENCES codepipeline_executions(id) ON DELETE CASCADE,
    pipeline_id INTEGER NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    updated INTEGER NOT NULL,
    entered_seq INTEGER NOT NULL,
    PRIMARY KEY (execution_id, stage)
);
CREATE INDEX IF NOT EXISTS codepipeline_stage_executions_by_pipeline
    ON codepipeline_stage_executions (pipeline_id, stage, entered_seq);
CREATE TABLE IF NOT EXISTS codepipeline_action_executions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    execution_id TEXT NOT NULL REFERENCES codepipeline_executions(id) ON DELETE CASCADE,
    pipeline_id INTEGER NOT NULL,
    pipeline_version INTEGER NOT NULL,
    stage TEXT NOT NULL,
    action TEXT NOT NULL,
    status TEXT NOT NULL,
    summary TEXT,
    start_time INTEGER NOT NULL,
    last_update_time INTEGER NOT NULL,
    external_execution_id TEXT,
    external_execution_url TEXT,
    error_code TEXT,
    error_message TEXT,
    token TEXT,
    approval_status TEXT,
    approval_summary TEXT,
    updated_by TEXT,
    input TEXT NOT NULL DEFAULT '{}',
    output_artifacts TEXT NOT NULL DEFAULT '[]',
    output_variables TEXT NOT NULL DEFAULT '{}',
    revision TEXT
);
CREATE INDEX IF NOT EXISTS codepipeline_action_executions_by_pipeline
    ON codepipeline_action_executions (pipeline_id, stage, action, seq);
CREATE INDEX IF NOT EXISTS codepipeline_action_executions_by_execution
    ON codepipeline_action_executions (execution_id, seq);
CREATE INDEX IF NOT EXISTS codepipeline_action_executions_by_token
    ON codepipeline_action_executions (token);
"""
