"""``scenario serve``: one process, the Gradio UI at ``/`` and the REST API under ``/api/``
(OpenAPI schema at ``/api/openapi.json``, docs at ``/api/docs``, served offline), the
OpenAI-compatible API under ``/v1``, Dify's external knowledge API under ``/api/dify`` and
the MCP tools over streamable HTTP at ``/mcp``."""
from __future__ import annotations

import contextlib
import logging

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.staticfiles import StaticFiles

from core.errors import ConfigError
from core.settings import Settings, prepare_process

from .api import build_api, install_error_handlers
from .downloads import GradioFileGate
from .local_gate import LocalOnlyGate, is_loopback
from .state import ServerState

log = logging.getLogger("scenario.server")


def create_app(settings: Settings, state: ServerState | None = None) -> FastAPI:
    prepare_process()  # before Gradio loads: no analytics, nothing downloaded
    import gradio as gr

    from .render import CSS, JS_HEAD
    from .web import build_ui

    from .mcp_server import http_endpoint

    state = state or ServerState(settings)
    mcp_app, mcp_running = http_endpoint(state)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        async with mcp_running():  # the MCP session manager, for as long as the server runs
            yield

    app = FastAPI(title="场景智答 API", version="1", docs_url=None, redoc_url=None, lifespan=lifespan,
                  openapi_url="/api/openapi.json",
                  description="城市数字场景政策与案例助手。认证：先 POST /api/token 取得令牌，"
                              "再在请求头中带上 Authorization: Bearer <令牌>。错误统一为 "
                              '{"error": {"message", "code"}}。')
    app.state.scenario = state
    from . import dify_api, openai_api

    install_error_handlers(app, [("/api/dify", dify_api.error_format), ("/v1", openai_api.error_format)])

    import swagger_ui_bundle

    app.mount("/api/docs-assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    def docs():
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="场景智答 API",
                                   swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url="/api/docs-assets/swagger-ui.css",
                                   swagger_favicon_url="/api/docs-assets/favicon-32x32.png")

    # MCP over streamable HTTP; a route of this app, not a mounted sub-app, so "/mcp" itself
    # matches (a mount would answer only "/mcp/…" and leave "/mcp" to Gradio at "/")
    for path in ("/mcp", "/mcp/"):
        app.router.add_route(path, mcp_app, include_in_schema=False)
    app.include_router(openai_api.build_openai_api(state))
    app.include_router(dify_api.build_dify_api(state))  # before /api, whose catch-all answers unknown paths
    app.include_router(build_api(state))  # after the docs: its catch-all answers unknown /api/ paths

    def gradio_auth(username: str, password: str) -> bool:
        try:
            state.users.authenticate(username, password)
            return True
        except Exception:  # noqa: BLE001 - a failed login is just False to Gradio
            return False

    theme = gr.themes.Default(font=["system-ui", "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "sans-serif"],
                              font_mono=["ui-monospace", "monospace"])
    # the users' download files are served in place (not copied into Gradio's cache, where
    # no owner is known), and GradioFileGate gives each only to the user who made it
    state.downloads.root.mkdir(parents=True, exist_ok=True)
    gr.set_static_paths([state.downloads.root])
    gr.mount_gradio_app(app, build_ui(state), path="/",
                        auth=None if state.open_mode else gradio_auth,
                        auth_message="场景智答：请用管理员分配的账号登录",
                        footer_links=[], theme=theme, css=CSS, head=JS_HEAD, ssr_mode=False,
                        max_file_size=f"{settings.max_file_mb}mb", show_error=True)
    gradio_app = next(r.app for r in app.routes if isinstance(getattr(r, "app", None), gr.routes.App))

    def gradio_user(request) -> str | None:
        """The signed-in Gradio user, read as Gradio's own routes read it (its login cookie)."""
        cookie = (request.cookies.get(f"access-token-{gradio_app.cookie_id}")
                  or request.cookies.get(f"access-token-unsecure-{gradio_app.cookie_id}"))
        return gradio_app.tokens.get(cookie)

    app.add_middleware(GradioFileGate, state=state, user_of=gradio_user)
    app.add_middleware(LocalOnlyGate, state=state)  # outermost: before any route or file
    return app


def check_bind(state: ServerState, host: str) -> str:
    """Without accounts the server is for this machine only: refuse any other address."""
    if state.open_mode and not is_loopback(host):
        raise ConfigError(f"尚未设置任何用户，只能在本机地址（127.0.0.1）上提供服务，拒绝监听 {host}。"
                          "请先用 scenario users add 添加用户。")
    if state.open_mode:
        return "尚未设置用户：本机模式，只监听 127.0.0.1，访问者拥有全部权限。添加用户：scenario users add 用户名 --role admin"
    return f"已启用登录（{len(state.users.list())} 个用户）"


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, ensure_builtin: bool = True) -> None:
    import uvicorn

    state = ServerState(settings)
    message = check_bind(state, host)
    if ensure_builtin:
        state.assistant.ensure_builtin(progress=True)
    app = create_app(settings, state)
    print(message, flush=True)
    print(f"场景智答已启动：界面 http://{host}:{port}/  ·  接口文档 http://{host}:{port}/api/docs", flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
