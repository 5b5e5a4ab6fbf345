"""Who may read what. Every document carries one access label, set at ingest:

- ``公开`` (public): anyone who may use the server;
- ``内部`` (internal): any signed-in user;
- any other label names a group (``规划局``): only members of that group.

A :class:`Reader` is the person a request acts for. Retrieval turns the reader into a
filter on the label (:meth:`Reader.labels`), so that a restricted passage is never a
candidate: it cannot be cited, quoted in a draft or offered as a comparable case.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .errors import ScenarioError

PUBLIC = "公开"
INTERNAL = "内部"
ROLES = ("viewer", "editor", "admin")
ROLE_NAMES = {"viewer": "查看者", "editor": "编辑者", "admin": "管理员"}
_GROUP = re.compile(r"^[\w\u4e00-\u9fff·\-（）()]{1,40}$")


def check_label(label: str | None) -> str:
    """A valid access label (default 公开), or a Chinese error saying what is allowed."""
    label = (label or PUBLIC).strip()
    if label.lower() in ("public", "公开"):
        return PUBLIC
    if label.lower() in ("internal", "内部"):
        return INTERNAL
    if not _GROUP.match(label):
        raise ScenarioError(f"访问级别无效：{label!r}。应为 公开、内部，或 1–40 个字的组名（字母、数字、汉字）")
    return label


def check_groups(groups) -> tuple[str, ...]:
    out = []
    for g in groups or ():
        g = check_label(g)
        if g in (PUBLIC, INTERNAL):
            raise ScenarioError(f"组名不能是 {g}：它是访问级别，不是组")
        if g not in out:
            out.append(g)
    return tuple(out)


def check_role(role: str) -> str:
    if role not in ROLES:
        raise ScenarioError(f"角色无效：{role!r}，应为 viewer（查看者）、editor（编辑者）或 admin（管理员）")
    return role


@dataclass(frozen=True)
class Reader:
    """The person a request acts for: a name, a role and the groups they belong to."""

    name: str
    role: str = "viewer"
    groups: tuple[str, ...] = field(default_factory=tuple)
    sees_all: bool = False  # the local user of a server without accounts, and admins

    def labels(self) -> tuple[str, ...] | None:
        """The access labels this reader may see; ``None`` means every label."""
        if self.sees_all or self.role == "admin":
            return None
        return (PUBLIC, INTERNAL, *self.groups)

    def may_read(self, label: str | None) -> bool:
        allowed = self.labels()
        return allowed is None or (label or PUBLIC) in allowed

    def may_see(self, labels) -> bool:
        """A document whose chunks carry ``labels`` (normally one) is visible to this reader."""
        return all(self.may_read(a or None) for a in labels)

    def can(self, action: str) -> bool:
        """viewer: ask, compare, draft; editor: also upload and delete documents;
        admin: also manage users and run evaluations."""
        need = {"read": "viewer", "write": "editor", "admin": "admin"}[action]
        return ROLES.index(self.role) >= ROLES.index(need)


LOCAL = Reader("本机用户", role="admin", sees_all=True)
"""A server (or CLI) without accounts: one person on 127.0.0.1, who sees everything."""
