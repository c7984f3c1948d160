"""Benchmarks and evaluation harnesses for redline (run from the repository root)."""
