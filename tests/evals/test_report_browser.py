"""The evaluation report renders in a real browser: headless Chromium (Debian's
/usr/bin/chromium) driven by Playwright opens report.html and checks that every chart
image decodes and that the per-item drill-down opens and shows highlighted evidence."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # drives Chromium

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="module")
def report(tmp_path_factory, seeds_dir):
    from click.testing import CliRunner

    from ui.cli import cli

    tmp = tmp_path_factory.mktemp("report")
    dev = [json.loads(x) for x in (Path(__file__).resolve().parents[2] / "evals/datasets/dev.jsonl")
           .read_text(encoding="utf-8").splitlines()]
    small = [d for d in dev if "002_9b8f723787f48edc.txt" in {e["doc"] for e in d["evidence"]}][:5]
    ds = tmp / "small.jsonl"
    ds.write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in small), encoding="utf-8")
    corpus = tmp / "corpus"
    corpus.mkdir()
    shutil.copy(seeds_dir / "002_9b8f723787f48edc.txt", corpus)
    r = CliRunner().invoke(cli, ["eval", str(ds), "--corpus", str(corpus), "--no-builtin", "--out", str(tmp / "run"),
                                 "--home", str(tmp / "h"), "--json"])
    assert r.exit_code == 0, r.output
    return Path(json.loads(r.stdout)["report"])


def test_report_renders_in_chromium(report):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (.ci/run installs it)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                                          "--disable-component-update", "--disable-sync", "--no-first-run"])
        try:
            page = browser.new_page()
            page.goto(report.as_uri())
            assert page.title().startswith("评测报告")
            widths = page.eval_on_selector_all("img.chart", "imgs => imgs.map(i => i.complete ? i.naturalWidth : 0)")
            assert len(widths) == 4 and all(w > 100 for w in widths)
            assert page.locator("#summary tr").count() == 2
            first = page.locator("details.item").first
            assert not first.locator("ol.retrieved").is_visible()
            first.locator("summary").click()
            assert first.locator("ol.retrieved").is_visible()
            assert first.locator("mark").count() >= 1 and first.locator("mark").first.is_visible()
            page.screenshot(path=str(report.with_suffix(".png")), full_page=False)
        finally:
            browser.close()
