"""The Gradio UI in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
log in, ask and watch the answer stream, open a citation, ask a follow-up, upload a DOCX
and ask about it, compare cases, download a proposal DOCX, run a small evaluation and see
its chart. Screenshots go to test-artifacts/ui/ (or $SCENARIO_ARTIFACTS/ui)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.apiserver import PASSWORDS, serving
from tests.docmaker import make_docx

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed")
ARTIFACTS = Path(os.environ.get("SCENARIO_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts")) / "ui"

# Records every text the last answer bubble shows, to see that it grew in pieces.
WATCH = """() => {
  window.__states = [];
  const chat = document.querySelector('#chat');
  new MutationObserver(() => {
    const bots = chat.querySelectorAll('.bot, [data-testid="bot"]');
    const last = bots[bots.length - 1];
    if (last) { const t = last.innerText; if (window.__states[window.__states.length - 1] !== t) window.__states.push(t); }
  }).observe(chat, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serving(tmp_path_factory, "ui")


@pytest.fixture(scope="module")
def page(server):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True)
        # offline: anything but the server is refused at once instead of hanging
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith(server.url)
                      or route.request.url.startswith(("data:", "blob:")) else route.abort())
        pg = context.new_page()
        pg.set_default_timeout(30000)
        yield pg
        browser.close()


def _tab(page, name: str):
    page.get_by_role("tab", name=name).click()


def test_1_login(page, server):
    page.goto(server.url + "/")
    page.locator("input[type=text]").fill("admin")
    page.locator("input[type=password]").fill("wrong-password")
    page.get_by_role("button", name="Login").click()
    page.wait_for_timeout(1000)
    assert page.locator("#question").count() == 0  # still at the login form
    page.goto(server.url + "/")
    page.locator("input[type=text]").fill("admin")
    page.locator("input[type=password]").fill(PASSWORDS["admin"])
    page.get_by_role("button", name="Login").click()
    page.wait_for_selector("#question textarea")
    page.wait_for_function("document.body.innerText.includes('当前用户：admin')")
    page.screenshot(path=str(ARTIFACTS / "01-signed-in.png"))


def test_2_ask_streams_and_opens_a_citation(page):
    page.evaluate(WATCH)
    page.locator("#question textarea").fill("无锡开放了多少个场景机会？")
    page.locator("#send").click()
    page.wait_for_selector("#chat .cite-marker")
    states = page.evaluate("window.__states")
    final = page.locator("#chat .answer").last.inner_text()
    assert "85" in final
    # the reply was shown in pieces before its final form with citations
    growing = [s for s in states if s.strip() and "参考资料" not in s]
    assert growing, states
    page.locator("#chat .cite-marker").first.click()
    card = page.locator("#chat .cite-card.active")
    card.wait_for()
    assert "public.txt" in card.inner_text()
    highlighted = card.locator(".cited-sentence").first
    assert "85" in highlighted.inner_text()
    assert highlighted.evaluate("e => getComputedStyle(e).backgroundColor") not in ("rgba(0, 0, 0, 0)", "transparent")
    page.screenshot(path=str(ARTIFACTS / "02-answer-with-citation.png"), full_page=True)


def test_3_follow_up_is_rewritten(page):
    page.locator("#question textarea").fill("它接入了多少个传感器？")
    page.locator("#send").click()
    page.wait_for_function("document.querySelectorAll('#chat .rewritten').length >= 1")
    assert "无锡接入了多少个传感器" in page.locator("#chat .rewritten").last.inner_text()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length >= 2")
    assert "1200" in page.locator("#chat .answer").last.inner_text()
    with page.expect_download() as dl:
        page.locator("#export").click()
    exported = Path(dl.value.path()).read_text(encoding="utf-8")
    assert "1200" in exported and "## 参考资料" in exported and "public.txt" in exported
    page.screenshot(path=str(ARTIFACTS / "03-follow-up.png"), full_page=True)


def test_4_upload_a_docx_and_ask_about_it(page, tmp_path):
    doc = make_docx(tmp_path / "苏州低空通报.docx", "苏州低空通报", [
        ("h1", "一、苏州低空经济场景"),
        ("p", "2025年，苏州开放低空物流场景机会57个，建成起降点210个。"
              "<script>window.__pwned = 1</script><img src=x onerror=\"window.__pwned = 2\">")])
    _tab(page, "知识库")
    page.locator("#upload-files input[type=file]").set_input_files(str(doc))
    page.wait_for_timeout(500)
    page.locator("#upload").click()
    page.wait_for_function("document.querySelector('#upload-result') && "
                           "document.querySelector('#upload-result').innerText.includes('已导入')")
    assert "苏州低空通报.docx" in page.locator("#doc-table").inner_text()
    page.screenshot(path=str(ARTIFACTS / "04-knowledge-base.png"), full_page=True)
    _tab(page, "政策问答")
    page.locator("#question textarea").fill("苏州开放了多少个低空物流场景机会？")
    page.locator("#send").click()
    page.wait_for_function("document.querySelectorAll('#chat .answer').length >= 3")
    assert "57" in page.locator("#chat .answer").last.inner_text()
    page.locator("#chat .cite-marker").last.click()
    card = page.locator("#chat .cite-card.active").inner_text()
    assert "苏州低空通报.docx" in card
    # the document's markup is shown as text and never runs
    assert "<script>window." in card and "onerror=" in card
    assert page.evaluate("typeof window.__pwned === 'undefined' && typeof window.pwned === 'undefined'")
    assert page.locator("#chat img[src=x]").count() == 0


def test_5_compare_cases(page):
    _tab(page, "案例对标")
    page.locator("#need textarea").fill("建设城市安全风险监测预警平台")
    page.locator("#find-cases").click()
    page.wait_for_selector("#case-results .case-card")
    text = page.locator("#case-results").inner_text()
    assert "无锡" in text and "对标理由" in text and "出处" in text
    page.screenshot(path=str(ARTIFACTS / "05-cases.png"), full_page=True)


def test_6_download_a_proposal_docx(page, server):
    import docx
    import httpx

    _tab(page, "方案起草")
    page.locator("#idea textarea").fill("城市安全风险监测预警平台")
    page.locator("#write-draft").click()
    page.wait_for_function("document.querySelector('#draft-preview').innerText.includes('三维')")
    with page.expect_download() as dl:
        page.locator("#download-docx").click()
    assert dl.value.suggested_filename.endswith(".docx")
    d = docx.Document(dl.value.path())
    text = "\n".join(p.text for p in d.paragraphs)
    assert "场景" in text and "三维" in text
    # the file is the signed-in user's own: another signed-in user gets 404 for its address
    url = dl.value.url
    assert "/gradio_api/file=" in url and "/downloads/" in url
    assert page.request.get(url).status == 200
    other = httpx.Client(base_url=server.url, timeout=30)
    assert other.post("/login", data={"username": "viewer", "password": PASSWORDS["viewer"]}).status_code == 200
    assert other.get(url).status_code == 404
    page.screenshot(path=str(ARTIFACTS / "06-proposal.png"), full_page=True)


def test_7_run_a_small_evaluation_and_see_its_chart(page):
    _tab(page, "评测")
    page.locator("#dataset input").click()
    page.get_by_role("option", name="tiny.jsonl").click()
    page.locator("#run-eval").click()
    page.wait_for_function("document.querySelector('#eval-status').innerText.includes('评测完成')", timeout=120000)
    chart = page.locator("#eval-chart")
    chart.locator("canvas, svg").first.wait_for()
    items = page.locator("#eval-items").inner_text()
    assert "t-1" in items and "t-3" in items
    page.locator('#eval-items [aria-colindex="1"]', has_text="t-1").first.click()
    page.wait_for_function("document.body.innerText.includes('参考答案')")
    page.screenshot(path=str(ARTIFACTS / "07-evaluation.png"), full_page=True)
