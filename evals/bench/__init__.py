"""Benchmarks: scripts that measure the product and print figures (never timed assertions).

Each runs as ``python evals/bench/NAME.py --help``; the shared parts they measure with
(datasets, metrics, draft checks) live one level up in ``evals/``.
"""
