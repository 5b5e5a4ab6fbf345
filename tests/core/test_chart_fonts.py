"""Chinese chart labels are drawn with a CJK font even when matplotlib's font cache was
built before that font was installed (so the cache does not list it)."""
from __future__ import annotations

import io
import warnings

import pytest
from matplotlib import font_manager

from core import chart_fonts

CJK = set(chart_fonts.FAMILIES[:-1])


def _glyph_warnings(draw) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        draw()
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.fixture
def stale_cache(monkeypatch):
    """matplotlib as on a machine whose font cache predates the CJK font."""
    if not any(chart_fonts.is_cjk_font_file(p) for p in font_manager.findSystemFonts()):
        pytest.skip("no CJK font installed (.ci/run installs fonts-wqy-zenhei)")
    manager = font_manager.fontManager
    monkeypatch.setattr(manager, "ttflist", [f for f in manager.ttflist if f.name not in CJK])
    manager._findfont_cached.cache_clear()
    chart_fonts.chinese_sans_serif.cache_clear()
    yield
    chart_fonts.chinese_sans_serif.cache_clear()
    manager._findfont_cached.cache_clear()


def _chart(families: list[str]) -> None:
    import matplotlib
    from matplotlib.figure import Figure

    with matplotlib.rc_context({"font.sans-serif": families}):
        fig = Figure()
        fig.subplots().set_title("按任务：问答、案例、方案")
        fig.savefig(io.BytesIO(), format="png")


def test_a_cjk_font_missing_from_a_stale_cache_is_found_and_used(stale_cache):
    assert _glyph_warnings(lambda: _chart(["DejaVu Sans"]))  # the failure this prevents
    families = chart_fonts.chinese_sans_serif()
    assert families[0] in CJK and families[-1] == "DejaVu Sans"
    assert _glyph_warnings(lambda: _chart(families)) == []


def test_the_evaluation_report_charts_draw_chinese_task_names(stale_cache):
    from evals.report import _bars

    groups = {"问答": {"hit@5": 0.9, "key_fact_recall": 0.7}, "案例": {"hit@5": 0.8}}
    png = []
    assert _glyph_warnings(lambda: png.append(_bars(groups, "按任务（第一种检索方式）"))) == []
    assert png[0].startswith("data:image/png;base64,")
