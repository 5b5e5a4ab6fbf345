"""Run an evaluation dataset through the same code users call, in one process, and score it.

Every item is retrieved (top 10, for the retrieval metrics) and handled by its task:
qa and unanswerable items are asked (``Assistant.ask``), case items go to the case
finder, proposal items to the drafter. Scores are kept per item and aggregated overall,
by task and by difficulty, for each retrieval mode.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from tqdm import tqdm

from assistant.service import Assistant
from core.settings import Settings
from core.chunk_meta import BUILTIN

from .dataset import EvalItem, load_dataset
from .matching import evidence_matches
from .metrics import citation_scores, key_fact_recall, rouge_l, score_retrieval, token_f1

RETRIEVAL_METRICS = ("hit@1", "hit@5", "hit@10", "recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
ANSWER_METRICS = ("key_fact_recall", "token_f1", "rouge_l", "citation_recall", "citation_precision",
                  "faithfulness", "refused_unanswerable", "refused_answerable", "city_recall@5",
                  "proposal_key_facts", "proposal_sections")


@dataclass
class RunConfig:
    dataset: Path
    modes: tuple[str, ...] = ("hybrid",)
    generator: str = "extractive"
    corpus: Path | None = None
    judge: bool = False
    settings: Settings = field(default_factory=Settings)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def aggregate(items: list[dict], metrics: tuple[str, ...]) -> dict:
    """Mean of each metric over the items that have it: overall, by task, by difficulty."""
    def block(rows: list[dict]) -> dict:
        out = {m: _mean([r["scores"][m] for r in rows if r["scores"].get(m) is not None]) for m in metrics}
        out["n"] = len(rows)
        return out

    return {"overall": block(items),
            "by_task": {t: block([r for r in items if r["task"] == t]) for t in sorted({r["task"] for r in items})},
            "by_difficulty": {d: block([r for r in items if r["difficulty"] == d])
                              for d in ("easy", "medium", "hard") if any(r["difficulty"] == d for r in items)}}


def _retrieval_scores(chunks, item: EvalItem) -> tuple[dict, list[dict]]:
    rows = [{"doc": c.doc, "section": c.section, "text": c.text, "score": round(c.score, 6),
             "matched": [i for i, ev in enumerate(item.evidence) if evidence_matches(c.text, c.doc, ev)]}
            for c in chunks]
    if not item.evidence:
        return {}, rows
    s = score_retrieval([(c.doc, c.text) for c in chunks], item.evidence)
    return ({"hit@1": s.hit(1), "hit@5": s.hit(5), "hit@10": s.hit(10), "recall@1": s.recall(1),
             "recall@5": s.recall(5), "recall@10": s.recall(10), "mrr@10": s.mrr(10), "ndcg@10": s.ndcg(10)}, rows)


def evaluate_item(assistant: Assistant, item: EvalItem, mode: str, generator: str, finder, drafter,
                  judge=None) -> dict:
    t0 = time.perf_counter()
    _, chunks = assistant.search(item.question, k=10, mode=mode)
    scores, retrieved = _retrieval_scores(chunks, item)
    record = {"id": item.id, "task": item.task, "difficulty": item.difficulty, "mode": mode,
              "question": item.question, "gold": item.answer, "key_facts": item.key_facts,
              "evidence": item.evidence, "cities": item.cities, "retrieved": retrieved}
    tok = assistant.index.tokenizer.tokenize
    if item.task in ("qa", "unanswerable"):
        result = assistant.ask(item.question, mode=mode, generator=generator)
        record.update(answer=result.answer, refused=result.refused,
                      citations=[c.to_dict() for c in result.citations], unverified=result.unverified)
        if item.task == "unanswerable":
            scores["refused_unanswerable"] = 1.0 if result.refused else 0.0
        else:
            scores["refused_answerable"] = 1.0 if result.refused else 0.0
            scores["key_fact_recall"] = key_fact_recall(result.answer, item.key_facts)
            scores["token_f1"] = token_f1(tok(result.answer), tok(item.answer))
            scores["rouge_l"] = rouge_l(tok(result.answer), tok(item.answer))
            if not result.refused:
                cs = citation_scores(result.answer, {c.n: c.chunk.text for c in result.citations},
                                     [r.text for r in result.retrieved], assistant.index.tokenizer,
                                     assistant.settings.support_threshold)
                if cs:
                    scores.update(citation_recall=cs.recall, citation_precision=cs.precision,
                                  faithfulness=cs.faithfulness)
            if judge is not None:
                scores.update(judge.score(item, result))
    elif item.task == "case":
        hits = finder.find(item.question, k=5)
        record["answer"] = "；".join(f"{h.city}：{h.title}" for h in hits)
        record["cases"] = [h.to_dict() for h in hits]
        from .metrics import city_recall

        scores["city_recall@5"] = city_recall(item.cities, [h.city for h in hits], assistant.index.vocab)
    elif item.task == "proposal":
        from assistant.drafting import PROPOSAL_SECTIONS

        draft = drafter.proposal(item.question)
        md = draft.to_markdown()
        record["answer"] = md
        scores["proposal_key_facts"] = key_fact_recall(md, item.key_facts)
        scores["proposal_sections"] = sum(f"## {t}" in md for t in PROPOSAL_SECTIONS) / len(PROPOSAL_SECTIONS)
    record["scores"] = scores
    record["latency_ms"] = (time.perf_counter() - t0) * 1000
    return record


def knowledge_base(assistant: Assistant, corpus: Path | None, items=()) -> tuple[list[dict], list[str]]:
    """The documents the run searches, and Chinese warnings when they are not exactly the
    run's corpus: a home that also holds the built-in corpus or other documents scores
    differently, and the figures would otherwise not say so.

    The corpus is ``--corpus`` when given; otherwise (the web UI, a run over the knowledge
    base as it stands) it is the documents the dataset's evidence comes from."""
    from ingest.pipeline import collect_files

    docs = [{"doc": d["doc"], "origin": d["origin"], "chunks": d["chunks"]} for d in assistant.documents()
            if assistant.settings.use_builtin or d["origin"] != BUILTIN]
    if corpus is not None:
        wanted, named = {f.name for f in collect_files([corpus])[0]}, " --corpus "
    else:
        wanted, named = {e.get("doc", "") for i in items for e in i.evidence} - {""}, "评测集的出处文档"
    if not wanted:
        return docs, []
    have = {d["doc"] for d in docs}
    warnings = []
    extra = sorted(have - wanted)
    if extra:
        builtin = sum(d["origin"] == BUILTIN for d in docs if d["doc"] in extra)
        what = f"（其中内置知识库 {builtin} 个）" if builtin else ""
        warnings.append(f"知识库中另有 {len(extra)} 个文档不在{named}中{what}，得分会与只用这些文档时不同："
                        + "、".join(extra[:5]) + ("等" if len(extra) > 5 else ""))
    missing = sorted(wanted - have)
    if missing:
        warnings.append(f"{named.lstrip()}中有 {len(missing)} 个文档不在知识库中" + ("，引用它们的题目必然失分" if corpus is None else "")
                        + "：" + "、".join(missing[:5]) + ("等" if len(missing) > 5 else ""))
    return docs, warnings


def run(config: RunConfig, progress: bool = True, assistant: Assistant | None = None,
        on_progress=None) -> dict:
    """Ingest ``corpus`` when given, run every item in every mode, return the results.

    A server passes its own ``assistant`` (the knowledge base as it stands) and an
    ``on_progress(done, total)`` callback for its progress bar."""
    from assistant.cases import CaseFinder
    from assistant.drafting import Drafter

    t_start = time.perf_counter()
    assistant = assistant or Assistant(config.settings)
    ingest_s = 0.0
    if config.corpus:
        t = time.perf_counter()
        report = assistant.ingest([config.corpus], progress=progress)
        ingest_s = time.perf_counter() - t
        if report.failed:
            print(f"警告：{len(report.failed)} 个文件导入失败", flush=True)
    items = load_dataset(config.dataset)
    documents, warnings = knowledge_base(assistant, config.corpus, items)  # the CLI, UI and report say them
    judge = None
    if config.judge:
        from .judge import LLMJudge

        judge = LLMJudge(config.settings)
    finder, drafter = CaseFinder(assistant), Drafter(assistant)
    per_mode: dict[str, list[dict]] = {}
    bar = tqdm(total=len(items) * len(config.modes), unit="题", desc="评测", disable=None if progress else True)
    for mode in config.modes:
        rows = []
        for item in items:
            rows.append(evaluate_item(assistant, item, mode, config.generator, finder, drafter, judge))
            bar.update(1)
            if on_progress is not None:
                on_progress(bar.n, bar.total)
        per_mode[mode] = rows
    bar.close()
    metrics = RETRIEVAL_METRICS + ANSWER_METRICS + (("judge_faithfulness", "judge_correctness") if judge else ())
    return {
        "dataset": str(config.dataset), "corpus": str(config.corpus) if config.corpus else None,
        "home": str(config.settings.home), "generator": config.generator, "modes": list(config.modes),
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "timings_s": {"ingest": round(ingest_s, 2), "total": round(time.perf_counter() - t_start, 2)},
        "documents": documents, "warnings": warnings,
        "metrics": {mode: aggregate(rows, metrics) for mode, rows in per_mode.items()},
        "latency_ms": {mode: [round(r["latency_ms"], 1) for r in rows] for mode, rows in per_mode.items()},
        "items": [r for rows in per_mode.values() for r in rows],
        "metric_names": list(metrics),
    }


def write_run(results: dict, out: Path) -> tuple[Path, Path]:
    from .report import write_report

    out.mkdir(parents=True, exist_ok=True)
    path = out / "results.json"
    path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return path, write_report(results, out / "report.html")


def summary_table(results: dict, metrics: tuple[str, ...] = ("hit@5", "recall@5", "mrr@10", "ndcg@10",
                                                            "key_fact_recall", "rouge_l", "citation_recall",
                                                            "citation_precision", "refused_unanswerable",
                                                            "refused_answerable", "city_recall@5",
                                                            "proposal_key_facts")) -> str:
    header = f"{'mode':<8} " + " ".join(f"{m:>11}" for m in metrics)
    lines = [header]
    for mode, agg in results["metrics"].items():
        vals = [agg["overall"].get(m) for m in metrics]
        lines.append(f"{mode:<8} " + " ".join(f"{v:>11.3f}" if v is not None else f"{'—':>11}" for v in vals))
    return "\n".join(lines)

