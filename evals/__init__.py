"""Evaluation: datasets in the contract format, the matching rule, metrics and benchmarks."""
