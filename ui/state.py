"""The server's state: the evaluation workspace (documents, accounts, evaluation runs:
``evals.jobs.EvalWorkspace`` over ``assistant.workspace.Workspace``) plus what only the
edges need, each user's files to download."""
from __future__ import annotations

from core.settings import Settings
from evals.jobs import EvalWorkspace

from .downloads import Downloads


class ServerState(EvalWorkspace):
    def __init__(self, settings: Settings):
        super().__init__(settings)
        self.downloads = Downloads(settings.home / "downloads")  # each user's own files to download
