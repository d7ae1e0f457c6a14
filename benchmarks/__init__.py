"""Benchmarks: run them as scripts (see benchmarks/README.md)."""
