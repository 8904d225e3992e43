"""What keeping a file's own bytes under the Raw tab costs (inspector.document.raw_text).

Run: ``python benchmarks/bench_raw_fidelity.py [--mib 20] [--rounds 5] [--gui-only]
[--no-separators]`` (``--gui-only --no-separators`` also runs on the code before this mapping,
for a baseline of part 2).

1. The mapping alone, on a text of RAW_EDIT_LIMIT (the largest the Raw tab edits; mixed CR LF
   and LF line endings, U+2028 in strings): writing two edits far apart over the file's text
   (``ShownText.typed_source``, decode and encode included), beside the baseline it replaces
   (every LF turned into the file's usual line ending, then encoded), and showing the file
   (``shown_text``). And the same mapping on a ``--mib`` text, which the app never does (a
   text that long is shown read-only, as it is), to show why.
2. The GUI thread, offscreen, as the app runs it: the longest gap of a 2 ms timer while a
   ``--mib`` file with mixed line endings and separators opens in the Raw tab (read-only,
   shown as it is), and while a RAW_EDIT_LIMIT one is edited: the check after each of three
   typing pauses (parse, secrets, the tree's new version), two edits checked at once
   (``validate_now``, as before a save), and the save.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer
from PySide6.QtWidgets import QApplication

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from inspector.app import share_interpreter_with_gui
from inspector.document import DocumentPane
from inspector.document.pane.pane_state import RAW_TAB
from inspector.document.parsing import RAW_EDIT_LIMIT
from inspector.document.raw_editor import RawJsonEditor
from inspector.document.raw_view import RawMode

MIB = 1024 * 1024


def mixed_text(size: int, *, separators: bool = True) -> str:
    """An indented JSON object of about ``size`` characters: every third line ends in LF, the
    others in CR LF, and every tenth value holds a raw U+2028 (with ``separators``)."""
    lines = ["{\r\n"]
    total, number = 3, 0
    while total < size:
        separator = "\u2028" if separators else " "
        value = f"line {number}{separator}more" if number % 10 == 0 else f"value {number}"
        line = f'  "k{number:07d}": "{value}",' + ("\n" if number % 3 == 0 else "\r\n")
        lines.append(line)
        total += len(line)
        number += 1
    lines.append('  "last": 0\r\n}\r\n')
    return "".join(lines)


def best_of(rounds: int, run: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def old_typed_bytes(text: str, file_bytes: bytes) -> bytes:
    """The save before (every line break the file's usual one): the baseline."""
    crlf = file_bytes.count(b"\r\n")
    if crlf and crlf >= file_bytes.count(b"\n") - crlf:
        text = text.replace("\n", "\r\n")
    return text.encode("utf-8", errors="surrogatepass")


def two_edits(shown: str) -> str:
    first = shown.index('"k0000001"')
    last = shown.rindex('"last": 0')
    return shown[:first] + '"K0000001"' + shown[first + 10 : last] + '"last": 1' + shown[last + 9 :]


def mapping(rounds: int, size: int, label: str) -> None:
    from inspector.document.raw_text import ShownText, shown_text, typed_bytes

    source = mixed_text(size)
    raw = source.encode()
    shown = ShownText.of(source)
    typed = two_edits(shown.text)
    assert shown_text(typed_bytes(typed, raw).decode()) == typed
    new = best_of(rounds, lambda: typed_bytes(typed, raw))
    old = best_of(rounds, lambda: old_typed_bytes(typed, raw))
    show = best_of(rounds, lambda: shown_text(source))
    print(
        f"{label} ({len(raw) / MIB:.1f} MiB): save two edits {new * 1000:.1f} ms "
        f"(baseline, every line ending normalised: {old * 1000:.1f} ms, "
        f"ratio {new / old:.1f}x); show it {show * 1000:.1f} ms"
    )


class StallMeter:
    """The longest gap between ticks of a 2 ms timer on the GUI thread."""

    def __init__(self) -> None:
        self.longest = 0.0
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setInterval(2)
        self._timer.timeout.connect(self._tick)

    def start(self) -> None:
        self.longest = 0.0
        self._clock.start()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        self._tick()  # work done since the last tick without the event loop running is a gap too
        return self.longest

    def _tick(self) -> None:
        self.longest = max(self.longest, self._clock.restart() / 1000)


def run_until(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    loop = QEventLoop()
    end = time.monotonic() + timeout
    poll = QTimer()
    poll.setInterval(5)
    poll.timeout.connect(lambda: (condition() or time.monotonic() > end) and loop.quit())
    poll.start()
    loop.exec()
    poll.stop()
    if not condition():
        raise TimeoutError("the pane did not get there in time")


def open_raw(pane: DocumentPane, path: str, meter: StallMeter | None = None) -> float:
    """Open ``path`` (shown in the tree first) and show its Raw tab until its text is in;
    with ``meter``, the longest stall of the Raw tab alone (the tree settled first)."""
    shown: list[str] = []
    pane.document_loaded.connect(shown.append)
    pane.open_store(path)
    run_until(lambda: bool(shown))
    pane.document_loaded.disconnect()
    secrets_known = pane.loaded is not None and pane.loaded.secrets is not None
    run_until(lambda: secrets_known or pane.secrets_revealed or _secrets_checked(pane))
    if meter is not None:
        meter.start()
    pane.tabs.setCurrentIndex(RAW_TAB)
    # A big text is hidden until its secrets are looked for (a worker), then put in by chunks.
    run_until(
        lambda: (
            pane.raw_view.content.mode is not RawMode.HIDDEN_BIG and not pane.raw_editor.is_loading
        )
    )
    return meter.stop() if meter is not None else 0.0


def type_at(editor: RawJsonEditor, place: str, typed: str) -> None:
    """Type ``typed`` after the first character of ``place`` in the editor's text."""
    cursor = editor.textCursor()
    cursor.setPosition(editor.full_text().index(place) + 1)
    editor.setTextCursor(cursor)
    editor.insertPlainText(typed)


def _secrets_checked(pane: DocumentPane) -> bool:
    loaded = pane.loaded
    return loaded is not None and loaded.secrets is not None


def gui(folder: str, mib: float, *, separators: bool) -> None:
    pane = DocumentPane()
    pane.resize(900, 700)
    pane.show()
    meter = StallMeter()
    big = os.path.join(folder, "big.json")
    with open(big, "wb") as handle:
        handle.write(mixed_text(int(mib * MIB)).encode())
    meter.start()
    open_raw(pane, big)
    opened = meter.stop()
    again = os.path.join(folder, "big-again.json")  # another store: opened anew, in the tree
    with open(again, "wb") as target:  # another text: the editor's must be replaced
        target.write(mixed_text(int(mib * MIB)).replace("k0000", "K0000", 1).encode())
    raw_only = open_raw(pane, again, meter)
    print(
        f"GUI: open {os.path.getsize(big) / MIB:.1f} MiB (mixed endings, separators) and show "
        f"its Raw tab (read-only, mode {pane.raw_view.content.mode.value}): longest stall "
        f"{opened * 1000:.0f} ms; the Raw tab alone, the tree settled first: "
        f"{raw_only * 1000:.0f} ms"
    )
    small = os.path.join(folder, "edit.json")
    with open(small, "wb") as handle:
        # (a separator is 3 bytes: well under the limit)
        handle.write(mixed_text(RAW_EDIT_LIMIT - 64 * 1024, separators=separators).encode())
    open_raw(pane, small)
    editor = pane.raw_editor
    if editor.isReadOnly():
        raise RuntimeError(f"not editable: {pane.raw_view.status.text()}")
    # The check after each typing pause, as a person edits (one value, one key renamed, a
    # value far down): typed, then the pause's timer, the check and the tree's new version.
    # (Counted by the editor's signal: the pane takes the text within its emission, and
    # consecutive raw edits merge into one undo step.)
    pause_stalls = []
    checks: list[str] = []

    def count_check(text: str, _document: object, _error: object) -> None:
        checks.append(text)

    editor.text_validated.connect(count_check)
    for place, typed in (('"value 7"', "0"), ('"k0000001"', "X"), ('"value 30001"', "1")):
        type_at(editor, place, typed)
        done = len(checks) + 1
        meter.start()
        run_until(lambda done=done: len(checks) >= done and not editor.has_pending_edit)
        pause_stalls.append(meter.stop())
    editor.text_validated.disconnect(count_check)
    meter.start()
    for place, typed in (('"k0000002"', "X"), ('"last"', "1")):
        type_at(editor, place, typed)
    editor.validate_now()
    typed_stall = meter.stop()
    saved: list[str] = []
    pane.saved.connect(saved.append)
    meter.start()
    if not pane.save():
        raise RuntimeError(f"the save did not start: {pane.error_bar.label.text()}")
    run_until(lambda: bool(saved))
    save_stall = meter.stop()
    print(
        f"GUI: edit {os.path.getsize(small) / MIB:.2f} MiB: longest stall of each check after "
        f"a typing pause {', '.join(f'{stall * 1000:.0f}' for stall in pause_stalls)} ms; "
        f"two places checked at once (validate_now, as before a save) "
        f"{typed_stall * 1000:.0f} ms, {save_stall * 1000:.0f} ms while saving"
    )
    pane.shutdown()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--gui-only", action="store_true", help="only part 2 (any version)")
    parser.add_argument(
        "--no-separators",
        action="store_true",
        help="edit a file without U+2028 (the app before this could not save one at all)",
    )
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication([])
    share_interpreter_with_gui()  # as the app does (inspector.app.configure_application)
    if not args.gui_only:
        mapping(args.rounds, RAW_EDIT_LIMIT, "largest raw-editable text")
        mapping(max(1, args.rounds // 2), int(args.mib * MIB), "never done: a big text")
    with tempfile.TemporaryDirectory(prefix="bench-raw-fidelity-") as folder:
        gui(folder, args.mib, separators=not args.no_separators)
    del app
    print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared: ratios, not absolute times)")


if __name__ == "__main__":
    main()
