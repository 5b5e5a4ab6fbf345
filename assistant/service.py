"""The assistant that every edge (CLI, API, UI, evaluation) calls: one object per home,
holding the index, the retriever and the generators, returning result objects."""
from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

from ingest.index import Index
from ingest.pipeline import IngestReport, ingest_paths, remove_documents

from .access import LOCAL, PUBLIC, Reader
from .errors import ScenarioError
from .extractive import ComposedAnswer, ExtractiveComposer
from .retrieve import Filters, RetrievedChunk, Retriever
from .settings import Settings
from .verify import check_answer


@dataclass
class Citation:
    n: int
    chunk: RetrievedChunk

    def to_dict(self) -> dict:
        c = self.chunk
        return {"n": self.n, "doc": c.doc, "title": c.title, "section": c.section, "page": c.page,
                "text": c.text, "score": round(c.score, 6), "id": c.id}


@dataclass
class AskResult:
    question: str
    answer: str
    refused: bool
    citations: list[Citation]
    retrieved: list[RetrievedChunk]
    timings_ms: dict[str, float]
    mode: str
    generator: str
    unverified: list[dict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rewritten: str | None = None  # the standalone question searched, when a follow-up was rewritten

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "rewritten_question": self.rewritten,
            "answer": self.answer,
            "refused": self.refused,
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [{"doc": c.doc, "title": c.title, "section": c.section, "page": c.page,
                           "text": c.text, "score": round(c.score, 6), "id": c.id} for c in self.retrieved],
            "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
            "mode": self.mode,
            "generator": self.generator,
            "unverified": self.unverified,
            "notes": self.notes,
        }


class Assistant:
    def __init__(self, settings: Settings, index: Index | None = None):
        self.settings = settings
        self.index = index or Index(settings)
        self.reader: Reader = LOCAL
        self.retriever = Retriever(self.index, settings)
        self._composer: ExtractiveComposer | None = None
        self._llm = None

    def scoped(self, reader: Reader) -> "Assistant":
        """The same assistant acting for ``reader``: shares the index, composer and LLM
        client, and its retriever filters every query by the reader's access labels, so
        answers, citations, cases and drafts can only draw on what the reader may see."""
        view = copy.copy(self)
        _ = self.composer  # build once and share
        view._composer = self._composer
        view.reader = reader
        view.retriever = Retriever(self.index, self.settings, access=reader.labels())
        return view

    # --- knowledge base ------------------------------------------------------------
    def ingest(self, paths: list[Path], progress: bool = True, access: str = PUBLIC, on_file=None,
               names: dict[Path, str] | None = None, force: bool = False) -> IngestReport:
        """Ingest files and folders; those inside the built-in corpus are tagged as built-in
        (so that ``--no-builtin`` can leave them out) and public, the rest as the user's
        own with the access label given."""
        builtin, own = [], []
        for p in paths:
            (builtin if self._in_builtin(Path(p)) else own).append(Path(p))
        report = IngestReport()
        for group, origin in ((builtin, "builtin"), (own, "user")):
            if group:
                part = ingest_paths(self.index, group, origin=origin, progress=progress,
                                    access=PUBLIC if origin == "builtin" else access,
                                    on_file=on_file, names=names, force=force)
                report.results.extend(part.results)
                report.total_chunks = part.total_chunks
        return report

    def _in_builtin(self, path: Path) -> bool:
        corpus = self.settings.builtin_corpus
        if corpus is None:
            return False
        try:
            path.resolve().relative_to(corpus.resolve())
            return True
        except ValueError:
            return False

    def ensure_builtin(self, progress: bool = True) -> IngestReport | None:
        """On first use, add the built-in corpus (once; the user's documents stay)."""
        s = self.settings
        if not s.use_builtin or s.builtin_corpus is None:
            return None
        if self.index.store.collection.get(where={"origin": "builtin"}, limit=1, include=[])["ids"]:
            return None
        from ingest.pipeline import collect_files

        if not collect_files(s.builtin_paths)[0]:
            return None
        return self.ingest(s.builtin_paths, progress=progress)

    def remove(self, sources: list[str]) -> dict[str, int]:
        """Delete documents by name; a document the reader may not see counts as not found."""
        states = self.index.store.doc_states()
        hidden = {s for s in sources if s in states and not self.reader.may_see(states[s].access)}
        removed = remove_documents(self.index, [s for s in sources if s not in hidden])
        return {s: removed.get(s, 0) for s in sources}

    def documents(self) -> list[dict]:
        """The documents the reader may see, with chunk counts, dates and access label."""
        states = self.index.store.doc_states()
        return [{"doc": st.source, "title": st.title, "chunks": st.n_chunks,
                 "complete": st.n_chunks == st.n_chunks_expected and len(st.doc_hashes) == 1,
                 "ingested_at": st.ingested_at, "access": "、".join(sorted(a or PUBLIC for a in st.access)),
                 "origin": st.origin or "user"}
                for st in sorted(states.values(), key=lambda s: s.source)
                if self.reader.may_see(st.access)]

    def standalone(self, question: str, history: list[tuple[str, str]] | None) -> str:
        """The question as searched: a follow-up rewritten with the earlier questions."""
        from .followup import rewrite_followup

        previous: list[str] = []
        for q, _ in history or []:
            previous.append(rewrite_followup(q, previous, self.index.vocab))
        return rewrite_followup(question, previous, self.index.vocab)

    # --- answering -----------------------------------------------------------------
    @property
    def composer(self) -> ExtractiveComposer:
        if self._composer is None:
            self._composer = ExtractiveComposer(self.index.tokenizer, self._idf, self.index.vocab,
                                                self.settings.refuse_below, self.settings.answer_sentences)
        return self._composer

    def _idf(self, token: str) -> float:
        return self.index.lexical(check=False).idf(token)

    @property
    def llm(self):
        if self._llm is None and self.settings.llm is not None:
            from .llm import LLMGenerator

            self._llm = LLMGenerator(self.settings.llm)
        return self._llm

    def ask(self, question: str, *, mode: str | None = None, k: int | None = None,
            filters: Filters | None = None, generator: str | None = None,
            history: list[tuple[str, str]] | None = None) -> AskResult:
        """Answer ``question`` (a follow-up is first rewritten with ``history``)."""
        for event in self._answer(question, False, mode, k, filters, generator, history):
            pass
        return event["result"]

    def ask_stream(self, question: str, *, mode: str | None = None, k: int | None = None,
                   filters: Filters | None = None, generator: str | None = None,
                   history: list[tuple[str, str]] | None = None) -> Iterator[dict]:
        """The answer as a stream of events for the UI and the API:
        ``{"type": "delta", "text": …}`` pieces (sentence by sentence for the extractive
        composer, tokens for an LLM), then ``{"type": "result", "result": AskResult}``.

        An LLM's tokens are shown as they come but are provisional: the final result is
        the verified answer, which replaces them (sentences that fail the citation check
        are removed)."""
        yield from self._answer(question, True, mode, k, filters, generator, history)

    def _answer(self, question, stream, mode, k, filters, generator, history) -> Iterator[dict]:
        question = (question or "").strip()
        if not question:
            raise ScenarioError("问题不能为空")
        mode = mode or self.settings.mode
        generator = generator or ("llm" if self.settings.llm else "extractive")
        if generator == "llm" and self.llm is None:
            raise ScenarioError("未配置大模型：请设置 SCENARIO_LLM_BASE_URL、SCENARIO_LLM_MODEL、SCENARIO_LLM_API_KEY")
        if self.index.store.count() == 0:
            raise ScenarioError("知识库为空：请先导入文档，例如 scenario ingest 文件或文件夹")
        if not self.settings.use_builtin:
            filters = replace(filters or Filters(), exclude_origin="builtin")
        t0 = time.perf_counter()
        query = self.standalone(question, history)
        chunks = self.retriever.retrieve(query, k=k, mode=mode, filters=filters)
        t1 = time.perf_counter()
        if generator == "llm" and stream:
            raw = []
            for token in self.llm.stream(query, chunks, history):
                raw.append(token)
                yield {"type": "delta", "text": token}
            result = self._verify_llm("".join(raw), query, chunks, mode)
        elif generator == "llm":
            result = self._verify_llm(self.llm.generate(query, chunks, history), query, chunks, mode)
        else:
            result = self._result(query, self.composer.compose(query, chunks), chunks, mode, "extractive")
        t2 = time.perf_counter()
        result.question = question
        result.rewritten = query if query != question else None
        result.timings_ms = {"retrieve": (t1 - t0) * 1000, "generate": (t2 - t1) * 1000,
                             "total": (t2 - t0) * 1000}
        if stream and generator != "llm":
            for piece in _pieces(result.answer):
                yield {"type": "delta", "text": piece}
        yield {"type": "result", "result": result}

    def _result(self, question: str, composed: ComposedAnswer, chunks: list[RetrievedChunk],
                mode: str, generator: str) -> AskResult:
        citations = [Citation(n, c) for n, c in enumerate(composed.cited, start=1)]
        return AskResult(question, composed.text, composed.refused, citations, chunks, {}, mode, generator)

    def _verify_llm(self, raw: str, question: str, chunks: list[RetrievedChunk], mode: str) -> AskResult:
        passages = {n: c.text for n, c in enumerate(chunks, start=1)}
        verdict = check_answer(raw, passages, self.index.tokenizer, self.settings.support_threshold)
        dropped = [{"sentence": s.text, "markers": s.markers, "reasons": s.reasons} for s in verdict.dropped]
        if not verdict.answer:
            # nothing the model said could be verified: fall back to the grounded composer
            composed = self.composer.compose(question, chunks)
            result = self._result(question, composed, chunks, mode, "extractive")
            result.unverified = dropped
            result.notes.append("大模型的回答未通过引用核验，已改用摘录式回答")
            return result
        citations = [Citation(new, chunks[old - 1]) for new, old in enumerate(verdict.kept_passages, start=1)]
        result = AskResult(question, verdict.answer, verdict.refused, citations, chunks, {}, mode, "llm",
                           unverified=dropped)
        if dropped:
            result.notes.append(f"已删除 {len(dropped)} 句未通过引用核验的内容")
        if verdict.refused and chunks:
            result.citations = [Citation(n, c) for n, c in enumerate(chunks[:2], start=1)]
        return result


_PIECE = re.compile(r"[^。！？；\n]*(?:[。！？；]|\n|$)(?:\[\d+\])*")


def _pieces(text: str) -> list[str]:
    """Sentence-sized pieces of an answer, each keeping its citation markers."""
    return [p for p in _PIECE.findall(text) if p]
