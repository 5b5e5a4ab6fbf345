"""The Gradio UI in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright):
log in, ask and watch the answer stream, open a citation, ask a follow-up, upload a DOCX
and ask about it, compare cases, download a proposal DOCX, see user slips answered with a
hint (no error badges, no traceback), run a small evaluation in three modes and read its
chart's legend, delete a document only after confirming. Screenshots go to test-artifacts/ui/ (or $SCENARIO_ARTIFACTS/ui)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.apiserver import PASSWORDS, serving
from tests.docmaker import make_docx

CHROMIUM = "/usr/bin/chromium"
pytestmark = [pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium not installed"), pytest.mark.slow]  # slow: drives Chromium against a server
ARTIFACTS = Path(os.environ.get("SCENARIO_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts")) / "ui"

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


def _hint(page, text: str):
    """A Gradio toast carrying ``text`` appeared."""
    page.wait_for_function("t => Array.from(document.querySelectorAll('.toast-body, [class*=toast]'))"
                           ".some(e => e.innerText.includes(t))", arg=text, timeout=15000)


def _no_error_badges(page):
    badges = page.locator('[data-testid="status-tracker"] .error')
    assert not [b for b in badges.all() if b.is_visible() and b.inner_text().strip()]


def _no_tracebacks(capfd, caplog):
    err = capfd.readouterr().err
    assert "Traceback" not in err, err[-3000:]
    assert not [r for r in caplog.records if r.exc_info], [r.getMessage() for r in caplog.records if r.exc_info]


def test_7_user_mistakes_get_a_hint_and_the_panels_keep_their_content(page, capfd, caplog):
    _tab(page, "政策问答")
    answers = page.locator("#chat .answer").count()
    page.locator("#question textarea").fill("   ")
    page.locator("#send").click()
    _hint(page, "请输入问题")
    assert page.locator("#chat .answer").count() == answers
    _tab(page, "案例对标")
    page.locator("#need textarea").fill("")
    page.locator("#find-cases").click()
    _hint(page, "请输入需求")
    assert page.locator("#case-results .case-card").count() > 0  # test 5's cards are still there
    _tab(page, "方案起草")
    page.locator("#idea textarea").fill("")
    page.locator("#write-draft").click()
    _hint(page, "请填写场景设想")
    assert "三维" in page.locator("#draft-preview").inner_text()  # test 6's draft is still there
    _tab(page, "知识库")
    page.locator("#upload").click()
    _hint(page, "请先选择文件")
    assert "苏州低空通报.docx" in page.locator("#doc-table").inner_text()
    _tab(page, "评测")
    page.get_by_role("button", name="比较", exact=True).click()
    _hint(page, "请选择两次评测")
    page.wait_for_timeout(500)
    _no_error_badges(page)
    page.screenshot(path=str(ARTIFACTS / "07-hints.png"), full_page=True)
    _no_tracebacks(capfd, caplog)


def test_8_run_a_small_evaluation_and_see_its_chart(page):
    _tab(page, "评测")
    page.locator("#dataset input").click()
    # only evaluation sets: the calibration file beside them is not one
    options = page.get_by_role("option").all_inner_texts()
    assert "tiny.jsonl" in options and "dev.jsonl" in options and "support_calibration.jsonl" not in options
    page.get_by_role("option", name="tiny.jsonl").click()
    for name in ("向量检索", "关键词检索"):
        page.locator("#eval-modes").get_by_label(name).check()
    page.locator("#run-eval").click()
    page.wait_for_function("document.querySelector('#eval-status').innerText.includes('评测完成')", timeout=180000)
    status = page.locator("#eval-status").inner_text()
    assert "知识库 4 个文档" in status  # 3 prepared + the DOCX of test 4
    assert "知识库中另有 3 个文档不在评测集的出处文档中" in status  # the set cites public.txt only
    chart = page.locator("#eval-chart svg")
    chart.wait_for()
    legend = chart.locator('g[id^="legend"] text').all_text_contents()
    assert {"混合检索", "向量检索", "关键词检索"} <= set(legend), legend
    ticks = chart.locator('g[id^="xtick"] text').all_text_contents()
    assert "hit@5" in ticks and "mrr@10" in ticks and not [t for t in ticks if "·" in t], ticks
    items = page.locator("#eval-items").inner_text()
    assert "t-1" in items and "t-3" in items
    page.locator('#eval-items [aria-colindex="1"]', has_text="t-1").first.click()
    page.wait_for_function("document.body.innerText.includes('参考答案')")
    page.screenshot(path=str(ARTIFACTS / "08-evaluation.png"), full_page=True)


def test_9_a_bad_dataset_upload_names_line_and_field(page, tmp_path, capfd, caplog):
    import json

    from tests.apiserver import DATASET

    rows = [json.dumps(d, ensure_ascii=False) for d in DATASET]
    rows[2] = json.dumps({k: v for k, v in DATASET[2].items() if k != "task"}, ensure_ascii=False)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    status = page.locator("#eval-status").inner_text()
    page.get_by_text("上传评测集（JSONL）").click()
    page.locator("#dataset-file input[type=file]").set_input_files(str(bad))
    _hint(page, "第 3 行：缺少字段 task")
    assert page.locator("#eval-status").inner_text() == status
    assert page.locator("#eval-chart svg").count() == 1 and "t-1" in page.locator("#eval-items").inner_text()
    _no_error_badges(page)
    _no_tracebacks(capfd, caplog)


def test_10_switching_the_draft_kind_clears_the_preview(page):
    _tab(page, "方案起草")
    assert "三维" in page.locator("#draft-preview").inner_text()
    page.get_by_label("揭榜响应方案").check()
    page.wait_for_function("!document.querySelector('#draft-preview').innerText.includes('三维')")
    assert not page.locator("#download-docx").is_visible() and not page.locator("#download-md").is_visible()


def test_11_deleting_a_document_asks_first(page):
    _tab(page, "知识库")
    pick = page.get_by_label("选择文档")
    pick.click()
    page.get_by_role("option", name="苏州低空通报.docx").click()
    page.locator("#delete-doc").click()
    page.locator("#confirm-delete").wait_for()
    assert "确定删除" in page.locator("#kb-msg").inner_text()
    assert "苏州低空通报.docx" in page.locator("#doc-table").inner_text()  # nothing deleted yet
    page.locator("#cancel-delete").click()
    page.locator("#confirm-delete").wait_for(state="hidden")
    assert "苏州低空通报.docx" in page.locator("#doc-table").inner_text()
    page.locator("#delete-doc").click()
    page.locator("#confirm-delete").click()
    page.wait_for_function("document.querySelector('#kb-msg').innerText.includes('已删除')")
    assert "苏州低空通报.docx" not in page.locator("#doc-table").inner_text()
    assert not page.locator("#confirm-delete").is_visible()
