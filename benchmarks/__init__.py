"""Benchmarks of the handbook generator (issue 7): ``python -m benchmarks``."""
