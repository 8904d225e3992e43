"""The import graph: no cycles, and services and models never run a widget module."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tools.import_graph import ROOT, cycles, edges, layering_violations, source_files


def test_no_import_cycle_not_even_a_type_only_or_deferred_one() -> None:
    assert cycles(edges()) == []


def test_lockcore_imports_no_qt_and_services_and_models_no_widgets() -> None:
    assert layering_violations(edges()) == []


def test_importing_every_service_and_model_loads_no_widget_module() -> None:
    """What the static rule promises, seen in a real interpreter."""
    modules = sorted(
        name
        for name in source_files()
        if name.startswith(("inspector.services.", "inspector.models."))
    )
    probe = "import importlib, sys\n"
    probe += "".join(f"importlib.import_module({name!r})\n" for name in modules)
    probe += "print(sorted(m for m in sys.modules if m == 'PySide6.QtWidgets'))\n"
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"},
    )
    assert len(modules) > 10
    assert result.stdout.strip() == "[]"


def _package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")


def test_the_checker_finds_type_only_relative_and_deferred_cycles(tmp_path: Path) -> None:
    _package(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import A\n",
            "pkg/a.py": """
                from typing import TYPE_CHECKING
                if TYPE_CHECKING:
                    from .b import B
                class A: ...
            """,
            "pkg/b.py": "from pkg import a\nclass B: ...\n",
            "pkg/c.py": "def later():\n    from pkg.d import D\n",
            "pkg/d.py": "from . import c\nclass D: ...\n",
            "other/e.py": "import pkg.a\n",
        },
    )
    found = edges(tmp_path, ["pkg", "other"])
    assert cycles(found) == [["pkg.a", "pkg.b"], ["pkg.c", "pkg.d"]]
    kinds = {(edge.source, edge.target): edge.kind for edge in found}
    assert kinds[("pkg.a", "pkg.b")] == "type-only"
    assert kinds[("pkg.c", "pkg.d")] == "deferred"
    # a package's __init__ importing its own module is no cycle; another module's import of
    # pkg.a runs pkg/__init__.py too
    assert ("other.e", "pkg") in kinds
    assert ("pkg.a", "pkg") not in kinds


def test_the_checker_sees_a_service_reaching_a_widget_through_another_module(
    tmp_path: Path,
) -> None:
    _package(
        tmp_path,
        {
            "inspector/__init__.py": "",
            "inspector/services/__init__.py": "",
            "inspector/services/s.py": "import inspector.document.save\n",
            "inspector/document/__init__.py": "from inspector.document.pane import Pane\n",
            "inspector/document/save.py": "",
            "inspector/document/pane.py": "from PySide6.QtWidgets import QWidget\n",
        },
    )
    (problem,) = layering_violations(edges(tmp_path, ["inspector"]))
    assert problem == (
        "inspector.services.s runs a widget module: inspector.services.s -> inspector.document"
        " -> inspector.document.pane -> PySide6.QtWidgets"
    )
