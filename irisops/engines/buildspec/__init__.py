"""The buildspec v0.2 engine: parse and validate a buildspec, run its phases in one
shell state, collect its artifacts."""
