"""SageMaker engines: jobs and endpoints as real containers."""
