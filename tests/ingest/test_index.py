"""Indexing with the real embedder and real Chroma: incremental re-ingest, bad input in a
batch, document removal, and the BM25 index always agreeing with the collection."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.index_checks import assert_consistent
from tests.docmaker import POLICY_TEXT, make_pdf, write_text

pytestmark = pytest.mark.store


def chunk_sources(assistant) -> Counter:
    return Counter(m["source"] for _, _, m in assistant.index.store.iter_all(include_documents=False))


def test_reingest_skips_unchanged_and_replaces_changed(assistant, tmp_path):
    (tmp_path / "docs").mkdir()
    a = write_text(tmp_path / "docs" / "a.txt", POLICY_TEXT)
    b = write_text(tmp_path / "docs" / "b.md", "# 合肥场景\n\n合肥在市级政府投资及国企项目中预留5%预算专项用于新场景建设。\n")
    first = assistant.ingest([tmp_path / "docs"], progress=False)
    assert [r.status for r in first.results] == ["added", "added"]
    counts = chunk_sources(assistant)
    assert set(counts) == {"a.txt", "b.md"}
    ids_before = set(assistant.index.store.all_ids())

    again = assistant.ingest([tmp_path / "docs"], progress=False)
    assert [r.status for r in again.results] == ["unchanged", "unchanged"]
    assert set(assistant.index.store.all_ids()) == ids_before

    write_text(a, POLICY_TEXT.replace("累计开放场景机会120个", "累计开放场景机会150个") + "\n四、附则\n\n本方案自发布之日起施行。\n")
    changed = assistant.ingest([a, b], progress=False)
    assert [r.status for r in changed.results] == ["updated", "unchanged"]
    texts = [t for _, t, m in assistant.index.store.iter_all() if m["source"] == "a.txt"]
    assert any("150个" in t for t in texts) and not any("120个" in t for t in texts)
    assert any("本方案自发布之日起施行" in t for t in texts)
    assert_consistent(assistant)
    # lexical search sees the new version only
    hits = assistant.retriever.retrieve("累计开放场景机会150个", mode="lexical", k=3)
    assert "150个" in hits[0].text


def test_shrinking_document_leaves_no_orphans(assistant, tmp_path):
    doc = write_text(tmp_path / "long.txt", POLICY_TEXT * 3)
    assistant.ingest([doc], progress=False)
    n_long = chunk_sources(assistant)["long.txt"]
    write_text(doc, "一、唯一章节\n\n现在只剩一句话。")
    assistant.ingest([doc], progress=False)
    assert n_long > 1 and chunk_sources(assistant)["long.txt"] == 1
    assert_consistent(assistant)


def test_a_bad_file_does_not_stop_the_batch(assistant, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    write_text(folder / "good.txt", POLICY_TEXT)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "fake.pdf").write_bytes(b"\x89PNG\x00\x00 not a pdf" * 20)
    damaged = make_pdf(tmp_path / "damaged.pdf", [["第一页。"], ["第二页。"]])
    (folder / "damaged.pdf").write_bytes(damaged.read_bytes()[:400])
    unknown = write_text(tmp_path / "notes.xyz", "未知格式")
    unreadable = tmp_path / "link.txt"  # root reads any file: a dangling link cannot be read
    unreadable.symlink_to(tmp_path / "gone.txt")
    report = assistant.ingest([folder, unknown, unreadable, tmp_path / "missing.txt"], progress=False)
    by_name = {r.source: r for r in report.results}
    assert by_name["good.txt"].status == "added"
    failed = {r.source: r.reason for r in report.failed}
    assert set(failed) == {"empty.txt", "fake.pdf", "damaged.pdf", "notes.xyz", "link.txt", "missing.txt"}
    assert "文件为空" in failed["empty.txt"]
    assert "不是有效的 PDF" in failed["fake.pdf"]
    assert "PDF" in failed["damaged.pdf"]
    assert "不支持的文件类型" in failed["notes.xyz"]
    assert "不存在" in failed["missing.txt"] and "不存在" in failed["link.txt"]
    assert set(chunk_sources(assistant)) == {"good.txt"}
    assert_consistent(assistant)


def test_a_folder_lists_the_files_it_skipped(assistant, tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    write_text(folder / "policy.txt", POLICY_TEXT)
    (folder / "diagram.vsdx").write_bytes(b"PK\x03\x04 visio")
    (folder / "notes.key").write_bytes(b"keynote")
    report = assistant.ingest([folder], progress=False)
    skipped = {r.source: r.reason for r in report.results if r.status == "skipped"}
    assert set(skipped) == {"diagram.vsdx", "notes.key"}
    assert "不支持的文件类型「.vsdx」" in skipped["diagram.vsdx"]
    assert report.to_dict()["skipped"] == 2 and report.to_dict()["added"] == 1
    assert not report.failed  # skipping is not failing: the batch succeeded
    assert set(chunk_sources(assistant)) == {"policy.txt"}


def test_remove_document_updates_both_indexes(assistant, tmp_path):
    write_text(tmp_path / "keep.txt", POLICY_TEXT)
    write_text(tmp_path / "drop.txt", "一、低空经济\n\n深圳累计开放约200个“城市+AI”应用场景。")
    assistant.ingest([tmp_path / "keep.txt", tmp_path / "drop.txt"], progress=False)
    removed = assistant.remove(["drop.txt", "never.txt"])
    assert removed["never.txt"] == 0 and removed["drop.txt"] >= 1
    assert set(chunk_sources(assistant)) == {"keep.txt"}
    assert assistant.retriever.retrieve("深圳城市+AI应用场景", mode="lexical") == [] or \
        all(c.doc == "keep.txt" for c in assistant.retriever.retrieve("深圳城市+AI应用场景", mode="lexical"))
    assert_consistent(assistant)


def test_lexical_index_is_rebuilt_when_stale(assistant, tmp_path):
    write_text(tmp_path / "a.txt", POLICY_TEXT)
    assistant.ingest([tmp_path / "a.txt"], progress=False)
    # a writer that bypasses ingest (another process, a crash) leaves the saved BM25 stale
    store = assistant.index.store
    store.collection.delete(ids=store.all_ids()[:1])
    assert not assistant.index.lexical_is_fresh()
    lex = assistant.index.lexical()
    assert sorted(lex.ids) == sorted(store.all_ids())
    assert assistant.index.lexical_is_fresh()


def test_readers_check_one_generation_token_not_every_id(assistant, tmp_path, monkeypatch):
    """Per query a reader reads the store's generation; only when it moved (or a write is
    under way, or crashed) does it compare all ids. Writes by another Index are seen."""
    from index.knowledge_base import Index

    write_text(tmp_path / "a.txt", POLICY_TEXT)
    assistant.ingest([tmp_path / "a.txt"], progress=False)
    reader = Index(assistant.settings, embedder=assistant.index.embedder, vocab=assistant.index.vocab)
    first = reader.lexical()
    calls = []
    real = reader.store.fingerprint
    monkeypatch.setattr(reader.store, "fingerprint", lambda: calls.append(1) or real())
    assert reader.lexical() is first and reader.lexical() is first and not calls  # fast path
    write_text(tmp_path / "b.txt", "一、无锡实践\n\n无锡发布三个城市级超级场景，开放85个场景机会。")
    assistant.ingest([tmp_path / "b.txt"], progress=False)  # another writer
    assert sorted(reader.lexical().ids) == sorted(reader.store.all_ids()) and calls
    # a write that died half-way leaves "writing:…": readers keep taking the exact check
    reader.store.set_generation("writing:crashed")
    reader.store.collection.delete(ids=reader.store.all_ids()[:1])
    assert sorted(reader.lexical().ids) == sorted(reader.store.all_ids())
    n = len(calls)
    reader.lexical()
    assert len(calls) == n + 1


def test_concurrent_writer_is_refused(assistant):
    from core.errors import HomeLockedError

    with assistant.index.write_lock():
        other = type(assistant)(assistant.settings)
        with pytest.raises(HomeLockedError):
            with other.index.write_lock():
                pass


def test_embeddings_are_cached_by_content(assistant, tmp_path):
    write_text(tmp_path / "a.txt", POLICY_TEXT)
    assistant.ingest([tmp_path / "a.txt"], progress=False)
    calls = []
    inner = assistant.index.embedder.inner
    original = inner.embed_passages
    inner.embed_passages = lambda texts: calls.append(len(texts)) or original(texts)
    # same content under a new name: chunks are new, vectors come from the cache
    write_text(tmp_path / "copy.txt", POLICY_TEXT)
    assistant.ingest([tmp_path / "copy.txt"], progress=False)
    assert calls == []
    assert chunk_sources(assistant)["copy.txt"] == chunk_sources(assistant)["a.txt"]


def test_chunk_metadata(assistant, tmp_path):
    write_text(tmp_path / "wuxi.txt", "一、无锡实践\n\n2025年，无锡发布城市级超级场景，开放85个场景机会。")
    make_pdf(tmp_path / "hefei.pdf", [["合肥场景方案"], ["二、资金", "2024年合肥预留5%预算用于新场景建设。"]], title="合肥场景方案")
    assistant.ingest([tmp_path / "wuxi.txt", tmp_path / "hefei.pdf"], progress=False)
    rows = [(t, m) for _, t, m in assistant.index.store.iter_all()]
    wuxi = next(m for t, m in rows if m["source"] == "wuxi.txt")
    assert wuxi["section"] == "一、无锡实践" and wuxi["kind"] == "text"
    assert "无锡" in wuxi["cities"] and "江苏" in wuxi["cities"] and wuxi["years"] == [2025]
    hefei = next(m for t, m in rows if m["source"] == "hefei.pdf" and "5%" in t)
    assert hefei["page"] == 2 and hefei["title"] == "合肥场景方案"
    assert "合肥" in hefei["cities"] and hefei["years"] == [2024]


def test_concurrent_readers_rebuild_once_without_clashing(assistant, tmp_path):
    """After a write, many request threads find the BM25 index stale at once: one rebuilds,
    the others wait for it (they used to race on one temporary file)."""
    import threading

    write_text(tmp_path / "a.txt", POLICY_TEXT)
    assistant.ingest([tmp_path / "a.txt"], progress=False)
    index = assistant.index
    index.lexical_path.unlink()
    index._lexical = None
    builds, errors = [], []
    real = index.rebuild_lexical
    index.rebuild_lexical = lambda fp=None: builds.append(1) or real(fp)
    barrier = threading.Barrier(8)

    def read():
        try:
            barrier.wait()
            assert sorted(index.lexical().ids) == sorted(index.store.all_ids())
        except Exception as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=read) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(builds) == 1
