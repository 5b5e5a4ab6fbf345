"""A real ``scenario serve`` app on 127.0.0.1, in a thread of the test process, over a
home with documents at three access levels and four users."""
from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass

import httpx

from tests.docmaker import write_text

PUBLIC_DOC = ("一、无锡\n\n2025年，无锡发布城市级超级场景，开放85个场景机会，"
              "建设城市安全风险监测预警平台，接入传感器1200个。")
INTERNAL_DOC = ("一、合肥内部通报\n\n2025年，合肥城市安全风险监测预警平台二期预算为3700万元，"
                "由合肥市城市生命线工程安全运行监测中心建设。")
GROUP_DOC = ("一、常州规划局材料\n\n2025年，常州在城市安全风险监测预警平台建设中部署桥梁传感器4321个，"
             "由常州市规划局牵头。")
PASSWORDS = {"admin": "admin-pass-1", "editor": "editor-pass-1", "viewer": "viewer-pass-1",
             "member": "member-pass-1"}
DATASET = [
    {"id": "t-1", "task": "qa", "question": "无锡开放了多少个场景机会？", "answer": "85个",
     "key_facts": ["85个"], "evidence": [{"doc": "public.txt", "quote": "开放85个场景机会"}],
     "cities": ["无锡"], "difficulty": "easy"},
    {"id": "t-2", "task": "qa", "question": "无锡接入了多少个传感器？", "answer": "1200个",
     "key_facts": ["1200个"], "evidence": [{"doc": "public.txt", "quote": "接入传感器1200个"}],
     "cities": ["无锡"], "difficulty": "easy"},
    {"id": "t-3", "task": "unanswerable", "question": "拉萨开放了多少个场景机会？", "answer": "",
     "key_facts": [], "evidence": [], "cities": ["拉萨"], "difficulty": "medium"},
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Running:
    url: str
    state: object
    server: object
    thread: threading.Thread

    def client(self, user: str | None = None, timeout: float = 60) -> httpx.Client:
        headers = {}
        if user:
            r = httpx.post(f"{self.url}/api/token", json={"username": user, "password": PASSWORDS[user]})
            r.raise_for_status()
            headers["Authorization"] = f"Bearer {r.json()['token']}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=timeout)

    def stop(self) -> None:
        self.state.wait_idle()
        self.server.should_exit = True
        self.thread.join(timeout=20)


def prepare_home(settings, with_users: bool = True) -> None:
    from assistant.service import Assistant
    from assistant.users import UserStore

    docs = settings.home.parent / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    a = Assistant(settings)
    a.ingest([write_text(docs / "public.txt", PUBLIC_DOC)], progress=False)
    a.ingest([write_text(docs / "internal.txt", INTERNAL_DOC)], progress=False, access="内部")
    a.ingest([write_text(docs / "group.txt", GROUP_DOC)], progress=False, access="规划局")
    datasets = settings.home / "eval-datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    (datasets / "tiny.jsonl").write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in DATASET) + "\n",
                                         encoding="utf-8")
    if with_users:
        users = UserStore(settings.home)
        users.add("admin", PASSWORDS["admin"], "admin")
        users.add("editor", PASSWORDS["editor"], "editor")
        users.add("viewer", PASSWORDS["viewer"], "viewer")
        users.add("member", PASSWORDS["member"], "viewer", ["规划局"])


def start(settings) -> Running:
    import uvicorn

    from ui.server import create_app
    from evals.serving import wait_until_serving
    from ui.state import ServerState

    state = ServerState(settings)
    app = create_app(settings, state)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    if not wait_until_serving(url, 30):
        raise RuntimeError("server did not start")
    return Running(url, state, server, thread)


def serving(tmp_path_factory, name: str):
    """A module fixture's body: a prepared home and a running server, stopped afterwards."""
    from tests.conftest import store_settings

    settings = store_settings(tmp_path_factory.mktemp(name) / "home", use_builtin=False, builtin_corpus=None)
    prepare_home(settings)
    running = start(settings)
    yield running
    running.stop()


def read_sse(response) -> list[tuple[str, dict]]:
    events, name = [], None
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line[7:]
        elif line.startswith("data: "):
            events.append((name, json.loads(line[6:])))
    return events
