"""Comparable city cases for a need: ranked by meaning (dense + BM25 over case cards and
case passages of ingested documents) combined with facet agreement (domain, delivery
type, technologies, mechanisms), kept diverse across cities, each with a ``why`` in
Chinese, its source and its key figures."""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace

from ingest.enrich import case_facets

from .retrieve import Filters, RetrievedChunk

FIGURE = re.compile(r"\d+(?:\.\d+)?\s*(?:%|万平方米|平方公里|亿元|万元|亿条|万条|万户|万人次|亿|万|个|项|家|条|类|倍|小时|公里|城)")
DELIVERY_PATTERN = re.compile(r"(科技创新|制度变革)驱动\s*[-—–、]?\s*(小切口|多跨)")
# facet weights: meaning dominates; facets break ties between similar passages
W_DOMAIN, W_TAG, W_TYPE, W_CARD = 0.15, 0.08, 0.05, 0.05


def canonical_delivery_type(text: str) -> str | None:
    m = DELIVERY_PATTERN.search(text)
    return f"{m.group(1)}驱动-{m.group(2)}" if m else None


@dataclass
class NeedProfile:
    text: str
    domain: str
    technologies: list[str]
    mechanisms: list[str]
    delivery_type: str | None


@dataclass
class CaseHit:
    city: str
    title: str
    summary: str
    why: str
    score: float
    source: dict
    figures: list[dict]
    kind: str  # "card" | "passage"
    domain: str = ""
    delivery_type: str = ""
    technologies: list[str] = field(default_factory=list)
    mechanisms: list[str] = field(default_factory=list)
    chunk: RetrievedChunk | None = None

    def to_dict(self) -> dict:
        return {"city": self.city, "title": self.title, "summary": self.summary, "why": self.why,
                "score": round(self.score, 4), "source": self.source, "figures": self.figures, "kind": self.kind,
                "domain": self.domain, "delivery_type": self.delivery_type,
                "technologies": self.technologies, "mechanisms": self.mechanisms}


class CaseFinder:
    def __init__(self, assistant):
        self.assistant = assistant
        self.vocab = assistant.index.vocab

    def profile(self, need: str) -> NeedProfile:
        f = case_facets(need, self.vocab)
        return NeedProfile(need, f["domain"], f["technologies"], f["mechanisms"], canonical_delivery_type(need))

    def find(self, need: str, *, city: str | None = None, exclude_cities: tuple[str, ...] = (), k: int = 5,
             per_city: int = 1, filters: Filters | None = None) -> list[CaseHit]:
        """Top ``k`` comparable cases; ``city`` is the asker's own city and is left out,
        as are ``exclude_cities``; at most ``per_city`` cases from one city."""
        need = (need or "").strip()
        if not need:
            from core.errors import ScenarioError

            raise ScenarioError("请描述需求，例如：建设城市安全风险监测预警平台")
        base = filters or Filters()
        chunks = self.assistant.retriever.retrieve(need, k=40, filters=replace(base, cases_only=True))
        if not chunks:
            return []
        profile = self.profile(need)
        top = max(c.score for c in chunks) or 1.0
        excluded = {c for c in (city, *exclude_cities) if c}
        scored: list[CaseHit] = []
        for rank, chunk in enumerate(chunks, start=1):
            hit = self._hit(chunk, profile, rank, chunk.score / top)
            if hit is None or hit.city in excluded or self.vocab.parent_of(hit.city) in excluded:
                continue
            scored.append(hit)
        scored.sort(key=lambda h: -h.score)
        picked: list[CaseHit] = []
        per: dict[str, int] = {}
        for hit in scored:
            if per.get(hit.city, 0) >= per_city:
                continue
            picked.append(hit)
            per[hit.city] = per.get(hit.city, 0) + 1
            if len(picked) == k:
                break
        return picked

    def _hit(self, chunk: RetrievedChunk, profile: NeedProfile, rank: int, meaning: float) -> CaseHit | None:
        meta = chunk.meta
        if meta.get("kind") == "case":
            city = meta.get("case_city", "")
            if city == "未具名":
                city = meta.get("case_province", "")
            title = meta.get("case_title", "")
            summary = next((line for line in chunk.text.split("\n")[2:3]), chunk.text[:200])
            figures = json.loads(meta.get("figures") or "[]")
            source = {"doc": chunk.doc, "section": chunk.section, "text": chunk.text,
                      "origin_doc": meta.get("source_doc", ""), "origin_section": meta.get("source_section", "")}
            kind, delivery = "card", meta.get("delivery_type", "")
        else:
            paragraph, city = self._case_paragraph(chunk)
            if not city:
                return None
            sentences = [s for s in re.split(r"(?<=[。！？；])", paragraph) if s.strip()]
            title = (sentences[0] if sentences else paragraph)[:60].rstrip("，。；")
            summary = paragraph if len(paragraph) <= 220 else paragraph[:220] + "…"
            figures = [{"value": m.group(0), "unit": "", "what": ""} for m in FIGURE.finditer(paragraph)][:5]
            source = {"doc": chunk.doc, "section": chunk.section, "text": paragraph}
            kind, delivery = "passage", canonical_delivery_type(chunk.section + paragraph) or ""
        domain = meta.get("domain", "")
        techs = list(meta.get("technologies") or [])
        mechs = list(meta.get("mechanisms") or [])
        shared_t = [t for t in profile.technologies if t in techs]
        shared_m = [m for m in profile.mechanisms if m in mechs]
        same_domain = bool(profile.domain) and profile.domain == domain
        same_type = bool(profile.delivery_type) and profile.delivery_type == delivery
        score = (meaning + W_DOMAIN * same_domain + W_TAG * min(len(shared_t), 2) + W_TAG * min(len(shared_m), 2)
                 + W_TYPE * same_type + (W_CARD if kind == "card" else 0.0))
        reasons = [f"与需求“{_short(profile.text)}”语义相近（检索第 {rank} 位）"]
        if same_domain:
            reasons.append(f"同属「{domain}」领域")
        if shared_t:
            reasons.append("共同技术：" + "、".join(shared_t))
        if shared_m:
            reasons.append("共同机制：" + "、".join(shared_m))
        if same_type:
            reasons.append(f"同为「{delivery}」类场景")
        return CaseHit(city, title, summary, "；".join(reasons), score, source, figures, kind, domain, delivery,
                       techs, mechs, chunk)

    def _case_paragraph(self, chunk: RetrievedChunk) -> tuple[str, str]:
        """The paragraph of a passage that names a place, and that place (city level first)."""
        for paragraph in chunk.text.split("\n"):
            regions = self.vocab.find_regions(paragraph)
            if not regions:
                continue
            first = min(regions, key=lambda r: paragraph.find(r) if r in paragraph else 10 ** 6)
            city = first if first in self.vocab.cities or first in self.vocab.provinces else \
                (self.vocab.districts.get(first) or first)
            return paragraph.strip(), city
        return "", ""


def _short(text: str, n: int = 20) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n] + "…"
