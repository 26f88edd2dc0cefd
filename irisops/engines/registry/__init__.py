"""An OCI distribution registry: content-addressed blob storage, manifest parsing and
the ``/v2/`` HTTP protocol. Which repositories exist, who may push and where manifests
are recorded is the backend's business (the ECR service)."""
