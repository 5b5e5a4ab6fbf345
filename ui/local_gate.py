"""Local mode (no users yet) grants every request full rights, so it must be this
machine asking, not a web page that has turned its own host name into 127.0.0.1 (DNS
rebinding): the client's address, the ``Host`` it asked for and, when a browser sends
one, the ``Origin`` must all be loopback. One gate in front of the whole app (UI, /api,
/v1, /api/dify, /mcp); with users, tokens and sign-in guard instead."""
from __future__ import annotations

from urllib.parse import urlsplit

LOCAL_ONLY = "尚未设置用户（本机模式）：只接受来自本机（127.0.0.1）的请求。需要从其他地址访问时，请先添加用户：scenario users add 用户名 --role admin"


def is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_local_request(scope) -> bool:
    """The client, the Host asked for and the Origin (when sent) are all this machine."""
    from starlette.datastructures import Headers

    headers = Headers(scope=scope)
    client = (scope.get("client") or ("",))[0]
    host = urlsplit(f"//{headers.get('host', '')}").hostname or ""
    return is_loopback(client) and is_loopback(host) and _local_origin(headers.get("origin"))


def _local_origin(origin: str | None) -> bool:
    """No Origin (curl, SDKs), a loopback web origin (this UI), or a desktop app's own
    scheme (Electron's file:// or app://, which no web page can send); never another web
    site, nor "null" (a sandboxed page of any site)."""
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme in ("http", "https"):
        return is_loopback(parts.hostname or "")
    return origin != "null" and bool(parts.scheme)


class LocalOnlyGate:
    """ASGI middleware: in local mode a request that is not :func:`is_local_request` gets
    403 (HTTP) or a refused handshake (websocket), before any route sees it."""

    def __init__(self, app, state):
        self.app = app
        self.state = state

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and self.state.open_mode and not is_local_request(scope):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            from starlette.responses import JSONResponse

            from .api import error_body

            return await JSONResponse(error_body(LOCAL_ONLY, "ForbiddenError"), status_code=403)(scope, receive, send)
        return await self.app(scope, receive, send)
