"""Ingest files into an index: load → clean and find structure → chunk → enrich → embed
→ store, one file at a time, so that a bad file is reported with its name and reason
and the rest of the batch goes on.

Re-ingesting is incremental: a file whose content hash and pipeline are unchanged and
whose chunks are all present is skipped; a changed file's new chunks are written first
and its old version's chunks deleted after, so there are never duplicates or orphans
once a run finishes, and a crash in between is repaired by the next run.
"""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path

from tqdm import tqdm

from core.access import PUBLIC, check_label
from core.errors import IngestError, ScenarioError
from core.settings import Settings

from .cards import brief_metadata, card_from_dict, validate_card
from .chunk import Chunk, chunk_sections
from core.chunk_meta import USER, ChunkMeta
from .enrich import case_facets, chunk_metadata
from index.knowledge_base import Index, embedding_text
from .loaders import SUPPORTED_SUFFIXES, LoadOptions, file_hash, load_document, unsupported_reason
from .structure import split_sections
from .units import chunk_units

PIPELINE_VERSION = "9"  # 9: Unicode look-alikes normalised, PDF running headers removed, OCR
OCR_SUFFIXES = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
# The cleaning and normalising code and its table: their content is part of the pipeline
# id, so an edit to them re-ingests without anyone remembering to bump PIPELINE_VERSION.
CLEANING_FILES = tuple(Path(__file__).parent / name for name in
                       ("clean.py", "normalize.py", "resources/cjk_radicals.txt"))


def files_digest(paths: tuple[Path, ...]) -> str:
    """A short hash of the files' names and bytes."""
    h = hashlib.sha1()
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


@lru_cache(maxsize=1)
def cleaning_digest() -> str:
    return files_digest(CLEANING_FILES)


def pipeline_id(settings: Settings, model_id: str, vocab_digest: str = "", ocr: str = "auto") -> str:
    """Changes when anything that shapes chunks or vectors changes: the version, the
    cleaning code, the chunk sizes, the embedder, the vocabulary (it decides which places
    and terms a chunk carries) and the OCR mode for files that can be OCR'd. Then files
    re-ingest."""
    key = f"{PIPELINE_VERSION}|{cleaning_digest()}|{settings.chunk_chars}|{settings.max_chunk_chars}|" \
          f"{settings.min_chunk_chars}|{model_id}|{vocab_digest}" + ("" if ocr == "auto" else f"|ocr={ocr}")
    return hashlib.sha1(key.encode()).hexdigest()[:12]


@dataclass
class FileResult:
    path: str
    source: str
    status: str  # added | updated | unchanged | failed | skipped
    chunks: int = 0
    reason: str = ""
    warnings: list[str] = field(default_factory=list)  # e.g. pages OCR read with low confidence


@dataclass
class IngestReport:
    results: list[FileResult] = field(default_factory=list)
    total_chunks: int = 0

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    def to_dict(self) -> dict:
        return {"files": [asdict(r) for r in self.results],
                "added": self.count("added"), "updated": self.count("updated"),
                "unchanged": self.count("unchanged"), "failed": self.count("failed"),
                "skipped": self.count("skipped"),
                "total_chunks": self.total_chunks}


def collect_files(paths: list[Path]) -> tuple[list[Path], list[FileResult]]:
    """Expand folders (recursively, skipping hidden files). A path that does not exist
    is reported; an unsupported file inside a folder is listed as skipped with the reason,
    one named explicitly fails."""
    files: list[Path] = []
    problems: list[FileResult] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if not f.is_file() or any(part.startswith(".") for part in f.relative_to(p).parts):
                    continue
                if f.suffix.lower() in SUPPORTED_SUFFIXES:
                    files.append(f)
                else:
                    problems.append(FileResult(str(f), f.name, "skipped",
                                               reason=unsupported_reason(f.suffix.lower())))
        elif p.exists() or p.is_symlink():
            files.append(p)
        else:
            problems.append(FileResult(str(p), p.name, "failed", reason="文件不存在"))
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve() if f.exists() else f
        if key not in seen:
            seen.add(key)
            unique.append(f)
    # a file named explicitly is reported once, as its own result, not also as skipped
    problems = [r for r in problems if r.status != "skipped" or Path(r.path).resolve() not in seen]
    return unique, problems


def ingest_paths(index: Index, paths: list[Path], *, origin: str = USER, access: str = PUBLIC,
                 progress: bool = True, on_file=None, names: dict[Path, str] | None = None,
                 force: bool = False, ocr: str = "auto") -> IngestReport:
    """Ingest files and folders into ``index``; never raises for one bad file.

    ``access`` labels every chunk (see core.access); ingesting an unchanged file
    with another label relabels it. ``on_file(done, total, result)`` reports progress to
    a UI; ``names`` gives a file the document name it is stored under (uploads);
    ``force`` processes unchanged files again; ``ocr`` (auto | off | force) says which
    pages of PDFs and images are read by OCR."""
    access = check_label(access)
    files, problems = collect_files(paths)
    report = IngestReport(results=list(problems))
    settings = index.settings
    pipelines = {mode: pipeline_id(settings, index.embedder.model_id, index.vocab.digest, mode)
                 for mode in {"auto", ocr}}
    with index.write_lock():
        states = index.store.doc_states()
        # disable=None: a bar on a terminal, nothing in logs and pipes
        bar = tqdm(total=len(files), unit="个文件", desc="导入文档", disable=None if progress else True,
                   dynamic_ncols=True, leave=True)
        changed = False
        for path in files:
            bar.set_postfix_str(path.name[:30])
            try:
                pipeline = pipelines[ocr if path.suffix.lower() in OCR_SUFFIXES else "auto"]
                result = _ingest_one(index, path, states, pipeline, origin, access,
                                     bar if progress else None, (names or {}).get(path), force, ocr)
            except IngestError as e:
                result = FileResult(str(path), (names or {}).get(path, path.name), "failed", reason=e.reason)
            except ScenarioError:
                raise
            except Exception as e:  # noqa: BLE001 - one unexpected failure must not stop the batch
                result = FileResult(str(path), (names or {}).get(path, path.name), "failed",
                                    reason=f"处理时出错（{type(e).__name__}: {e}）")
            if result.status in ("added", "updated"):
                changed = True
            report.results.append(result)
            bar.update(1)
            if on_file is not None:
                on_file(len(report.results) - len(problems), len(files), result)
        bar.close()
        if changed or not index.lexical_path.exists():
            index.rebuild_lexical()
        report.total_chunks = index.store.count()
    return report


def _ingest_one(index: Index, path: Path, states: dict, pipeline: str, origin: str, access: str,
                bar: tqdm | None, name: str | None = None, force: bool = False,
                ocr: str = "auto") -> FileResult:
    source = name or path.name
    limit = index.settings.max_file_mb * 1024 * 1024
    try:
        data = path.read_bytes() if path.is_file() and path.stat().st_size <= limit else None
    except OSError:
        data = None  # load_document reports why
    state = states.get(source)
    if data is not None and state and not force and state.is_complete(file_hash(data), pipeline, access):
        return FileResult(str(path), source, "unchanged", chunks=state.n_chunks)

    doc = load_document(path, data, max_bytes=limit, options=LoadOptions(ocr=ocr, progress=_page_bar(bar, source)))
    confidence = {p.number: p.ocr_confidence for p in doc.pages if p.ocr_confidence is not None}
    extra: ChunkMeta = {}
    if "card" in doc.meta:
        problems = validate_card(doc.meta["card"], index.vocab)
        if problems:
            raise IngestError(source, "案例卡片不合格：" + "；".join(problems))
        card = card_from_dict(doc.meta["card"])
        chunks = [Chunk(text=card.text(), section=f"案例 / {card.title}", kind="case", page=None)]
        extra = card.metadata()
    else:
        s = index.settings
        chunks = chunk_sections(split_sections(doc.pages), s.chunk_chars, s.max_chunk_chars, s.min_chunk_chars)
        extra = brief_metadata(doc.meta)
    if not chunks:
        raise IngestError(source, "清理后没有可用的正文内容")
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    ids, texts, metas, embed_inputs = [], [], [], []
    for c in chunks:
        # the label is part of the id: relabelling changes the collection's fingerprint, so
        # every process rebuilds its BM25 index (and its filter metadata) from Chroma
        ids.append(hashlib.sha1(f"{source}|{doc.file_hash}|{pipeline}|{access}|{c.index}".encode()).hexdigest()[:24])
        texts.append(c.text)
        embed_inputs.append(embedding_text(c.text, c.section))
        meta = ChunkMeta(source=source, title=doc.title, section=c.section, page=c.page,
                         kind=c.kind, chunk_index=c.index, n_chunks=len(chunks),
                         doc_hash=doc.file_hash, pipeline=pipeline, ingested_at=now,
                         origin=origin, access=access, chars=len(c.text), path=str(path.resolve()))
        if c.page in confidence:
            meta["ocr_confidence"] = round(confidence[c.page], 3)
        meta.update(chunk_metadata(c.text, c.section, index.vocab))
        if c.kind != "case":
            meta.update(case_facets(c.text, index.vocab))
            if "type" in doc.meta:  # a policy brief or method note describes rules, not a case
                meta["case_like"] = False
        meta.update(extra)
        metas.append(meta)
    # evidence units are embedded now, once, so that answers score sentences by meaning
    # without embedding any at query time (the vectors live in the content-hash cache)
    unit_inputs = list(dict.fromkeys(u.embed_text for c in chunks for u in chunk_units(c.text, c.kind, c.section)
                                     if u.embedded))
    sub = None
    if bar is not None and len(chunks) > 32:
        sub = tqdm(total=len(chunks) + len(unit_inputs), unit="段", desc=f"  向量化 {source[:24]}", leave=False,
                   dynamic_ncols=True, disable=None)
    try:
        vectors = index.embedder.embed_passages(embed_inputs, progress=sub.update if sub else None)
        index.embedder.embed_passages(unit_inputs, progress=sub.update if sub else None)
    finally:
        if sub:
            sub.close()
    index.store.add(ids, texts, vectors, metas)
    # the new version is complete: now remove every other chunk of this file
    index.store.delete_source(source, keep_ids=set(ids))
    return FileResult(str(path), source, "updated" if state else "added", chunks=len(chunks),
                      warnings=doc.warnings)


def _page_bar(bar: tqdm | None, source: str):
    """A per-page progress bar for slow page work (OCR), opened on its first report."""
    if bar is None:
        return None
    state: dict = {}

    def report(done: int, total: int, what: str) -> None:
        sub = state.get("bar")
        if sub is None:
            sub = state["bar"] = tqdm(total=total, unit="页", desc=f"  {what} {source[:24]}", leave=False,
                                      dynamic_ncols=True, disable=None)
        sub.n = done
        sub.refresh()
        if done >= total:
            sub.close()

    return report


def remove_documents(index: Index, sources: list[str]) -> dict[str, int]:
    """Delete documents by source file name; returns chunks deleted per name."""
    with index.write_lock():
        removed = {s: index.store.delete_source(s) for s in sources}
        if any(removed.values()):
            index.rebuild_lexical()
    return removed
