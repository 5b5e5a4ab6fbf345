"""The server edge: one process serving the Gradio UI at ``/`` and the REST API under
``/api/``, both thin layers over :class:`ui.state.ServerState` (the workspace of
``assistant.workspace`` and ``evals.jobs`` plus downloads)."""
