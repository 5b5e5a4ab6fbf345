"""``scenario serve`` and ``scenario users``: accounts from the command line, the bind rule
without accounts, a real server process, and the UI's escaping of document text."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import httpx
import pytest
from click.testing import CliRunner

from ui.cli import cli
from assistant.users import UserStore, verify_password
from tests.apiserver import free_port
from ui.render import answer_html, case_cards
from evals.serving import wait_until_serving

pytestmark = pytest.mark.slow  # starts the server


@pytest.fixture
def run(tmp_path):
    home = tmp_path / "home"

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, [*args, "--home", str(home)], input=input, catch_exceptions=False)

    invoke.home = home
    return invoke


def test_users_are_managed_from_the_command_line(run):
    r = run("users", "add", "张三", "--role", "editor", "--group", "规划局", "--password-stdin", input="pass-word-1\n")
    assert r.exit_code == 0 and "已添加用户 张三" in r.output
    stored = json.loads((run.home / "users.json").read_text(encoding="utf-8"))["users"][0]
    assert stored["password"].startswith("scrypt$") and "pass-word-1" not in json.dumps(stored)
    assert verify_password("pass-word-1", stored["password"]) and not verify_password("pass-word-2", stored["password"])
    assert oct((run.home / "users.json").stat().st_mode)[-3:] == "600"
    r = run("users", "add", "张三", "--password-stdin", input="pass-word-1\n")
    assert r.exit_code == 1 and "已存在" in r.output
    r = run("users", "add", "李四", "--password-stdin", input="short\n")
    assert r.exit_code == 1 and "至少 8 个字符" in r.output
    r = run("users", "add", "王五", "--role", "root", "--password-stdin", input="pass-word-1\n")
    assert r.exit_code == 2  # click rejects the role
    token = run("users", "token", "张三").output.strip()
    assert token.startswith("sa_") and UserStore(run.home).by_token(token).name == "张三"
    listed = json.loads(run("users", "list", "--json").output)["users"]
    assert [(u["name"], u["role"], u["groups"], u["tokens"]) for u in listed] == [("张三", "editor", ["规划局"], 1)]
    assert run("users", "remove", "张三").exit_code == 0
    assert json.loads(run("users", "list", "--json").output)["users"] == []


def test_ingest_takes_an_access_label(run, tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("一、常州\n\n2025年，常州部署桥梁传感器4321个。", encoding="utf-8")
    assert run("ingest", str(doc), "--access", "规划局", "-q").exit_code == 0
    listed = json.loads(run("docs", "list", "--json").output)["documents"]
    assert listed[0]["access"] == "规划局"
    r = run("ingest", str(doc), "--access", "a/b")
    assert r.exit_code == 1 and "访问级别无效" in r.output


def test_without_users_the_server_refuses_other_addresses(run):
    r = run("serve", "--host", "0.0.0.0", "--port", str(free_port()))
    assert r.exit_code == 2 and "只能在本机地址" in r.output


def test_serve_starts_one_process_with_ui_and_api(tmp_path):
    port = free_port()
    env = {**os.environ, "SCENARIO_NO_BUILTIN": "1", "SCENARIO_HOME": str(tmp_path / "home")}
    proc = subprocess.Popen([sys.executable, "-m", "ui.cli", "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        if not wait_until_serving(url, 60, proc):
            pytest.fail("server did not start: " + (proc.stdout.read() if proc.poll() is not None else ""))
        assert httpx.get(f"{url}/api/health").json()["open_mode"] is True
        page = httpx.get(f"{url}/")
        assert page.status_code == 200 and "gradio" in page.text.lower()
        assert httpx.get(f"{url}/api/me").json()["name"] == "本机用户"  # no accounts: the local user, no token
        assert httpx.get(f"{url}/api/openapi.json").json()["info"]["title"] == "场景智答 API"
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=20)
    assert "本机模式" in out and f"http://127.0.0.1:{port}/" in out


def test_document_text_is_never_markup():
    evil = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    html_out = answer_html({"question": "q", "answer": f"结论{evil}。[1]", "refused": False,
                            "rewritten_question": evil,
                            "citations": [{"n": 1, "doc": evil, "title": evil, "section": evil, "page": None,
                                           "text": f"正文{evil}。"}], "notes": [evil]})
    assert "<script>" not in html_out and "<img" not in html_out and "&lt;script&gt;" in html_out
    assert 'class="cite-marker cid-' in html_out  # our own markup survives
    cards = case_cards([{"city": evil, "title": evil, "summary": evil, "why": evil, "figures": [], "source": {"doc": evil}}])
    assert "<script>" not in cards and "<img" not in cards
