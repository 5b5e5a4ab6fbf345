"""The shared kernel every stage imports: errors (with their CLI exit codes and HTTP
statuses), settings and access labels.

It imports nothing from ``ingest``, ``assistant``, ``ui`` or ``evals``: imports go only
downward (ui/evals → assistant → ingest → core), which ``tests/test_layout.py`` checks.
"""
