"""Accounts for the server: users with hashed passwords, roles and groups, and API tokens.

Stored in ``<home>/users.json`` (mode 0600). Passwords are hashed with scrypt (stdlib,
memory-hard, a random salt each); tokens are random and only their SHA-256 is kept, so
the file leaks neither. Managed with ``scenario users add|list|remove|token``.
"""
from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from core.access import Reader, check_groups, check_role
from core.errors import ScenarioError

_SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1, "dklen": 32}
TOKEN_PREFIX = "sa_"
SESSION_HOURS = 12


class AuthError(ScenarioError):
    """Missing or wrong credentials (HTTP 401)."""

    http_status = 401


class ForbiddenError(ScenarioError):
    """Signed in, but the role does not allow this (HTTP 403)."""

    http_status = 403


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${_SCRYPT['n']}${salt.hex()}${digest.hex()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt),
                             **{**_SCRYPT, "n": int(n)})
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got.hex(), digest)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class User:
    name: str
    role: str
    groups: list[str] = field(default_factory=list)
    password: str = ""  # scrypt hash
    created_at: str = field(default_factory=_now)
    tokens: list[dict] = field(default_factory=list)  # {hash, label, created_at, expires}

    def reader(self) -> Reader:
        return Reader(self.name, self.role, tuple(self.groups))

    def public(self) -> dict:
        return {"name": self.name, "role": self.role, "groups": list(self.groups),
                "created_at": self.created_at, "tokens": len(self.tokens)}


class UserStore:
    def __init__(self, home: Path):
        self.path = Path(home) / "users.json"
        self._cache: tuple[float, dict[str, User]] | None = None

    # --- storage --------------------------------------------------------------------
    def _load(self) -> dict[str, User]:
        try:
            mtime = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return {}
        if self._cache and self._cache[0] == mtime:
            return self._cache[1]
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            users = {u["name"]: User(**u) for u in raw.get("users", [])}
        except (OSError, ValueError, TypeError, KeyError) as e:
            raise ScenarioError(f"用户文件损坏，无法读取：{self.path}（{e}）") from None
        self._cache = (mtime, users)
        return users

    @contextmanager
    def _editing(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            self._cache = None
            users = dict(self._load())
            yield users
            tmp = self.path.with_suffix(".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"users": [asdict(u) for u in users.values()]}, f, ensure_ascii=False, indent=1)
            os.replace(tmp, self.path)
            self._cache = None

    # --- queries --------------------------------------------------------------------
    def any(self) -> bool:
        return bool(self._load())

    def list(self) -> list[User]:
        return sorted(self._load().values(), key=lambda u: u.name)

    def get(self, name: str) -> User | None:
        return self._load().get(name)

    def authenticate(self, name: str, password: str) -> User:
        user = self._load().get((name or "").strip())
        if user is None or not verify_password(password or "", user.password):
            raise AuthError("用户名或密码错误")
        return user

    def by_token(self, token: str) -> User:
        if not token or not token.startswith(TOKEN_PREFIX):
            raise AuthError("令牌无效")
        h = _token_hash(token)
        now = _now()
        for user in self._load().values():
            for t in user.tokens:
                if hmac.compare_digest(t["hash"], h):
                    if t.get("expires") and t["expires"] < now:
                        raise AuthError("令牌已过期，请重新登录")
                    return user
        raise AuthError("令牌无效")

    # --- changes --------------------------------------------------------------------
    def add(self, name: str, password: str, role: str = "viewer", groups=(), replace: bool = False) -> User:
        name = (name or "").strip()
        if not name or len(name) > 40 or any(c in name for c in "/\\:\0\n"):
            raise ScenarioError(f"用户名无效：{name!r}（1–40 个字符，不含 / \\ : 和换行）")
        if len(password or "") < 8:
            raise ScenarioError("密码至少 8 个字符")
        user = User(name, check_role(role), list(check_groups(groups)), hash_password(password))
        with self._editing() as users:
            if name in users and not replace:
                raise ScenarioError(f"用户已存在：{name}（要修改请加 --replace）")
            users[name] = user
        return user

    def remove(self, name: str) -> None:
        with self._editing() as users:
            if name not in users:
                raise ScenarioError(f"没有这个用户：{name}")
            del users[name]

    def issue_token(self, name: str, label: str = "", hours: float | None = None) -> str:
        """A new random token for ``name``; only its hash is stored, so it is shown once."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        expires = None
        if hours:
            expires = datetime.fromtimestamp(time.time() + hours * 3600, timezone.utc).isoformat(timespec="seconds")
        with self._editing() as users:
            user = users.get(name)
            if user is None:
                raise ScenarioError(f"没有这个用户：{name}")
            now = _now()
            # drop expired session tokens as new ones are issued
            user.tokens = [t for t in user.tokens if not t.get("expires") or t["expires"] >= now]
            user.tokens.append({"hash": _token_hash(token), "label": label, "created_at": now,
                                "expires": expires})
        return token
