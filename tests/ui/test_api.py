"""The REST API over real HTTP on 127.0.0.1: every endpoint, tokens and roles, document
access through ask, cases and draft, streaming, JSON errors, and a valid OpenAPI schema."""
from __future__ import annotations

import io
import json
import time

import httpx
import pytest

from tests.apiserver import PASSWORDS, read_sse, serving
from tests.docmaker import make_docx

pytestmark = [pytest.mark.store, pytest.mark.slow]  # slow: starts an API server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    yield from serving(tmp_path_factory, "api")


@pytest.fixture(scope="module")
def admin(server):
    return server.client("admin")


@pytest.fixture(scope="module")
def viewer(server):
    return server.client("viewer")


@pytest.fixture(scope="module")
def member(server):
    return server.client("member")


@pytest.fixture(scope="module")
def editor(server):
    return server.client("editor")


def _error(r: httpx.Response, status: int) -> dict:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body) == {"error"} and body["error"]["message"] and body["error"]["code"]
    assert "Traceback" not in r.text and 'File "' not in r.text
    return body["error"]


def test_openapi_schema_is_valid_and_lists_every_endpoint(server):
    from openapi_spec_validator import validate

    schema = httpx.get(f"{server.url}/api/openapi.json").json()
    validate(schema)
    paths = set(schema["paths"])
    assert {"/api/token", "/api/me", "/api/ask", "/api/cases", "/api/draft/proposal", "/api/draft/response",
            "/api/documents", "/api/documents/{name}", "/api/documents/{name}/reingest", "/api/evals",
            "/api/evals/{run_id}", "/api/evals/compare", "/api/evals/datasets", "/api/users",
            "/api/files/{file_id}"} <= paths
    docs = httpx.get(f"{server.url}/api/docs")
    assert docs.status_code == 200 and "/api/docs-assets/swagger-ui-bundle.js" in docs.text
    assert httpx.get(f"{server.url}/api/docs-assets/swagger-ui-bundle.js").status_code == 200


def test_auth_is_required_and_bad_credentials_refused(server):
    err = _error(httpx.post(f"{server.url}/api/ask", json={"question": "无锡开放了多少个场景机会？"}), 401)
    assert "登录" in err["message"]
    _error(httpx.get(f"{server.url}/api/documents", headers={"Authorization": "Bearer sa_wrong"}), 401)
    err = _error(httpx.post(f"{server.url}/api/token", json={"username": "viewer", "password": "nope-nope"}), 401)
    assert err["message"] == "用户名或密码错误"
    # the token is issued hashed: the users file never holds it
    tok = httpx.post(f"{server.url}/api/token", json={"username": "viewer", "password": PASSWORDS["viewer"]}).json()
    assert tok["token"] not in server.state.users.path.read_text(encoding="utf-8")
    me = httpx.get(f"{server.url}/api/me", headers={"Authorization": f"Bearer {tok['token']}"}).json()
    assert me == {"name": "viewer", "role": "viewer", "groups": [], "open_mode": False}


def test_wrong_role_is_refused(viewer, editor):
    files = {"files": ("x.txt", "一、测试\n\n测试内容足够长，用来导入一个文档，确保它不是空的。".encode(), "text/plain")}
    assert "编辑者" in _error(viewer.post("/api/documents", files=files), 403)["message"]
    _error(viewer.delete("/api/documents/public.txt"), 403)
    _error(viewer.post("/api/documents/public.txt/reingest"), 403)
    _error(viewer.post("/api/evals", json={"dataset": "tiny.jsonl"}), 403)
    _error(editor.post("/api/evals", json={"dataset": "tiny.jsonl"}), 403)
    _error(editor.get("/api/users"), 403)
    _error(viewer.post("/api/users", json={"name": "x", "password": "12345678"}), 403)


def test_ask_with_citations_and_filters(viewer):
    r = viewer.post("/api/ask", json={"question": "无锡开放了多少个场景机会？"})
    assert r.status_code == 200
    body = r.json()
    assert "85" in body["answer"] and not body["refused"]
    assert body["citations"][0]["doc"] == "public.txt" and "[1]" in body["answer"]
    assert {"question", "answer", "refused", "citations", "retrieved", "timings_ms", "rewritten_question"} <= set(body)
    r = viewer.post("/api/ask", json={"question": "无锡开放了多少个场景机会？", "docs": ["internal.txt"]})
    assert all(c["doc"] == "internal.txt" for c in r.json()["retrieved"])


def test_ask_streams_pieces_then_the_result(viewer):
    with viewer.stream("POST", "/api/ask", json={"question": "无锡开放了多少个场景机会？", "stream": True}) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = read_sse(r)
    kinds = [k for k, _ in events]
    assert kinds[0] == "delta" and kinds[-1] == "result" and kinds.count("result") == 1
    streamed = "".join(d["text"] for k, d in events if k == "delta")
    assert streamed == events[-1][1]["answer"] and "85" in streamed


def test_follow_up_through_the_api(viewer):
    first = viewer.post("/api/ask", json={"question": "无锡开放了多少个场景机会？"}).json()
    body = viewer.post("/api/ask", json={"question": "它接入了多少个传感器？",
                                         "history": [{"question": first["question"], "answer": first["answer"]}]}).json()
    assert body["rewritten_question"] == "无锡接入了多少个传感器？"
    assert "1200" in body["answer"]


def test_restricted_documents_are_invisible_without_the_group(viewer, member):
    q = {"question": "常州部署了多少个桥梁传感器？"}
    seen = member.post("/api/ask", json=q).json()
    assert "4321" in seen["answer"] and seen["citations"][0]["doc"] == "group.txt"
    hidden = viewer.post("/api/ask", json=q).json()
    assert "4321" not in json.dumps(hidden, ensure_ascii=False) and "group.txt" not in json.dumps(hidden)
    with viewer.stream("POST", "/api/ask", json={**q, "stream": True}) as r:
        assert "4321" not in "".join(r.iter_text())

    need = {"need": "建设城市安全风险监测预警平台", "k": 5}
    assert "常州" in {c["city"] for c in member.post("/api/cases", json=need).json()["cases"]}
    cases = viewer.post("/api/cases", json=need).json()["cases"]
    assert "常州" not in {c["city"] for c in cases} and "4321" not in json.dumps(cases, ensure_ascii=False)

    idea = {"idea": "城市安全风险监测预警平台"}
    assert "group.txt" in json.dumps(member.post("/api/draft/proposal", json=idea).json(), ensure_ascii=False)
    draft = viewer.post("/api/draft/proposal", json=idea).json()
    text = json.dumps(draft, ensure_ascii=False)
    assert "4321" not in text and "group.txt" not in text and draft["sections"]

    assert {d["doc"] for d in viewer.get("/api/documents").json()["documents"]} == {"public.txt", "internal.txt"}
    docs = {d["doc"]: d for d in member.get("/api/documents").json()["documents"]}
    assert docs["group.txt"]["access"] == "规划局" and docs["group.txt"]["chunks"] >= 1


def test_internal_documents_need_a_login_not_a_group(viewer):
    body = viewer.post("/api/ask", json={"question": "合肥城市安全风险监测预警平台二期预算是多少？"}).json()
    assert "3700" in body["answer"] and body["citations"][0]["doc"] == "internal.txt"


def test_draft_formats(viewer):
    import docx

    r = viewer.post("/api/draft/response", json={"need": "城市安全风险监测预警平台", "capability": "我们做传感器与平台",
                                                 "format": "markdown"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/markdown")
    assert "## 一、需求理解" in r.text and "4321" not in r.text
    r = viewer.post("/api/draft/proposal", json={"idea": "城市安全风险监测预警平台", "format": "docx"})
    assert r.status_code == 200
    doc = docx.Document(io.BytesIO(r.content))
    assert any("三维" in p.text for p in doc.paragraphs)


def test_draft_download_is_for_its_maker_only(server, viewer, member):
    import docx

    body = {"idea": "城市安全风险监测预警平台"}
    title = viewer.post("/api/draft/proposal", json=body).json()["title"]
    made = viewer.post("/api/draft/proposal", json=body | {"format": "docx", "download": True})
    assert made.status_code == 200, made.text
    info = made.json()
    assert info["url"] == f"/api/files/{info['id']}" and info["name"].endswith(".docx") and info["size"] > 0
    assert info["media_type"].endswith("wordprocessingml.document")

    got = viewer.get(info["url"])
    assert got.status_code == 200 and got.headers["content-type"] == info["media_type"]
    assert "private" in got.headers["cache-control"]
    doc = docx.Document(io.BytesIO(got.content))
    assert any(title in p.text for p in doc.paragraphs)
    # another user, nobody, a made-up id: as if there were no such file
    assert "没有这个文件" in _error(member.get(info["url"]), 404)["message"]
    _error(httpx.get(f"{server.url}{info['url']}"), 401)
    _error(viewer.get("/api/files/" + "0" * 32), 404)
    _error(viewer.get("/api/files/..%2F..%2Fusers.json"), 404)

    md = viewer.post("/api/draft/response", json={"need": "城市安全风险监测预警平台", "capability": "传感器与平台",
                                                  "format": "markdown", "download": True}).json()
    text = viewer.get(md["url"])
    assert text.status_code == 200 and "## 一、需求理解" in text.text and md["name"].endswith(".md")
    _error(member.get(md["url"]), 404)


def test_ui_download_files_are_for_their_maker_only(server):
    """The UI hands out files by Gradio's file route; only their maker gets them."""
    def signed_in(user):
        client = httpx.Client(base_url=server.url, timeout=30)
        r = client.post("/login", data={"username": user, "password": PASSWORDS[user]})
        assert r.status_code == 200, r.text
        return client

    owner, other = signed_in("viewer"), signed_in("member")
    viewer_reader = server.state.reader_for_name("viewer")
    made = server.state.downloads.write(viewer_reader, "场景建设方案.md", "# 草稿\n只给查看者本人")
    url = f"/gradio_api/file={made.path}"
    got = owner.get(url)
    assert got.status_code == 200 and "只给查看者本人" in got.text
    for client in (other, httpx.Client(base_url=server.url)):
        r = client.get(url)
        assert r.status_code == 404 and "只给查看者本人" not in r.text
    assert other.head(url).status_code == 404
    assert other.get(f"/gradio_api/file={made.path.parent}/../{made.path.parent.name}/{made.path.name}").status_code == 404


def test_upload_ask_delete_and_reingest(server, editor, viewer, member, tmp_path):
    path = make_docx(tmp_path / "苏州通报.docx", "苏州场景通报", [
        ("h1", "一、苏州低空经济场景"), ("p", "2025年，苏州开放低空物流场景机会57个，建成起降点210个。")])
    bad = "一、坏\n\n内容".encode()
    files = [("files", (path.name, path.read_bytes(), "application/octet-stream")),
             ("files", ("../evil.txt", bad, "text/plain")),
             ("files", ("坏文件.pdf", b"%PDF-1.4 garbage", "application/pdf"))]
    r = editor.post("/api/documents", files=files, data={"access": "公开"})
    assert r.status_code == 200, r.text
    out = {f["source"]: f for f in r.json()["files"]}
    assert out["苏州通报.docx"]["status"] == "added" and out["苏州通报.docx"]["chunks"] >= 1
    assert out["../evil.txt"]["status"] == "failed" and "路径" in out["../evil.txt"]["reason"]
    assert out["坏文件.pdf"]["status"] == "failed" and out["坏文件.pdf"]["reason"]
    assert not list(server.state.settings.home.parent.rglob("evil.txt"))

    body = viewer.post("/api/ask", json={"question": "苏州开放了多少个低空物流场景机会？"}).json()
    assert "57" in body["answer"] and body["citations"][0]["doc"] == "苏州通报.docx"

    # an editor cannot give a document to a group they are not in themselves
    _error(editor.post("/api/documents/苏州通报.docx/reingest", params={"access": "规划局"}), 403)
    r = member.post("/api/ask", json={"question": "苏州开放了多少个低空物流场景机会？"})
    assert "57" in r.json()["answer"]

    r = editor.delete("/api/documents/苏州通报.docx")
    assert r.status_code == 200 and r.json()["chunks"] >= 1
    body = viewer.post("/api/ask", json={"question": "苏州开放了多少个低空物流场景机会？"}).json()
    assert "苏州通报.docx" not in json.dumps(body, ensure_ascii=False)
    _error(editor.delete("/api/documents/苏州通报.docx"), 404)
    # an editor cannot touch a document they may not see
    _error(editor.delete("/api/documents/group.txt"), 404)


def test_admin_reingests_with_a_new_label(admin, viewer):
    r = admin.post("/api/documents/internal.txt/reingest", params={"access": "规划局"})
    assert r.status_code == 200 and r.json()["files"][0]["status"] == "updated"
    assert "internal.txt" not in {d["doc"] for d in viewer.get("/api/documents").json()["documents"]}
    r = admin.post("/api/documents/internal.txt/reingest", params={"access": "内部"})
    assert r.status_code == 200
    assert "internal.txt" in {d["doc"] for d in viewer.get("/api/documents").json()["documents"]}


def test_evaluation_runs_compare_and_report(admin, viewer):
    assert "tiny.jsonl" in admin.get("/api/evals/datasets").json()["datasets"]
    ids = []
    for modes in (["hybrid"], ["hybrid", "lexical"]):
        r = admin.post("/api/evals", json={"dataset": "tiny.jsonl", "modes": modes})
        assert r.status_code == 202
        run_id = r.json()["id"]
        for _ in range(600):
            info = admin.get(f"/api/evals/{run_id}").json()
            if info["status"] in ("done", "failed"):
                break
            time.sleep(0.1)
        assert info["status"] == "done", info
        assert info["total"] == 3 * len(modes) and info["metrics"]["hybrid"]["key_fact_recall"] == 1.0
        assert info["metrics"]["hybrid"]["refused_unanswerable"] == 1.0
        ids.append(run_id)
    assert {r["id"] for r in viewer.get("/api/evals").json()["runs"]} >= set(ids)
    # an evaluation reads every document: its full report (answers, passages) is for admins
    report = admin.get(f"/api/evals/{ids[0]}/report")
    assert report.status_code == 200 and "<html" in report.text.lower()
    assert "管理员" in _error(viewer.get(f"/api/evals/{ids[0]}/report"), 403)["message"]
    cmp = viewer.get("/api/evals/compare", params={"a": ids[0], "b": ids[1]}).json()
    assert cmp["shared_items"] == 3 and any(m["metric"] == "key_fact_recall" for m in cmp["metrics"])
    assert all(w["before"] == w["after"] == "（回答仅管理员可见）" for w in cmp["worse"])
    _error(admin.get("/api/evals/no-such-run"), 404)
    _error(admin.post("/api/evals", json={"dataset": "missing.jsonl"}), 404)


def test_admin_manages_users(admin, server):
    r = admin.post("/api/users", json={"name": "新用户", "password": "new-pass-1", "role": "editor", "groups": ["规划局"]})
    assert r.status_code == 201 and r.json()["groups"] == ["规划局"]
    assert "新用户" in {u["name"] for u in admin.get("/api/users").json()["users"]}
    assert "password" not in json.dumps(admin.get("/api/users").json())
    assert admin.delete("/api/users/新用户").status_code == 200
    _error(httpx.post(f"{server.url}/api/token", json={"username": "新用户", "password": "new-pass-1"}), 401)


def test_errors_are_json_in_chinese(viewer):
    assert "没有这个接口" in _error(viewer.get("/api/nothing-here"), 404)["message"]
    err = _error(viewer.post("/api/ask", json={"question": "x", "mode": "fuzzy"}), 422)
    assert err["code"] == "ValidationError" and "mode" in err["message"]
    _error(viewer.post("/api/ask", json={"question": "   "}), 400)
    _error(viewer.post("/api/ask", content=b"{not json", headers={"content-type": "application/json"}), 422)
