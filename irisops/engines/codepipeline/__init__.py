"""CodePipeline executions: stage by stage, action by action, owned by a supervisor."""
