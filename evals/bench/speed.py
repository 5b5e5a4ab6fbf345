"""Speed on this machine, with the five seed reports:

- ingest from cold (empty home, empty embedding cache);
- re-ingest with nothing changed;
- warm ``ask`` latency (p50 / p95 over the questions of the realistic and development
  sets, extractive, hybrid, seeds only);
- a new process to its first answer (``scenario ask`` in a subprocess, on the built home).

    python evals/bench/speed.py [--workdir DIR]
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from assistant.service import Assistant  # noqa: E402
from evals.dataset import DEFAULT_DATASET, load_dataset  # noqa: E402
from evals.metrics import percentile  # noqa: E402
from evals.seed_home import seed_files, seed_settings  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scenario-speed-"))
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    files = seed_files()

    t0 = time.perf_counter()
    assistant = Assistant(seed_settings(home))
    report = assistant.ingest(files, progress=False)
    cold = time.perf_counter() - t0
    chunks = report.total_chunks

    t0 = time.perf_counter()
    again = Assistant(seed_settings(home)).ingest(files, progress=False)
    rerun = time.perf_counter() - t0
    assert again.count("unchanged") == len(files)

    warm = {}
    for path in (DEFAULT_DATASET.parent / "realistic.jsonl", DEFAULT_DATASET):
        questions = [i.question for i in load_dataset(path)]
        assistant.ask(questions[0])  # warm-up: tokenizer, BM25 index, composer
        latencies = []
        for q in questions:
            t = time.perf_counter()
            assistant.ask(q)
            latencies.append((time.perf_counter() - t) * 1000)
        warm[path.name] = latencies

    env = dict(os.environ, SCENARIO_HOME=str(home))
    firsts = []
    for _ in range(3):
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-m", "ui.cli", "ask", "无锡开放了多少个场景机会？", "--json",
                              "--no-builtin"], env=env, capture_output=True, text=True, check=True)
        firsts.append(time.perf_counter() - t)
        assert "85个" in out.stdout

    print(f"seeds: {len(files)} files, {chunks} chunks, {sum(f.stat().st_size for f in files) / 1024:.0f} KB")
    print(f"ingest from cold:            {cold:6.1f} s   (target ≤ 90 s)")
    print(f"re-ingest, nothing changed:  {rerun:6.2f} s   (target ≤ 5 s)")
    for name, latencies in warm.items():
        print(f"warm ask p50 / p95:          {statistics.median(latencies):6.1f} / {percentile(latencies, 0.95):.1f} ms"
              f"   ({name}, n={len(latencies)}; target p50 ≤ 100 ms, p95 ≤ 200 ms)")
    print(f"new process to first answer: {statistics.median(firsts):6.2f} s   (median of 3; target ≤ 5 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
