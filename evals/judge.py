"""The optional LLM judge: faithfulness (is the answer supported by the passages it
cites?) and correctness (does it agree with the gold answer?), with Chinese prompts,
a verdict parser that reads the 结论 and 分数 fields (never "yes" anywhere in the
text), and a cache so that a re-run costs nothing."""
from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass

from core.errors import ConfigError
from core.settings import Settings

FAITHFULNESS_PROMPT = """请判断“回答”是否完全由“资料”支持：回答中的每个事实、数字和名称都必须能在资料中找到依据。
只按下面的格式输出两行，不要解释：
结论：是 或 否
分数：0到5的整数（5表示完全支持）

资料：
{passages}

回答：
{answer}"""

CORRECTNESS_PROMPT = """请判断“回答”与“参考答案”在事实上是否一致（措辞可以不同，数字和名称必须一致）。
只按下面的格式输出两行，不要解释：
结论：是 或 否
分数：0到5的整数（5表示完全一致）

问题：{question}
参考答案：{gold}
回答：{answer}"""

_VERDICT = re.compile(r"结论\s*[:：]\s*(是|否|正确|错误|支持|不支持)")
_SCORE = re.compile(r"分数\s*[:：]\s*([0-5](?:\.\d)?)")


@dataclass
class Verdict:
    yes: bool | None  # None when the judge's output could not be read
    score: float | None

    @property
    def value(self) -> float | None:
        """0–1: the score when given, else the yes/no verdict."""
        if self.score is not None:
            return self.score / 5
        return None if self.yes is None else float(self.yes)


def parse_verdict(text: str) -> Verdict:
    """Read the 结论 and 分数 fields. A bare leading 是/否 also counts; an English "yes"
    buried in prose does not, nor does a 是 inside a sentence (“这是错误的”)."""
    text = (text or "").strip()
    m = _VERDICT.search(text)
    yes: bool | None
    if m:
        yes = m.group(1) in ("是", "正确", "支持")
    else:
        first = re.match(r"^[\s*#>]*([是否])(?:[\s，。,.!！]|$)", text)
        yes = (first.group(1) == "是") if first else None
    s = _SCORE.search(text)
    score = float(s.group(1)) if s else None
    return Verdict(yes, score)


class JudgeCache:
    def __init__(self, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(str(path))
        self.db.execute("CREATE TABLE IF NOT EXISTS verdicts (key TEXT PRIMARY KEY, output TEXT)")

    def get(self, key: str) -> str | None:
        row = self.db.execute("SELECT output FROM verdicts WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def put(self, key: str, output: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO verdicts VALUES (?, ?)", (key, output))


class LLMJudge:
    def __init__(self, settings: Settings):
        if settings.llm is None:
            raise ConfigError("--judge 需要配置大模型：SCENARIO_LLM_BASE_URL、SCENARIO_LLM_MODEL、SCENARIO_LLM_API_KEY")
        from assistant.llm import LLMGenerator

        self.llm = LLMGenerator(settings.llm)
        self.model = settings.llm.model
        self.cache = JudgeCache(settings.cache_dir / "judge.sqlite")
        self.calls = 0

    def ask(self, prompt: str) -> str:
        key = hashlib.sha256(f"{self.model}\x00{prompt}".encode()).hexdigest()
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        from llama_index.core.llms import ChatMessage, MessageRole

        self.calls += 1
        output = self.llm._llm.chat([ChatMessage(role=MessageRole.USER, content=prompt)]).message.content or ""
        self.cache.put(key, output)
        return output

    def score(self, item, result) -> dict:
        passages = "\n\n".join(f"[{c.n}] {c.chunk.text}" for c in result.citations) or "（无）"
        faith = parse_verdict(self.ask(FAITHFULNESS_PROMPT.format(passages=passages, answer=result.answer)))
        correct = parse_verdict(self.ask(CORRECTNESS_PROMPT.format(question=item.question, gold=item.answer,
                                                                   answer=result.answer)))
        return {"judge_faithfulness": faith.value, "judge_correctness": correct.value}
