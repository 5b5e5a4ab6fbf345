"""Crash safety: 20 SIGKILLs of real ingest processes at random points, then a restart;
the index must equal a clean ingest of the same files (see evals/crash_ingest.py)."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow  # kills and restarts ingests of the seeds


def test_sigkilled_ingests_end_identical_to_a_clean_ingest(seeds_dir, capsys):
    from evals.crash_ingest import main

    assert main(["--kills", "20", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert "kills: 20 in" in out and "same ids: True; duplicates: 0" in out and "PASS" in out
