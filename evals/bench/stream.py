"""Time to first streamed token over HTTP: ``scenario serve`` in its own process on
127.0.0.1, questions sent one at a time to ``POST /api/ask`` with ``"stream": true``
(the extractive generator), timing the first ``delta`` event and the final ``result``;
and the same questions through the OpenAI-compatible ``POST /v1/chat/completions`` with
``"stream": true``, timing the first ``data:`` chunk whose ``choices[0].delta.content``
is not empty (the opening chunk carries only the role) and the ``data: [DONE]``. Each
question goes to both endpoints in turn, the order alternating from one question to the
next: the endpoint asked second finds the question's query vectors already cached,
so each endpoint's headline figures are from the questions it was asked first, and the
cached (second-asked) figures are printed beside them.

The knowledge base is the seed reports plus the built-in corpus (built once in a work
folder); the first question is a warm-up and is not counted.

    python evals/bench/stream.py [--workdir DIR] [-n 100]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evals.dataset import DEFAULT_DATASET  # noqa: E402
from evals.metrics import percentile  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402
from evals.seed_home import seeded_assistant  # noqa: E402
from evals.serving import wait_until_serving  # noqa: E402


def first_token(client: httpx.Client, question: str) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    first = None
    with client.stream("POST", "/api/ask", json={"question": question, "stream": True}) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if line.startswith("event: delta") and first is None:
                first = time.perf_counter() - t0
            if line.startswith("event: error"):
                raise RuntimeError(f"server error for {question!r}")
    total = time.perf_counter() - t0
    return (first if first is not None else total) * 1000, total * 1000, question


def first_token_openai(client: httpx.Client, question: str) -> tuple[float, float, str]:
    t0 = time.perf_counter()
    first = None
    body = {"model": "scenario-hybrid", "stream": True, "messages": [{"role": "user", "content": question}]}
    with client.stream("POST", "/v1/chat/completions", json=body) as r:
        r.raise_for_status()
        for line in r.iter_lines():
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            chunk = json.loads(line[6:])
            if "error" in chunk:
                raise RuntimeError(f"server error for {question!r}: {chunk['error']['message']}")
            if first is None and (chunk["choices"][0]["delta"].get("content") or ""):
                first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    return (first if first is not None else total) * 1000, total * 1000, question


def _summary(name: str, rows: list[tuple[float, float, str]]) -> tuple[float, float]:
    ttft = [r[0] for r in rows]
    total = [r[1] for r in rows]
    p50, p95 = statistics.median(ttft), percentile(ttft, 0.95)
    print(f"{name}: first streamed token p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {max(ttft):.1f} ms; "
          f"whole stream p50 {statistics.median(total):.1f} ms, p95 {percentile(total, 0.95):.1f} ms")
    slow = sorted(rows, reverse=True)[:3]
    print("  slowest first tokens: " + "; ".join(f"{q[:20]}… {t:.0f} ms" for t, _, q in slow))
    return p50, p95


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("-n", type=int, default=100, help="questions to time")
    ap.add_argument("--port", type=int, default=7871)
    args = ap.parse_args(argv)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="scenario-stream-"))
    home = work / "home"
    seeded_assistant(home, "stream", seeds=True, builtin=True)  # build (or reuse) the home
    env = {**os.environ, "SCENARIO_HOME": str(home)}
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(args.port)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{args.port}"
    try:
        if not wait_until_serving(url, 120, proc):
            print("server did not start", file=sys.stderr)
            return 1
        questions = [i.question for i in load_dataset(DEFAULT_DATASET) if i.task in ("qa", "unanswerable")]
        timed = {(e, k): [] for e in ("ask", "v1") for k in ("first", "cached")}
        with httpx.Client(base_url=url, timeout=60) as client:
            first_token(client, questions[0])  # warm-up
            first_token_openai(client, questions[0])
            for i, q in enumerate(questions[1: args.n + 1]):
                order = [("ask", first_token), ("v1", first_token_openai)]
                for k, (name, call) in zip(("first", "cached"), order if i % 2 == 0 else order[::-1]):
                    timed[name, k].append(call(client, q))
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    n = sum(len(v) for v in timed.values()) // 2
    print(f"questions: {n} (extractive generator, hybrid retrieval, HTTP on 127.0.0.1, {os.cpu_count()} cores); "
          "each endpoint asked first on alternate questions")
    ask = _summary("POST /api/ask (stream), asked first", timed["ask", "first"])
    chat = _summary("POST /v1/chat/completions (stream), asked first", timed["v1", "first"])
    print(f"/v1 ÷ /api/ask: p50 {chat[0] / ask[0]:.2f}×, p95 {chat[1] / ask[1]:.2f}×")
    _summary("POST /api/ask (stream), asked second", timed["ask", "cached"])
    _summary("POST /v1/chat/completions (stream), asked second", timed["v1", "cached"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
