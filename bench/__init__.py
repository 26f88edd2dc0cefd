"""Benchmarks: irisops against baselines measured in the same run (see run.py)."""
