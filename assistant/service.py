"""The assistant that every edge (CLI, API, UI, evaluation) calls: one object per home,
holding the index, the retriever and the generators, returning result objects."""
from __future__ import annotations

import copy
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator

import numpy as np

from core.chunk_meta import BUILTIN, USER
from index.knowledge_base import Index
from ingest.pipeline import IngestReport, ingest_paths, remove_documents

from core.access import LOCAL, PUBLIC, Reader
from .answering import load_model
from core.errors import ScenarioError
from .evidence import Evidence, EvidenceScorer
from .extractive import ComposedAnswer, ExtractiveComposer
from .llm import llm_brief
from .question import Question, QuestionReader
from .retrieve import Filters, RetrievedChunk, Retriever
from core.settings import Settings
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
    parts: list[dict] = field(default_factory=list)  # the question's parts: slot, qualifiers, answered, evidence

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
            "parts": self.parts,
        }


class Assistant:
    def __init__(self, settings: Settings, index: Index | None = None):
        self.settings = settings
        self.index = index or Index(settings)
        self.reader: Reader = LOCAL
        self.retriever = Retriever(self.index, settings)
        self._composer: ExtractiveComposer | None = None
        self._questions: QuestionReader | None = None
        self._scorer: EvidenceScorer | None = None
        self._llm = None

    def scoped(self, reader: Reader) -> "Assistant":
        """The same assistant acting for ``reader``: shares the index, composer and LLM
        client, and its retriever filters every query by the reader's access labels, so
        answers, citations, cases and drafts can only draw on what the reader may see."""
        view = copy.copy(self)
        _ = self.composer  # build once and share
        view._composer = self._composer
        view._questions = self.reader_of_questions
        view._scorer = self.scorer
        view.reader = reader
        view.retriever = Retriever(self.index, self.settings, access=reader.labels())
        return view

    # --- knowledge base ------------------------------------------------------------
    def ingest(self, paths: list[Path], progress: bool = True, access: str = PUBLIC, on_file=None,
               names: dict[Path, str] | None = None, force: bool = False, ocr: str = "auto") -> IngestReport:
        """Ingest files and folders; those inside the built-in corpus are tagged as built-in
        (so that ``--no-builtin`` can leave them out) and public, the rest as the user's
        own with the access label given."""
        builtin, own = [], []
        for p in paths:
            (builtin if self._in_builtin(Path(p)) else own).append(Path(p))
        report = IngestReport()
        for group, origin in ((builtin, BUILTIN), (own, USER)):
            if group:
                part = ingest_paths(self.index, group, origin=origin, progress=progress,
                                    access=PUBLIC if origin == BUILTIN else access,
                                    on_file=on_file, names=names, force=force, ocr=ocr)
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
        if self.index.store.has_origin(BUILTIN):
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
                 "origin": st.origin or USER}
                for st in sorted(states.values(), key=lambda s: s.source)
                if self.reader.may_see(st.access)]

    def standalone(self, question: str, history: list[tuple[str, str]] | None) -> str:
        """The question as searched: a follow-up rewritten with the earlier questions."""
        from .followup import rewrite_followup

        previous: list[str] = []
        for q, _ in history or []:
            previous.append(rewrite_followup(q, previous, self.index.vocab))
        return rewrite_followup(question, previous, self.index.vocab)

    # --- cases and drafts: what every edge calls, so none builds its own finder --------
    def find_cases(self, need: str, *, city: str | None = None, exclude_cities: tuple[str, ...] = (),
                   k: int = 5, per_city: int = 1) -> list:
        """Comparable city cases for a need (:class:`assistant.cases.CaseFinder`), the
        asker's own city left out."""
        from .cases import CaseFinder

        return CaseFinder(self).find(need, city=city, exclude_cities=tuple(exclude_cities), k=k, per_city=per_city)

    def draft_proposal(self, idea: str, city: str | None = None):
        """A scenario proposal following the method (:class:`assistant.drafting.Drafter`)."""
        from .drafting import Drafter

        return Drafter(self).proposal(idea, city=city)

    def draft_response(self, need: str, capability: str, city: str | None = None):
        """A response to a published scenario need (:class:`assistant.drafting.Drafter`)."""
        from .drafting import Drafter

        return Drafter(self).response(need, capability, city=city)

    # --- answering -----------------------------------------------------------------
    @property
    def composer(self) -> ExtractiveComposer:
        if self._composer is None:
            self._composer = ExtractiveComposer(load_model())
        return self._composer

    @property
    def scorer(self) -> EvidenceScorer:
        if self._scorer is None:
            self._scorer = EvidenceScorer(self.index, self._idf, self.reader_of_questions.fillers)
        return self._scorer

    def measure(self, question: str | Question, chunks: list[RetrievedChunk]) -> Evidence:
        """Every unit of ``chunks`` measured against every part of ``question``."""
        q = question if isinstance(question, Question) else self.understand(question)
        qvec = self.index.embed_query(q.text)
        part_vecs = self.index.embed_queries([p.text if p.thin else p.own_text for p in q.parts]) if len(q.parts) > 1 else None
        return self.scorer.measure(q, chunks, qvec, part_vecs)

    def _idf(self, token: str) -> float:
        return self.index.lexical(check=False).idf(token)

    @property
    def reader_of_questions(self) -> QuestionReader:
        if self._questions is None:
            self._questions = QuestionReader(self.index.vocab, self.index.tokenizer.tokenize,
                                             self.index.tokenizer.is_word, self.index.tokenizer.tags,
                                             lambda w: self.index.lexical(check=False).knows(w))
        return self._questions

    def understand(self, question: str) -> Question:
        """The parts of a question, each with its slot and qualifiers."""
        return self.reader_of_questions.read(question)

    def search(self, question: str | Question, *, k: int | None = None, mode: str | None = None,
               filters: Filters | None = None, rerank: bool = True) -> tuple[Question, list[RetrievedChunk]]:
        """Retrieve for a question as answers do: hybrid retrieval, then the evidence
        reranking (:meth:`reorder`). Evaluation measures retrieval through this same call."""
        q, chunks, _ = self._search(question, k=k, mode=mode, filters=filters, rerank=rerank)
        return q, chunks

    def _search(self, question, *, k, mode, filters, rerank=True):
        """(question, the k best chunks, the evidence measured to rerank them or None)."""
        q = question if isinstance(question, Question) else self.understand(question)
        k = k or self.settings.top_k
        depth = max(k, self.settings.rerank_depth) if rerank else k
        chunks = self.retriever.retrieve(q.text, k=depth, mode=mode, filters=filters)
        if not rerank or len(chunks) < 2:
            return q, chunks[:k], None
        evidence = self.measure(q, chunks)
        return q, self.reorder(evidence)[:k], evidence

    def evidence_for(self, question: str | Question, *, k: int, mode: str | None = None,
                     filters: Filters | None = None) -> tuple[Question, list[RetrievedChunk], Evidence]:
        """The k chunks an answer reads and their evidence, measured once: the units
        measured to rerank are kept for the chunks that stay."""
        q, chunks, measured = self._search(question, k=k, mode=mode, filters=filters)
        return q, chunks, self.scorer.restrict(measured, chunks) if measured else self.measure(q, chunks)

    def reorder(self, evidence: Evidence, model=None) -> list[RetrievedChunk]:
        """The measured chunks re-ordered by their evidence: for each part, the probability
        that the chunk's best unit answers it (mean over parts), blended with the retrieval
        order. A passage whose one sentence answers a paraphrased question moves up even
        when the chunk as a whole matched the question's words less well."""
        chunks = evidence.chunks
        answers = self.answer_probability(evidence, model)
        n = len(chunks)
        w = self.settings.rerank_order_weight
        scores = [w * (1 - i / n) + (1 - w) * answers[i] for i in range(n)]
        order = sorted(range(n), key=lambda i: -scores[i])
        return [replace(chunks[i], rank=r) for r, i in enumerate(order, start=1)]

    def answer_probability(self, evidence: Evidence, model=None) -> list[float]:
        """For each measured chunk, in order: the probability that its best unit answers
        the question (mean over the question's parts), in 0..1 and comparable across
        queries, unlike retrieval scores."""
        model = model or self.composer.model
        chunks = evidence.chunks
        best = np.zeros((len(chunks), max(len(evidence.parts), 1)))
        row = {c.id: i for i, c in enumerate(chunks)}
        for j, pe in enumerate(evidence.parts):
            for cand, p in zip(evidence.candidates, model.unit_proba(pe)):
                i = row[cand.chunk.id]
                best[i, j] = max(best[i, j], p)
        return [float(best[i].mean()) for i in range(len(chunks))]

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
        t0 = time.perf_counter()
        query = self.standalone(question, history)
        # an explicit k is the user's choice; otherwise answers read a few more chunks than are shown
        _, chunks, evidence = self.evidence_for(query, k=k or max(self.settings.top_k, self.settings.answer_chunks),
                                                mode=mode, filters=filters)
        t1 = time.perf_counter()
        if not chunks and self.index.store.count() == 0:
            raise ScenarioError("知识库为空：请先导入文档，例如 scenario ingest 文件或文件夹")
        composed = self.composer.compose(evidence)
        if generator == "llm":
            # the model gets the same parts and the evidence the composer selected for each
            brief = llm_brief(composed, chunks)
            if stream:
                raw = []
                for token in self.llm.stream(query, chunks, history, brief):
                    raw.append(token)
                    yield {"type": "delta", "text": token}
                raw_answer = "".join(raw)
            else:
                raw_answer = self.llm.generate(query, chunks, history, brief)
            result = self._verify_llm(raw_answer, composed, chunks, mode)
        else:
            result = self._result(query, composed, chunks, mode, "extractive")
        result.parts = [a.to_dict() for a in composed.parts]
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

    def _verify_llm(self, raw: str, composed: ComposedAnswer, chunks: list[RetrievedChunk], mode: str) -> AskResult:
        """The model's answer, sentence by sentence checked against the passages it cites
        (the question is filled in by the caller)."""
        passages = {n: c.text for n, c in enumerate(chunks, start=1)}
        verdict = check_answer(raw, passages, self.index.tokenizer, self.settings.support_threshold)
        dropped = [{"sentence": s.text, "markers": s.markers, "reasons": s.reasons} for s in verdict.dropped]
        if not verdict.answer:
            # nothing the model said could be verified: fall back to the grounded composer
            result = self._result("", composed, chunks, mode, "extractive")
            result.unverified = dropped
            result.notes.append("大模型的回答未通过引用核验，已改用摘录式回答")
            return result
        citations = [Citation(new, chunks[old - 1]) for new, old in enumerate(verdict.kept_passages, start=1)]
        result = AskResult("", verdict.answer, verdict.refused, citations, chunks, {}, mode, "llm",
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
