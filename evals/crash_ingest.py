"""Crash safety of ingest: kill the ingest process with SIGKILL at random points, restart
it, and check that the index ends identical to a clean ingest — same chunk ids, no
duplicates, no orphans, and the BM25 index agreeing with Chroma.

    python evals/crash_ingest.py [--kills 20] [--seed 0] [--corpus DIR]
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def ingest_cmd(home: Path, corpus: Path) -> list[str]:
    return [sys.executable, "-m", "ui.cli", "ingest", str(corpus), "--home", str(home), "--json", "-q"]


def snapshot(home: Path) -> dict:
    """Ids, per-document chunk counts and the BM25/Chroma agreement of a home."""
    from core.settings import Settings
    from index.knowledge_base import Index
    from index.lexical_index import LexicalIndex

    index = Index(Settings(home=home, use_builtin=False))
    ids = index.store.all_ids()
    metas = [m for _, _, m in index.store.iter_all(include_documents=False)]
    per_doc = Counter(m["source"] for m in metas)
    complete = all(per_doc[m["source"]] == m["n_chunks"] for m in metas)
    versions = {s: {m["doc_hash"] for m in metas if m["source"] == s} for s in per_doc}
    saved = LexicalIndex.load(index.lexical_path)
    return {"ids": sorted(ids), "duplicates": len(ids) - len(set(ids)), "per_doc": dict(per_doc),
            "complete": complete, "one_version": all(len(v) == 1 for v in versions.values()),
            "bm25_agrees": saved is not None and sorted(saved.ids) == sorted(ids)
            and saved.fingerprint == index.fingerprint()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--max-delay", type=float, default=2.5, help="latest kill, in seconds after start")
    args = ap.parse_args(argv)
    from evals.seed_home import SEEDS

    work = Path(tempfile.mkdtemp(prefix="scenario-crash-"))
    corpus = args.corpus
    if corpus is None:
        corpus = work / "corpus"
        corpus.mkdir()
        for name in ("002_9b8f723787f48edc.txt", "003_526c4979b4c9c5e9.txt"):  # the two short reports
            shutil.copy(SEEDS / name, corpus)
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parent.parent))
    clean = work / "clean"
    subprocess.run(ingest_cmd(clean, corpus), env=env, check=True, capture_output=True)
    expected = snapshot(clean)
    rng = random.Random(args.seed)
    crashed = work / "crashed"
    killed = attempts = 0
    t0 = time.perf_counter()
    files = sorted(corpus.glob("*.txt"))
    while killed < args.kills and attempts < 3 * args.kills:
        # change a file first, so that every run has a document to replace when it is killed
        victim = files[attempts % len(files)]
        victim.write_text(victim.read_text(encoding="utf-8") + f"\n附：第 {attempts} 次修订。\n", encoding="utf-8")
        attempts += 1
        proc = subprocess.Popen(ingest_cmd(crashed, corpus), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(0.5, args.max_delay))
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
    final = subprocess.run(ingest_cmd(crashed, corpus), env=env, capture_output=True, text=True)
    subprocess.run(ingest_cmd(clean, corpus), env=env, check=True, capture_output=True)  # clean index of the final files
    expected, got = snapshot(clean), snapshot(crashed)
    ok = (killed >= args.kills and final.returncode == 0 and got["ids"] == expected["ids"] and got["duplicates"] == 0 and got["complete"]
          and got["one_version"] and got["bm25_agrees"])
    print(f"kills: {killed} in {attempts} attempts ({time.perf_counter() - t0:.0f} s)")
    print(f"chunks: crashed home {len(got['ids'])}, clean home {len(expected['ids'])}; "
          f"same ids: {got['ids'] == expected['ids']}; duplicates: {got['duplicates']}; complete: {got['complete']}; "
          f"one version per document: {got['one_version']}; BM25 agrees with Chroma: {got['bm25_agrees']}")
    print("PASS" if ok else "FAIL")
    if not ok and final.returncode != 0:
        print(final.stdout[-2000:], final.stderr[-2000:])
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
