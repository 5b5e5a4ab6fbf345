"""Errors whose messages are shown to users, in Chinese, and that the edges turn into
clean CLI/API messages instead of stack traces.

Each class carries how the edges report it: ``exit_code`` (the ``scenario`` command's exit
status) and ``http_status`` (the API's response status). Subclasses elsewhere set their
own (``assistant.users.AuthError`` 401, ``NotFoundError`` 404, …); the CLI and
the API read these attributes and keep no mapping of their own.
"""


class ScenarioError(Exception):
    """A problem the user can act on. ``message`` is Chinese and complete."""

    exit_code = 1
    http_status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IngestError(ScenarioError):
    """One file could not be ingested; the rest of the batch goes on."""

    exit_code = 1
    http_status = 400

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}：{reason}")
        self.path = path
        self.reason = reason


class ConfigError(ScenarioError):
    """A setting is missing or has a bad value."""

    exit_code = 2
    http_status = 400


class HomeLockedError(ScenarioError):
    """Another ingest holds the home; concurrent writes are refused, never interleaved."""

    exit_code = 1
    http_status = 409


class LLMError(ScenarioError):
    """The configured LLM endpoint failed or answered something unusable."""

    exit_code = 1
    http_status = 400


class NotFoundError(ScenarioError):
    """No such document, job, dataset or file (HTTP 404)."""

    exit_code = 1
    http_status = 404
