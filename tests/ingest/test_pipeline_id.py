"""What decides re-ingest: the pipeline id changes with the vocabulary's content and the
cleaning code's, and the vocabulary follows SCENARIO_CORPUS like the rest of the corpus."""
from __future__ import annotations

import shutil

from core.settings import PROJECT_ROOT, Settings
from ingest.pipeline import CLEANING_FILES, files_digest, pipeline_id
from core.vocab import load_vocab

SHIPPED_VOCAB = PROJECT_ROOT / "corpus" / "vocab.yaml"


def test_editing_the_vocabulary_changes_the_pipeline_id(tmp_path):
    copy = tmp_path / "vocab.yaml"
    shutil.copy(SHIPPED_VOCAB, copy)
    before = pipeline_id(Settings(home=tmp_path), "m", load_vocab(copy).digest)
    assert before == pipeline_id(Settings(home=tmp_path), "m", load_vocab(SHIPPED_VOCAB).digest)
    edited = tmp_path / "edited.yaml"
    edited.write_text(copy.read_text(encoding="utf-8").replace("terms:\n", "terms:\n  - 新增的领域术语\n", 1),
                      encoding="utf-8")
    assert pipeline_id(Settings(home=tmp_path), "m", load_vocab(edited).digest) != before


def test_editing_the_cleaning_code_changes_its_digest(tmp_path):
    copies = []
    for path in CLEANING_FILES:
        copies.append(tmp_path / path.name)
        shutil.copy(path, copies[-1])
    assert files_digest(tuple(copies)) == files_digest(CLEANING_FILES)
    with copies[0].open("a", encoding="utf-8") as f:
        f.write("\n# a changed rule\n")
    assert files_digest(tuple(copies)) != files_digest(CLEANING_FILES)


def test_the_vocabulary_follows_scenario_corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("SCENARIO_CORPUS", str(tmp_path))
    assert Settings(home=tmp_path / "h").vocab_path == SHIPPED_VOCAB  # a corpus without one: the shipped one
    own = tmp_path / "vocab.yaml"
    own.write_text("terms: [场景清单]\nprovinces: {江苏: 江苏}\ncities: {无锡: 江苏}\ndistricts: {}\n",
                   encoding="utf-8")
    assert Settings(home=tmp_path / "h").vocab_path == own
    assert load_vocab().cities == {"无锡": "江苏"}
    monkeypatch.delenv("SCENARIO_CORPUS")
    assert load_vocab().digest == load_vocab(SHIPPED_VOCAB).digest
