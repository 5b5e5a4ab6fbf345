"""Load on ``scenario serve``: many clients asking at once, mixed with an upload.

A home with the seed reports, the built-in corpus and one restricted document (group
规划局) is served on 127.0.0.1 by ``scenario serve`` in its own process. A single client
first asks every question once (the reference answers); then ``--clients`` clients, each
with its own token, ask ``--per-client`` questions each in their own order while an editor
uploads a new document. The run stops by itself at ``--deadline`` seconds.

It reports errors, answers that differ from the single-client run, any appearance of the
restricted document to users without its group, latency p50/p95 and the request rate.

    python evals/load_test.py [--workdir DIR] [--clients 20] [--per-client 50]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from evals.dataset import DEFAULT_DATASET  # noqa: E402
from evals.metrics import percentile  # noqa: E402
from evals.dataset import load_dataset  # noqa: E402

SECRET = "4321"  # the restricted document's figure: must never reach a user outside 规划局
SECRET_DOC = "restricted-changzhou.txt"
RESTRICTED = ("一、常州规划局内部材料\n\n2025年，常州在城市安全风险监测预警平台建设中部署桥梁传感器4321个，"
              "由常州市规划局牵头，预算为2468万元。")
RESTRICTED_QUESTIONS = ["常州部署了多少个桥梁传感器？", "常州城市安全风险监测预警平台的预算是多少？",
                        "常州市规划局牵头建设了什么平台？"]
UPLOAD = ("一、测试上传\n\n2025年，示例县在农村供水管网安装智能水表560只，漏损率下降到百分之九。")


@dataclass
class Outcome:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seen: list[tuple[str, tuple]] = field(default_factory=list)  # (question, signature) of every answer
    leaks: list[str] = field(default_factory=list)
    answers: int = 0

    def differing(self, allowed: dict[str, set]) -> list[str]:
        """Questions whose answer under load matched none of the single-client answers."""
        return [q for q, sig in self.seen if sig not in allowed[q]]


def signature(body: dict) -> tuple:
    """What must not change under load: the answer and the documents it cites."""
    return body["answer"], tuple(c["doc"] for c in body["citations"]), body["refused"]


def leaked(body: dict) -> bool:
    text = json.dumps(body, ensure_ascii=False)
    return SECRET in text or SECRET_DOC in text


def ask(client: httpx.Client, question: str) -> dict:
    r = client.post("/api/ask", json={"question": question})
    if r.status_code != 200:
        raise RuntimeError(f"HTTP {r.status_code}: {r.text[:200]}")
    return r.json()


def run_load(url: str, tokens: list[str], editor_token: str | None, questions: list[str], per_client: int,
             deadline_s: float, seed: int = 0) -> tuple[Outcome, float, bool]:
    """``len(tokens)`` clients ask ``per_client`` questions each; one upload runs alongside.
    Returns the outcome, the wall time, and whether the deadline cut the run short."""
    out = Outcome()
    lock = threading.Lock()
    stop_at = time.monotonic() + deadline_s
    timed_out = threading.Event()

    def client_thread(i: int, token: str) -> None:
        rng = random.Random(seed + i)
        order = [questions[rng.randrange(len(questions))] for _ in range(per_client)]
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
            for q in order:
                if time.monotonic() > stop_at:
                    timed_out.set()
                    return
                t0 = time.perf_counter()
                try:
                    body = ask(c, q)
                except Exception as e:  # noqa: BLE001 - every failure is counted, none stops the run
                    with lock:
                        out.errors.append(f"{q}: {e}")
                    continue
                ms = (time.perf_counter() - t0) * 1000
                with lock:
                    out.latencies_ms.append(ms)
                    out.answers += 1
                    out.seen.append((q, signature(body)))
                    if leaked(body):
                        out.leaks.append(q)

    def upload_thread() -> None:
        time.sleep(0.5)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {editor_token}"}, timeout=300) as c:
            try:
                r = c.post("/api/documents", files=[("files", ("load-upload.txt", UPLOAD.encode(), "text/plain"))],
                           data={"access": "公开"})
                if r.status_code != 200 or r.json()["failed"]:
                    with lock:
                        out.errors.append(f"upload: HTTP {r.status_code} {r.text[:200]}")
            except Exception as e:  # noqa: BLE001
                with lock:
                    out.errors.append(f"upload: {e}")

    threads = [threading.Thread(target=client_thread, args=(i, t)) for i, t in enumerate(tokens)]
    if editor_token:
        threads.append(threading.Thread(target=upload_thread))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=max(1.0, stop_at - time.monotonic() + 30))
    return out, time.perf_counter() - t0, timed_out.is_set()


def references(url: str, token: str, questions: list[str]) -> dict[str, tuple]:
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        return {q: signature(ask(c, q)) for q in questions}


def build_home(home: Path, clients: int) -> tuple[list[str], str]:
    """Seeds + built-in corpus + the restricted document; viewer tokens and an editor token."""
    from assistant.users import UserStore
    from evals.seed_home import seeded_assistant

    a = seeded_assistant(home, "load", seeds=True, builtin=True)
    extra = home.parent / "restricted"
    extra.mkdir(parents=True, exist_ok=True)
    (extra / SECRET_DOC).write_text(RESTRICTED, encoding="utf-8")
    a.ingest([extra / SECRET_DOC], progress=False, access="规划局")
    a.remove(["load-upload.txt"])  # a reused home starts without the upload
    users = UserStore(home)
    for name, role, groups in (("viewer", "viewer", ()), ("editor", "editor", ()), ("member", "viewer", ("规划局",))):
        users.add(name, f"{name}-password", role, groups, replace=True)
    return [users.issue_token("viewer", f"load-{i}") for i in range(clients)], users.issue_token("editor", "load")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--per-client", type=int, default=50)
    ap.add_argument("--deadline", type=float, default=900, help="seconds; the run stops by itself")
    ap.add_argument("--port", type=int, default=7872)
    args = ap.parse_args(argv)
    from evals.serving import wait_until_serving

    work = args.workdir or Path(tempfile.mkdtemp(prefix="scenario-load-"))
    home = work / "home"
    tokens, editor = build_home(home, args.clients)
    from assistant.users import UserStore

    member = UserStore(home).issue_token("member", "load")
    questions = [i.question for i in load_dataset(DEFAULT_DATASET) if i.task in ("qa", "unanswerable")][:47]
    questions += RESTRICTED_QUESTIONS
    env = {**os.environ, "SCENARIO_HOME": str(home)}
    log = open(work / "server.log", "w")  # noqa: SIM115 - kept open for the server's lifetime
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(args.port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{args.port}"
    try:
        if not wait_until_serving(url, 180, proc):
            print("server did not start", file=sys.stderr)
            return 1
        before = references(url, tokens[0], questions)
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {member}"}, timeout=60) as c:
            member_sees = sum(SECRET in ask(c, q)["answer"] for q in RESTRICTED_QUESTIONS)
        outcome, wall, timed_out = run_load(url, tokens, editor, questions, args.per_client, args.deadline)
        after = references(url, tokens[0], questions)
        # the upload may legitimately move an answer: an answer under load must equal the
        # single-client answer from before the upload or from after it
        changed_by_upload = [q for q in questions if before[q] != after[q]]
        differing = outcome.differing({q: {before[q], after[q]} for q in questions})
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    lat = outcome.latencies_ms
    print(f"clients: {args.clients} × {args.per_client} questions (+1 upload), {os.cpu_count()} cores, "
          f"extractive, hybrid, HTTP on 127.0.0.1")
    print(f"answers: {outcome.answers}, errors: {len(outcome.errors)}, differing from single-client: "
          f"{len(differing)}, restricted leaks: {len(outcome.leaks)}"
          + ("  (DEADLINE HIT)" if timed_out else ""))
    if lat:
        print(f"latency: p50 {statistics.median(lat):.0f} ms, p95 {percentile(lat, 0.95):.0f} ms, "
              f"max {max(lat):.0f} ms; rate {outcome.answers / wall:.1f} requests/s over {wall:.1f} s")
    print(f"answers changed by the upload (single-client before vs after): {len(changed_by_upload)}")
    print(f"a member of 规划局 sees the restricted figure in {member_sees}/{len(RESTRICTED_QUESTIONS)} of its questions")
    for e in outcome.errors[:5]:
        print("error:", e)
    for q in sorted(set(differing))[:5]:
        print("differs:", q)
    ok = not outcome.errors and not differing and not outcome.leaks and not timed_out
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
