"""The import graph of lockcore and inspector, read from the source (nothing is imported).

Usage: ``python tools/import_graph.py`` prints the graph's size, every import cycle and every
layering rule broken, and exits 1 if there is any. ``tests/test_import_graph.py`` runs the same
checks so that a cycle or a service importing a widget fails the suite.

An edge ``a -> b`` means module ``a`` imports ``b``: at module level, in a function (deferred),
or under ``if TYPE_CHECKING:`` (type-only). All three kinds count for cycles: a deferred or
type-only import that closes a cycle still means the two modules cannot be understood apart.
Importing ``x.y.z`` also runs ``x/__init__.py`` and ``x/y/__init__.py``, so it adds an edge to
each enclosing package as well (except the importer's own packages, which ran before it).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("lockcore", "inspector")

#: Modules (or prefixes: a name ending in ".") that import Qt's widgets or are widgets.
WIDGET_IMPORTS = ("PySide6.QtWidgets",)


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    kind: str  # "module", "deferred" or "type-only"
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_files(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            files[module_name(path, root)] = path
    return files


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
    """Every import statement with its kind."""

    def walk(node: ast.AST, kind: str) -> Iterator[tuple[ast.Import | ast.ImportFrom, str]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, kind
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for statement in child.body:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), "type-only")
                for statement in child.orelse:
                    yield from walk(ast.Module(body=[statement], type_ignores=[]), kind)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from walk(child, "deferred" if kind == "module" else kind)
            else:
                yield from walk(child, kind)

    yield from walk(tree, "module")


def _targets(
    statement: ast.Import | ast.ImportFrom, source: str, is_package: bool, known: set[str]
) -> Iterator[str]:
    if isinstance(statement, ast.Import):
        for alias in statement.names:
            yield alias.name
        return
    base = statement.module or ""
    if statement.level:
        anchor = source.split(".") if is_package else source.split(".")[:-1]
        anchor = anchor[: len(anchor) - (statement.level - 1)]
        base = ".".join([*anchor, base] if base else anchor)
    yielded = False
    for alias in statement.names:
        candidate = f"{base}.{alias.name}"
        if candidate in known:  # "from package import module"
            yield candidate
            yielded = True
    if not yielded:
        yield base


def _with_packages(target: str, source: str) -> Iterator[str]:
    """``target`` and the packages that importing it runs, but not the source's own packages:
    those ran before the source did (their ``__init__`` importing the source is no cycle)."""
    parts = target.split(".")
    for end in range(1, len(parts)):
        package = ".".join(parts[:end])
        if not source.startswith(package + "."):
            yield package
    yield target


def edges(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> list[Edge]:
    """Every import between our modules, and every import of a third-party module."""
    files = source_files(root, packages)
    known = set(files)
    found: list[Edge] = []
    for source, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        for statement, kind in _imports(tree):
            for target in _targets(statement, source, is_package, known):
                for module in _with_packages(target, source):
                    if (module in known or module == target) and module != source:
                        found.append(Edge(source, module, kind, statement.lineno))
    return found


def cycles(graph_edges: Iterable[Edge]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {}
    for edge in graph_edges:
        graph.setdefault(edge.source, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    lowlink: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = lowlink[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                connect(successor)
                lowlink[node] = min(lowlink[node], lowlink[successor])
            elif successor in on_stack:
                lowlink[node] = min(lowlink[node], index[successor])
        if lowlink[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10_000))
    try:
        for node in sorted(graph):
            if node not in index:
                connect(node)
    finally:
        sys.setrecursionlimit(limit)
    return sorted(components)


def reachable(graph_edges: Iterable[Edge], start: str) -> dict[str, list[str]]:
    """Every module ``start`` imports, directly or not, with one chain of imports to it."""
    graph: dict[str, list[str]] = {}
    for edge in graph_edges:
        if edge.kind != "type-only":  # a type-only import runs nothing
            graph.setdefault(edge.source, []).append(edge.target)
    chains: dict[str, list[str]] = {start: [start]}
    pending = [start]
    while pending:
        node = pending.pop()
        for successor in sorted(set(graph.get(node, []))):
            if successor not in chains:
                chains[successor] = [*chains[node], successor]
                pending.append(successor)
    return chains


def layering_violations(graph_edges: list[Edge]) -> list[str]:
    """The layering rules: lockcore imports neither Qt nor the app; services and models never
    run a widget module (one importing ``PySide6.QtWidgets``), not even through another one."""
    problems: list[str] = []
    sources = sorted({edge.source for edge in graph_edges})
    for edge in graph_edges:
        if edge.source.startswith("lockcore") and edge.target.split(".")[0] in (
            "PySide6",
            "inspector",
        ):
            problems.append(f"{edge.source} imports {edge.target} (line {edge.line})")
    for source in sources:
        if not source.startswith(("inspector.services", "inspector.models")):
            continue
        for target, chain in reachable(graph_edges, source).items():
            if target in WIDGET_IMPORTS:
                problems.append(f"{source} runs a widget module: {' -> '.join(chain)}")
    return problems


def main() -> int:
    graph_edges = edges()
    ours = [edge for edge in graph_edges if edge.target.split(".")[0] in PACKAGES]
    modules = {edge.source for edge in graph_edges}
    kinds = {kind: sum(edge.kind == kind for edge in ours) for kind in ("module", "deferred")}
    kinds["type-only"] = sum(edge.kind == "type-only" for edge in ours)
    print(f"{len(modules)} modules, {len(ours)} imports between them: {kinds}")
    found = cycles(ours)
    for component in found:
        print("cycle:", ", ".join(component))
        for edge in ours:
            if edge.source in component and edge.target in component:
                print(f"    {edge.source} -> {edge.target} ({edge.kind}, line {edge.line})")
    problems = layering_violations(graph_edges)
    for problem in problems:
        print("layering:", problem)
    return 1 if found or problems else 0


if __name__ == "__main__":
    sys.exit(main())
