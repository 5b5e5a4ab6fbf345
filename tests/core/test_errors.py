"""Errors carry how the edges report them."""
from __future__ import annotations


def test_each_error_class_says_its_own_codes():
    """The CLI's exit code and the API's HTTP status live on the error classes (core.errors),
    not in tables at the edges; these are the codes the edges have always used."""
    from assistant.users import AuthError, ForbiddenError
    from core.errors import ConfigError, HomeLockedError, IngestError, LLMError, NotFoundError, ScenarioError
    from ui.openai_api import UnknownModelError

    statuses = {ScenarioError: 400, IngestError: 400, ConfigError: 400, LLMError: 400, HomeLockedError: 409,
                AuthError: 401, ForbiddenError: 403, NotFoundError: 404, UnknownModelError: 404}
    assert {cls: cls.http_status for cls in statuses} == statuses
    exits = {ScenarioError: 1, IngestError: 1, ConfigError: 2, LLMError: 1, HomeLockedError: 1, AuthError: 1}
    assert {cls: cls.exit_code for cls in exits} == exits
