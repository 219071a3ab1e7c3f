"""Op wrappers of fp4-mlir's dialects (nvfp4)."""
