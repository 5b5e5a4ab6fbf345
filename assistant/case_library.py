"""The case library: every case card in the index, as structured records that can be
filtered by facet (city, domain, delivery type, technology, mechanism, year).

It is a view over the chunks collection (chunks of kind ``case`` carry the card's facets
as metadata), so it can never drift from what is indexed.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from index.knowledge_base import Index


@dataclass
class CaseRecord:
    id: str
    city: str
    province: str
    district: str
    year: int
    domain: str
    delivery_type: str
    title: str
    technologies: list[str]
    mechanisms: list[str]
    figures: list[dict]
    source: dict
    text: str
    doc: str  # the card file the record was ingested from
    chunk_id: str = ""
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_chunk(cls, chunk_id: str, text: str, meta: dict) -> "CaseRecord":
        return cls(id=meta.get("case_id", ""), city=meta.get("case_city", ""),
                   province=meta.get("case_province", ""), district=meta.get("case_district", ""),
                   year=int(meta.get("case_year", 0)), domain=meta.get("domain", ""),
                   delivery_type=meta.get("delivery_type", ""), title=meta.get("case_title", ""),
                   technologies=list(meta.get("technologies") or []), mechanisms=list(meta.get("mechanisms") or []),
                   figures=json.loads(meta.get("figures") or "[]"),
                   source={"doc": meta.get("source_doc", ""), "section": meta.get("source_section", "")},
                   text=text, doc=meta.get("source", ""), chunk_id=chunk_id)


class CaseLibrary:
    def __init__(self, index: Index):
        self.index = index

    def find(self, *, city: str | None = None, domain: str | None = None, delivery_type: str | None = None,
             technology: str | None = None, mechanism: str | None = None, year: int | None = None,
             exclude_origin: str | None = None) -> list[CaseRecord]:
        """Cases matching every facet given. A city also matches cases in its districts
        and, for a province, in its cities."""
        clauses: list[dict] = [{"kind": "case"}]
        if city:
            clauses.append({"cities": {"$contains": city}})
        if domain:
            clauses.append({"domain": domain})
        if delivery_type:
            clauses.append({"delivery_type": delivery_type})
        if technology:
            clauses.append({"technologies": {"$contains": technology}})
        if mechanism:
            clauses.append({"mechanisms": {"$contains": mechanism}})
        if year:
            clauses.append({"case_year": int(year)})
        if exclude_origin:
            clauses.append({"origin": {"$ne": exclude_origin}})
        where = clauses[0] if len(clauses) == 1 else {"$and": clauses}
        records = [CaseRecord.from_chunk(i, d, m) for i, d, m in self.index.store.find(where)]
        return sorted(records, key=lambda r: (r.province, r.city, r.id))

    def facets(self) -> dict[str, dict[str, int]]:
        """How many cases each facet value has: what a comparison screen filters by."""
        counts: dict[str, dict[str, int]] = {"domain": {}, "delivery_type": {}, "city": {},
                                             "technologies": {}, "mechanisms": {}}
        for r in self.find():
            for key, values in (("domain", [r.domain]), ("delivery_type", [r.delivery_type]),
                                ("city", [r.city]), ("technologies", r.technologies),
                                ("mechanisms", r.mechanisms)):
                for v in values:
                    counts[key][v] = counts[key].get(v, 0) + 1
        return counts
