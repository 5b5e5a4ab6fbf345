"""Build (or reuse) a home with the five seed reports ingested, for benchmarks."""
from __future__ import annotations

import os
from pathlib import Path

from core.settings import PROJECT_ROOT, Settings

SEEDS = Path(os.environ.get("SCENARIO_SEEDS", PROJECT_ROOT.parent / "shared" / "seeds"))


def seed_files() -> list[Path]:
    if not SEEDS.is_dir():
        raise SystemExit(f"seeds not found at {SEEDS} (set SCENARIO_SEEDS)")
    return sorted(SEEDS.glob("*.txt"))


def seed_settings(home: Path, **overrides) -> Settings:
    return Settings(home=home, use_builtin=False, **overrides)


def seeded_assistant(home: Path | None, prefix: str, *, seeds: bool = True, builtin: bool = False):
    """An assistant over a home (a new temporary one when ``home`` is None) with the seed
    reports and/or the built-in corpus ingested; incremental, so a reused home is quick."""
    import tempfile

    from assistant.service import Assistant

    settings = Settings(home=home or Path(tempfile.mkdtemp(prefix=prefix)), use_builtin=builtin)
    assistant = Assistant(settings)
    assistant.ingest((seed_files() if seeds else []) + (settings.builtin_paths if builtin else []), progress=False)
    return assistant


def bench_assistant(home: Path | None, builtin: bool):
    """The seeded knowledge base a benchmark measures, announced so its figures say what they were run on."""
    assistant = seeded_assistant(home, "scenario-bench-", builtin=builtin)
    print(f"home={assistant.settings.home} chunks={assistant.index.store.count()} "
          f"built-in corpus {'on' if builtin else 'off'}")
    return assistant
