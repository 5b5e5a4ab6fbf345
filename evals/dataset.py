"""Evaluation datasets: JSONL, one item a line, in the contract format."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from core.errors import ScenarioError

TASKS = ("qa", "case", "proposal", "unanswerable")
DIFFICULTIES = ("easy", "medium", "hard")
DATASETS = Path(__file__).resolve().parent / "datasets"
DEFAULT_DATASET = DATASETS / "dev.jsonl"  # the regression set
YARDSTICK = DATASETS / "realistic.jsonl"  # written as users ask: the measure of answer quality
REQUIRED = ("id", "task", "question", "answer", "key_facts", "evidence", "cities", "difficulty")


@dataclass
class EvalItem:
    id: str
    task: str
    question: str
    answer: str
    key_facts: list[str]
    evidence: list[dict]
    cities: list[str]
    difficulty: str
    extra: dict = field(default_factory=dict)

    @property
    def answerable(self) -> bool:
        return self.task != "unanswerable"


def load_dataset(path: Path) -> list[EvalItem]:
    """The items; a line that is not one (another kind of JSONL, e.g. a calibration file)
    is a Chinese error naming the line and field, not a KeyError in the middle of a run."""
    items = []
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            raise ScenarioError(f"{Path(path).name} 第 {n} 行不是合法的 JSON（{e.msg}）") from None
        missing = [k for k in REQUIRED if k not in d] if isinstance(d, dict) else list(REQUIRED)
        if missing:
            raise ScenarioError(f"{Path(path).name} 第 {n} 行：缺少字段 {', '.join(missing)}，不是评测集")
        items.append(EvalItem(**{k: d[k] for k in REQUIRED},
                              extra={k: v for k, v in d.items() if k not in REQUIRED}))
    return items


def validate_dataset(path: Path, corpus_dir: Path | None = None) -> list[str]:
    """Problems found, one message per broken line (empty when the dataset is valid)."""
    from .matching import normalize

    problems: list[str] = []
    seen: set[str] = set()
    docs: dict[str, str] = {}
    for n, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            d = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"第 {n} 行：不是合法的 JSON（{e.msg}）")
            continue
        if not isinstance(d, dict):
            problems.append(f"第 {n} 行：应为 JSON 对象")
            continue
        missing = [k for k in REQUIRED if k not in d]
        if missing:
            problems.append(f"第 {n} 行：缺少字段 {', '.join(missing)}")
            continue
        if d["id"] in seen:
            problems.append(f"第 {n} 行：id 重复：{d['id']}")
        seen.add(d["id"])
        if d["task"] not in TASKS:
            problems.append(f"第 {n} 行：task 无效：{d['task']!r}")
        if d["difficulty"] not in DIFFICULTIES:
            problems.append(f"第 {n} 行：difficulty 无效：{d['difficulty']!r}")
        if d["task"] != "unanswerable" and not d["evidence"]:
            problems.append(f"第 {n} 行：可回答的题目必须给出 evidence")
        if corpus_dir is None:
            continue
        for ev in d["evidence"]:
            doc = ev.get("doc", "")
            if doc not in docs:
                p = Path(corpus_dir) / doc
                docs[doc] = p.read_text(encoding="utf-8") if p.is_file() else None
            if docs[doc] is None:
                problems.append(f"第 {n} 行：evidence 文档不存在：{doc}")
            elif ev.get("quote", "") not in docs[doc]:
                problems.append(f"第 {n} 行：引文不是 {doc} 的原文片段：{ev.get('quote', '')[:30]}…")
        if d["task"] == "qa" and d["evidence"]:
            ev_text = normalize("".join(e.get("quote", "") for e in d["evidence"]))
            for fact in d["key_facts"]:
                if normalize(fact) not in ev_text:
                    problems.append(f"第 {n} 行：关键事实不在引文中：{fact}")
    if not seen and not problems:
        problems.append("评测集中没有题目")
    return problems
