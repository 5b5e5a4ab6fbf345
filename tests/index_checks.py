"""What a consistent index looks like, checked after ingests that may have failed half-way."""
from __future__ import annotations

from index.lexical_index import LexicalIndex


def assert_consistent(assistant):
    """No duplicate texts per document, every chunk of a document from one version,
    complete, and BM25 built from exactly the collection's chunks."""
    by_doc: dict[str, list] = {}
    for cid, text, meta in assistant.index.store.iter_all():
        by_doc.setdefault(meta["source"], []).append((cid, text, meta))
    for source, rows in by_doc.items():
        assert len({m["doc_hash"] for _, _, m in rows}) == 1, f"{source}: chunks of two versions"
        assert len(rows) == rows[0][2]["n_chunks"], f"{source}: incomplete"
        assert len({m["chunk_index"] for _, _, m in rows}) == len(rows), f"{source}: duplicate chunks"
    lex = assistant.index.lexical()
    assert sorted(lex.ids) == sorted(assistant.index.store.all_ids())
    on_disk = LexicalIndex.load(assistant.index.lexical_path)
    assert on_disk is not None and on_disk.fingerprint == assistant.index.fingerprint()
