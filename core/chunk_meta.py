"""The metadata a chunk carries in Chroma: one typed schema that the pipeline writes and
the store, filters, BM25 index and case library read."""
from __future__ import annotations

from typing import TypedDict

# where a chunk came from (``origin``): the built-in corpus or the user's own documents
BUILTIN = "builtin"
USER = "user"


class ChunkMeta(TypedDict, total=False):
    """Every key a stored chunk may have (Chroma drops empty lists and ``None``)."""

    # the document and the chunk's place in it
    source: str  # the document's name (its file name, or the name it was uploaded under)
    title: str
    section: str  # heading path, " / " between levels
    page: int
    kind: str  # text | table | box | case
    chunk_index: int
    n_chunks: int
    chars: int
    path: str  # the file it was read from, for re-ingest
    # what decides re-ingest
    doc_hash: str
    pipeline: str
    ingested_at: str
    # who may see it and where it came from
    origin: str  # BUILTIN | USER
    access: str  # an access label (core.access)
    ocr_confidence: float
    # found in the text (ingest.enrich)
    cities: list[str]
    years: list[int]
    technologies: list[str]
    mechanisms: list[str]
    domain: str
    case_like: bool
    # a case card (ingest.cards.Card.metadata)
    case_id: str
    case_city: str
    case_province: str
    case_district: str
    case_year: int
    case_title: str
    delivery_type: str
    figures: str  # JSON
    source_doc: str  # the document a card or brief restates
    source_section: str
    # a policy brief's front matter (ingest.cards.brief_metadata)
    policy_issuer: str
    policy_doc_number: str
    policy_date: str
    policy_level: str
    policy_region: str
    policy_type: str
    policy_status: str


CHUNK_META_KEYS = frozenset(ChunkMeta.__annotations__)

# kept beside BM25 so that filters (retrieve.Filters.matches) apply without Chroma
FILTER_KEYS = ("source", "title", "section", "page", "kind", "cities", "years", "origin",
               "case_like", "access")
