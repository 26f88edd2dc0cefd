"""Running CodeBuild builds: the plan of one build, its sources, environment, logs, the
runner that walks the phases and the supervisor that owns the running builds."""
