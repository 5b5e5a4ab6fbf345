"""Build (or reuse) a home with the five seed reports ingested, for benchmarks."""
from __future__ import annotations

import os
from pathlib import Path

from assistant.settings import PROJECT_ROOT, Settings

SEEDS = Path(os.environ.get("SCENARIO_SEEDS", PROJECT_ROOT.parent / "shared" / "seeds"))


def seed_files() -> list[Path]:
    if not SEEDS.is_dir():
        raise SystemExit(f"seeds not found at {SEEDS} (set SCENARIO_SEEDS)")
    return sorted(SEEDS.glob("*.txt"))


def seed_settings(home: Path, **overrides) -> Settings:
    return Settings(home=home, use_builtin=False, **overrides)
