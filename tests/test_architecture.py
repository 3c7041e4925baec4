"""The house, drawn from the imports: layers that import only downwards, no circle, few loose
modules, files and functions of a readable size (issue 22). docs/design.md draws the same map."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
PACKAGE = "kmeans_study"
PLUGIN = "snakemake_logger_plugin_kmeans_study"

# Layers, lowest first: a module may import its own layer's modules and those of lower layers.
# A subpackage is one layer; inside it, any order (but no circle).
LAYERS = [
    ["messages", "paths", "io", "runtime"],
    ["lloyd", "data"],
    ["backends"],
    ["config"],
    ["aggregate"],
    ["kchoice"],
    ["report"],
    ["steps"],
    ["cli", "__main__"],
]
MAX_TOP_MODULES = 10
MAX_FILE_LINES = 450
MAX_FUNCTION_LINES = 80


def modules() -> dict[str, Path]:
    """Dotted module name -> file, for the package and the logger plugin."""
    found = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[0] not in (PACKAGE, PLUGIN):
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """Project modules that importing ``name`` imports, function-level imports included; importing
    a submodule imports its parent packages first."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            for i in range(1, len(parts) + 1):  # parents run first
                prefix = ".".join(parts[:i])
                if prefix in known and prefix != name and not name.startswith(prefix + "."):
                    found.add(prefix)
    return found


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def layer(name: str) -> int | None:
    parts = name.split(".")
    if parts[0] == PLUGIN:
        return len(LAYERS)
    if len(parts) == 1:
        return None  # the package's own __init__
    for i, names in enumerate(LAYERS):
        if parts[1] in names:
            return i
    raise AssertionError(f"{name} is in no layer of tests/test_architecture.py")


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected component of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_import_circle():
    assert cycles(graph()) == []


def test_imports_run_down_the_layers():
    upward = []
    for name, targets in graph().items():
        mine = layer(name)
        for target in targets:
            theirs = layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{name} -> {target}")
    assert upward == []


def test_few_modules_at_the_top_of_the_package():
    top = sorted(p.name for p in (SRC / PACKAGE).glob("*.py"))
    assert len(top) <= MAX_TOP_MODULES, top


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_files_and_functions_are_of_a_readable_size(path):
    text = path.read_text()
    assert len(text.splitlines()) <= MAX_FILE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_the_graph_sees_a_function_level_import(tmp_path):
    """The checker itself: an import inside a function is an edge, and a circle through it is found."""
    known = {"kmeans_study.a": tmp_path / "a.py", "kmeans_study.b": tmp_path / "b.py", "kmeans_study": tmp_path}
    (tmp_path / "a.py").write_text("def f():\n    from kmeans_study import b\n")
    (tmp_path / "b.py").write_text("from kmeans_study.a import f\n")
    edges = {name: imports(name, path, known) for name, path in known.items() if name != "kmeans_study"}
    assert cycles(edges) == [["kmeans_study.a", "kmeans_study.b"]]


def design_map() -> str:
    text = (ROOT / "docs" / "design.md").read_text()
    start = text.index("## The house")
    return text[start:text.index("\n## ", start + 1)]


def named(cell: str) -> list[str]:
    """Module and folder names in backticks (``config/study.py: init_seed`` names config/study.py)."""
    return [name.split(":")[0] for name in re.findall(r"`([^`]+)`", cell) if name.split(":")[0].endswith((".py", "/"))]


def test_every_module_the_design_map_names_exists():
    text = design_map()
    package = SRC / PACKAGE
    missing, seen = [], 0
    for row in re.findall(r"^\| \d+ \| (.+?) \| (.+?) \|$", text, flags=re.M):
        folders = [package / name for name in named(row[0])]
        for name in named(row[0]):
            seen += 1
            if not (package / name).exists():
                missing.append(name)
        for name in named(row[1]):
            seen += 1
            if not any(hit for folder in folders if folder.is_dir() for hit in folder.rglob(name.rstrip("/"))):
                missing.append(f"{row[0]}: {name}")
    roots = [package, SRC / PLUGIN, ROOT, ROOT / "workflow"]
    for name in named(text.split("**The route of one fit**")[1]):
        seen += 1
        if "/" in name.rstrip("/") and not any((root / name).exists() for root in roots):
            missing.append(name)
    assert seen > 60 and missing == []
