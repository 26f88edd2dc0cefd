"""irisops: the AWS ML lifecycle running for real on one laptop."""

__version__ = "0.1.0"
