"""The GUI thread's longest stall when typing not yet checked must become an undo step at once:
Ctrl+Z right after typing, and the folder turning read-only right after typing, in a text of
about a megabyte (the largest the Raw tab edits).

Run: ``python benchmarks/bench_raw_undo.py [--rounds 3]``

Each case is measured both ways in one run, on the same pane and text:

- baseline: the typed text parsed at once on the GUI thread (``validate_now``, what Ctrl+Z and
  the read-only switch did before), then the undo / the switch;
- now: a real Ctrl+Z key press in the editor / ``DocumentPane.set_read_only``, which have a
  text of ``CHECK_ON_WORKER_CHARS`` or more checked on the raw editor's worker first.

The stall is the longest gap of a 2 ms timer from the key press (or the switch) until the
typed step is undone (or taken in) and the editor holds its text again.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench_raw_fidelity import MIB, StallMeter, mixed_text, open_raw, run_until, type_at

from inspector.app import share_interpreter_with_gui
from inspector.document import DocumentPane
from inspector.document.parsing import RAW_EDIT_LIMIT

READ_ONLY_REASON = "The folder is on a read-only filesystem (benchmark)."


def undo_after_typing(pane: DocumentPane, meter: StallMeter, *, at_once: bool) -> float:
    """Type, then undo before the typing pause ends; the longest stall until undone."""
    editor = pane.raw_editor
    type_at(editor, '"value 7"', "0")
    if not editor.has_pending_edit:
        raise RuntimeError("the typing was checked before the undo: no pending text")
    meter.start()
    if at_once:
        editor.validate_now()  # the code before: parsed here, then the undo
        editor.undo_requested.emit()
    else:
        QTest.keyClick(editor, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    run_until(
        lambda: (
            pane.undo_stack.index() == 0
            and pane.undo_stack.canRedo()
            and not editor.has_pending_edit
            and not editor.is_loading
        )
    )
    stall = meter.stop()
    pane.undo_stack.clear()
    return stall


def read_only_after_typing(pane: DocumentPane, meter: StallMeter, *, at_once: bool) -> float:
    """Type, then the folder turns read-only before the pause ends; the longest stall until
    the typing is an unsaved edit."""
    editor = pane.raw_editor
    type_at(editor, '"value 7"', "0")
    if not editor.has_pending_edit:
        raise RuntimeError("the typing was checked before the switch: no pending text")
    meter.start()
    if at_once:
        editor.validate_now()  # the code before: parsed here, then the switch
    pane.set_read_only(READ_ONLY_REASON)
    run_until(lambda: pane.undo_stack.count() == 1 and not editor.has_pending_edit)
    stall = meter.stop()
    pane.set_read_only(None)
    pane.undo_stack.undo()
    run_until(lambda: not editor.is_loading and not editor.has_pending_edit)
    pane.undo_stack.clear()
    return stall


def measure(
    label: str,
    rounds: int,
    case: Callable[..., float],
    pane: DocumentPane,
    meter: StallMeter,
) -> None:
    before = [case(pane, meter, at_once=True) for _ in range(rounds)]
    now = [case(pane, meter, at_once=False) for _ in range(rounds)]
    worst_before, worst_now = max(before), max(now)
    print(
        f"{label}: longest GUI stall, baseline (parsed at once) "
        f"{', '.join(f'{s * 1000:.0f}' for s in before)} ms; now "
        f"{', '.join(f'{s * 1000:.0f}' for s in now)} ms; median ratio "
        f"{statistics.median(now) / statistics.median(before):.2f}x, worst "
        f"{worst_now * 1000:.0f} vs {worst_before * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)
    with tempfile.TemporaryDirectory(prefix="bench-raw-undo-") as folder:
        path = os.path.join(folder, "edit.json")
        with open(path, "wb") as handle:
            handle.write(mixed_text(RAW_EDIT_LIMIT - 64 * 1024, separators=False).encode())
        pane = DocumentPane()
        pane.resize(900, 700)
        pane.show()
        open_raw(pane, path)
        if pane.raw_editor.isReadOnly():
            raise RuntimeError(f"not editable: {pane.raw_view.status.text()}")
        pane.raw_editor.setFocus()
        meter = StallMeter()
        size = os.path.getsize(path) / MIB
        for label, case in (
            ("Ctrl+Z right after typing", undo_after_typing),
            ("read-only right after typing", read_only_after_typing),
        ):
            measure(f"{label}, {size:.2f} MiB", args.rounds, case, pane, meter)
        pane.shutdown()
    del app
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: ratios, not absolute times)")


if __name__ == "__main__":
    main()
