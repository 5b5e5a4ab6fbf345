"""Compare two evaluation runs: metric deltas with a paired bootstrap over the items both
runs share, and the items that got worse, each with its answer before and after."""
from __future__ import annotations

import json
import random
from pathlib import Path

PRIMARY = ("key_fact_recall", "recall@5", "city_recall@5", "proposal_key_facts", "refused_unanswerable")


def load_run(path: Path) -> dict:
    path = Path(path)
    if path.is_dir():
        path = path / "results.json"
    return json.loads(path.read_text(encoding="utf-8"))


def paired_bootstrap(a: list[float], b: list[float], rounds: int = 2000, seed: int = 0) -> float:
    """Two-sided p-value for mean(b) − mean(a) ≠ 0, resampling paired items."""
    n = len(a)
    if n == 0:
        return 1.0
    diffs = [y - x for x, y in zip(a, b)]
    observed = sum(diffs) / n
    rng = random.Random(seed)
    centred = [d - observed for d in diffs]  # the null: no difference
    extreme = 0
    for _ in range(rounds):
        sample = sum(centred[rng.randrange(n)] for _ in range(n)) / n
        if abs(sample) >= abs(observed) - 1e-12:
            extreme += 1
    return extreme / rounds


def compare(run_a: dict, run_b: dict) -> dict:
    a_items = {(i["mode"], i["id"]): i for i in run_a["items"]}
    b_items = {(i["mode"], i["id"]): i for i in run_b["items"]}
    shared = sorted(set(a_items) & set(b_items))
    metrics = sorted({m for k in shared for m in a_items[k]["scores"]} & {m for k in shared for m in b_items[k]["scores"]})
    rows = []
    for m in metrics:
        pairs = [(a_items[k]["scores"][m], b_items[k]["scores"][m]) for k in shared
                 if a_items[k]["scores"].get(m) is not None and b_items[k]["scores"].get(m) is not None]
        if not pairs:
            continue
        a_vals, b_vals = [p[0] for p in pairs], [p[1] for p in pairs]
        mean_a, mean_b = sum(a_vals) / len(a_vals), sum(b_vals) / len(b_vals)
        p = paired_bootstrap(a_vals, b_vals)
        rows.append({"metric": m, "a": mean_a, "b": mean_b, "delta": mean_b - mean_a, "n": len(pairs), "p": p,
                     "note": "显著（p<0.05）" if p < 0.05 and mean_a != mean_b else "不显著"})
    worse = []
    for k in shared:
        a, b = a_items[k]["scores"], b_items[k]["scores"]
        drops = {m: (a[m], b[m]) for m in PRIMARY if a.get(m) is not None and b.get(m) is not None and b[m] < a[m]}
        if drops:
            worse.append({"mode": k[0], "id": k[1], "question": a_items[k]["question"], "drops": drops,
                          "before": a_items[k].get("answer", ""), "after": b_items[k].get("answer", "")})
    return {"shared_items": len(shared), "metrics": rows, "worse": worse}


def format_comparison(result: dict) -> str:
    lines = [f"共同题目：{result['shared_items']}", f"{'指标':<22}{'A':>8}{'B':>8}{'变化':>9}  显著性"]
    for r in result["metrics"]:
        lines.append(f"{r['metric']:<22}{r['a']:>8.3f}{r['b']:>8.3f}{r['delta']:>+9.3f}  {r['note']}（p={r['p']:.3f}，n={r['n']}）")
    lines.append(f"\n变差的题目：{len(result['worse'])}")
    for w in result["worse"]:
        drops = "，".join(f"{m} {x:.2f}→{y:.2f}" for m, (x, y) in w["drops"].items())
        lines += [f"- [{w['mode']}] {w['id']} {w['question']}（{drops}）",
                  f"    之前：{w['before'][:120]}", f"    之后：{w['after'][:120]}"]
    return "\n".join(lines)
