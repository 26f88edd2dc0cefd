"""SageMaker's real work: job and endpoint containers following the /opt/ml contract."""
