"""Imports go only downward: ui → evals → assistant → ingest → index → core.

Read from the source (AST), so an import inside a function counts as much as one at the
top of a module, and nothing is imported to check it.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# what each package may not import (each stage sees only the stages below it)
FORBIDDEN = {
    "core": {"index", "ingest", "assistant", "ui", "evals"},
    "index": {"ingest", "assistant", "ui", "evals"},  # the knowledge base: ingest writes it, the assistant reads it
    "ingest": {"assistant", "ui", "evals"},
    "assistant": {"ui", "evals"},
    "evals": {"ui"},  # evaluations call the service, never an edge
    "ui": set(),
}

# Modules allowed to import upward, with what they may import: none. An entry here
# must name a module that still needs it (test_the_known_exception_is_still_needed).
KNOWN_UPWARD: dict[str, set[str]] = {}


def imported_packages(path: Path) -> set[tuple[int, str]]:
    """(line, top-level package) of every absolute import in ``path``. A relative import
    never leaves its own top-level package (Python refuses one beyond it), so it is skipped."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {(node.lineno, alias.name.split(".")[0]) for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add((node.lineno, node.module.split(".")[0]))
    return found


def violations(root: Path = ROOT) -> list[str]:
    out = []
    for package, forbidden in FORBIDDEN.items():
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            allowed = KNOWN_UPWARD.get(rel, set())
            for line, top in sorted(imported_packages(path)):
                if top in forbidden and top not in allowed:
                    out.append(f"{rel}:{line} imports {top}")
    return out


def test_imports_go_only_downward():
    assert violations() == []


def test_the_known_exception_is_still_needed():
    """An exception nobody needs any more is removed, not kept "just in case"."""
    for rel, allowed in KNOWN_UPWARD.items():
        tops = {top for _, top in imported_packages(ROOT / rel)}
        assert allowed <= tops, f"{rel} no longer imports {allowed - tops}: drop it from KNOWN_UPWARD"


def test_an_upward_import_is_caught(tmp_path):
    """The check really fails when a stage reaches up, at the top or inside a function."""
    for package, source in {"ingest": "def f():\n    from assistant import x\n",
                            "core": "import index.store\n",
                            "index": "from ingest.pipeline import run\n",
                            "assistant": "from ui.api import create_app\n"}.items():
        (tmp_path / package).mkdir()
        (tmp_path / package / "bad.py").write_text(source, encoding="utf-8")
    (tmp_path / "ingest" / "fine.py").write_text("from core.errors import IngestError\nfrom . import x\n",
                                                 encoding="utf-8")
    assert violations(tmp_path) == ["core/bad.py:1 imports index", "index/bad.py:1 imports ingest",
                                    "ingest/bad.py:2 imports assistant",
                                    "assistant/bad.py:1 imports ui"]


def test_core_is_packaged():
    """A non-editable install ships core/ with the other packages."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"core*"' in text and '"index*"' in text


def test_edges_call_the_service_not_its_parts():
    """CLI, API, web UI and MCP find cases and draft through ``Assistant`` (find_cases,
    draft_proposal, draft_response), so a change to how cases or drafts are made lands in
    one place; none of them builds a CaseFinder or a Drafter itself."""
    built = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in {"CaseFinder", "Drafter"}:
                built.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {node.func.id}")
    assert built == []


def _absolute_names(node: ast.AST, rel: str) -> list[str]:
    """The dotted modules an import statement names, relative ones resolved from ``rel``."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = ".".join(rel.split("/")[:-node.level]) if node.level else ""
    module = ".".join(filter(None, (base, node.module)))
    return [module] + [f"{module}.{a.name}" for a in node.names]


def benchmark_importers(root: Path = ROOT) -> list[str]:
    """Library modules and tests that import a benchmark. Benchmarks (evals/bench/) are
    scripts at the top of the flow: what they share with tests lives in evals/ (metrics,
    dataset, draft_checks); only another script may reuse a benchmark's measuring loop."""
    out = []
    for package in (*FORBIDDEN, "tests"):
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            text = path.read_text(encoding="utf-8")
            if rel.startswith("evals/bench/") or 'if __name__ == "__main__"' in text:
                continue
            tree = ast.parse(text)
            for node in ast.walk(tree):
                if any(n == "evals.bench" or n.startswith("evals.bench.") for n in _absolute_names(node, rel)):
                    out.append(f"{rel}:{node.lineno}")
    return out


def test_benchmarks_are_leaves(tmp_path):
    assert benchmark_importers() == []
    (tmp_path / "tests").mkdir()
    (tmp_path / "evals").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test():\n    from evals.bench.drafts import main\n")
    (tmp_path / "evals" / "runner.py").write_text("from .bench.cases import city_recall\nfrom . import metrics\n")
    (tmp_path / "evals" / "report.py").write_text("from . import bench\n")
    assert benchmark_importers(tmp_path) == ["evals/report.py:1", "evals/runner.py:1", "tests/test_x.py:2"]


def test_benchmarks_find_their_files_where_they_are():
    """A benchmark's paths built from its own location must exist (or be what it writes):
    the move to evals/bench/ once left two pointing at evals/bench/datasets."""
    import re

    built = re.compile(r"Path\(__file__\)\.resolve\(\)\.(parent|parents\[(\d)\])((?:\s*/\s*\"[^\"]+\")+)")
    missing = []
    for path in sorted((ROOT / "evals" / "bench").glob("*.py")):
        for m in built.finditer(path.read_text(encoding="utf-8")):
            base = path.resolve().parent if m.group(1) == "parent" else path.resolve().parents[int(m.group(2))]
            target = base.joinpath(*re.findall(r'"([^"]+)"', m.group(3)))
            if not target.exists():
                missing.append(f"{path.name}: {target.relative_to(ROOT)}")
    assert missing == []


# Functions still over the limit, each named with the reason it is allowed; the list only shrinks.
LONG_ALLOWED: set[str] = set()
MAX_LINES = 100


def long_functions(root: Path = ROOT) -> list[str]:
    out = []
    for package in FORBIDDEN:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()

            def walk(node, prefix=""):
                for child in ast.iter_child_nodes(node):
                    if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                        name = prefix + child.name
                        if not isinstance(child, ast.ClassDef) and child.end_lineno - child.lineno + 1 > MAX_LINES:
                            out.append(f"{rel}:{name}")
                        walk(child, name + ".")

            walk(ast.parse(path.read_text(encoding="utf-8")))
    return out


def test_no_function_is_over_a_hundred_lines():
    """A function that long does several things; split it so each has a name."""
    assert sorted(set(long_functions()) - LONG_ALLOWED) == []
    assert LONG_ALLOWED <= set(long_functions()), "an allowed function is short now: drop it from LONG_ALLOWED"


# project-wide checks stay at the top of tests/; every other test sits beside its package's peers
PROJECT_TESTS = {"test_layout.py", "test_imports.py"}


def test_tests_mirror_the_packages():
    """tests/<package>/ holds the tests of <package>, and no test module imports another:
    what tests share is in tests/ helpers (docmaker, index_checks, apiserver, …)."""
    packages = set(FORBIDDEN)
    misplaced = [p.relative_to(ROOT).as_posix() for p in (ROOT / "tests").rglob("test_*.py")
                 if (p.parent.name not in packages and p.name not in PROJECT_TESTS)
                 or (p.parent.name == "tests" and p.name not in PROJECT_TESTS)]
    assert misplaced == []
    shared = [f"{p.relative_to(ROOT).as_posix()}:{node.lineno}" for p in (ROOT / "tests").rglob("*.py")
              for node in ast.walk(ast.parse(p.read_text(encoding="utf-8")))
              for name in _absolute_names(node, p.relative_to(ROOT).as_posix())
              if name.split(".")[-1].startswith("test_") or ".test_" in name]
    assert shared == []
