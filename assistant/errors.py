"""Errors whose messages are shown to users, in Chinese, and that the edges turn into
clean CLI/API messages instead of stack traces."""


class ScenarioError(Exception):
    """A problem the user can act on. ``message`` is Chinese and complete."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IngestError(ScenarioError):
    """One file could not be ingested; the rest of the batch goes on."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}：{reason}")
        self.path = path
        self.reason = reason


class ConfigError(ScenarioError):
    """A setting is missing or has a bad value."""

    exit_code = 2


class HomeLockedError(ScenarioError):
    """Another ingest holds the home; concurrent writes are refused, never interleaved."""


class LLMError(ScenarioError):
    """The configured LLM endpoint failed or answered something unusable."""
