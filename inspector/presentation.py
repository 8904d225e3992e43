"""How the app shows locks and stores to people: words, icons and colours, in one place.

The store table and the break dialog put the same facts into words (a lock state, an age, a
time, a store's health); they take them from here, so that each reads the same everywhere.
Nothing here does I/O or knows a widget. The holder in words is ``inspector.display``'s
(services use it too, and must not import this module, which imports the scanner's types).

Words kept in tables are marked with ``QT_TRANSLATE_NOOP`` (in the context ``StoreTableModel``,
where translators find them) and translated where shown, through :func:`translated`.
"""

from __future__ import annotations

import shlex
import time
from functools import cache

from PySide6.QtCore import QCoreApplication

from inspector.colours import ERROR_TEXT, WARNING_TEXT
from inspector.display import printable_path
from inspector.services.store_entry import StoreEntry, StoreHealth
from inspector.translation import QT_TRANSLATE_NOOP
from lockcore import LockInfo, LockState

#: The word shown for each lock state, and the icon beside it.
LOCK_WORDS: dict[LockState, tuple[str, str]] = {
    LockState.FREE: (QT_TRANSLATE_NOOP("StoreTableModel", "free"), "lock-free"),
    LockState.HELD_ALIVE: (QT_TRANSLATE_NOOP("StoreTableModel", "held"), "lock-held"),
    LockState.STALE_DEAD_HOLDER: (
        QT_TRANSLATE_NOOP("StoreTableModel", "stale — holder dead"),
        "lock-stale",
    ),
    # Never "stale": this machine cannot see whether a holder elsewhere lives.
    LockState.HELD_OTHER_HOST: (
        QT_TRANSLATE_NOOP("StoreTableModel", "other host — unverifiable"),
        "lock-other-host",
    ),
    LockState.BEING_CREATED: (
        QT_TRANSLATE_NOOP("StoreTableModel", "being acquired"),
        "lock-being-created",
    ),
    LockState.UNREADABLE: (QT_TRANSLATE_NOOP("StoreTableModel", "unreadable"), "lock-unreadable"),
}
_UNKNOWN = QT_TRANSLATE_NOOP("StoreTableModel", "unknown")
_NO_LOCK_FILE = QT_TRANSLATE_NOOP("StoreTableModel", "No lock file.")
_EXITED = QT_TRANSLATE_NOOP("StoreTableModel", "exited")
_EXITED_PARENTHESISED = QT_TRANSLATE_NOOP("StoreTableModel", "(exited)")
_PROCESS_EXITED = QT_TRANSLATE_NOOP("StoreTableModel", "{process} (exited)")

#: The health column's words (the enum's values are the same English, for logs and tests).
HEALTH_WORDS = {
    StoreHealth.VALID: QT_TRANSLATE_NOOP("StoreTableModel", "valid JSON"),
    StoreHealth.NON_STANDARD: QT_TRANSLATE_NOOP("StoreTableModel", "non-standard JSON"),
    StoreHealth.CORRUPT: QT_TRANSLATE_NOOP("StoreTableModel", "corrupt"),
    StoreHealth.TOO_LARGE_OR_DEEP: QT_TRANSLATE_NOOP(
        "StoreTableModel", "valid JSON, too large/deep to edit here"
    ),
    StoreHealth.UTF16: QT_TRANSLATE_NOOP("StoreTableModel", "UTF-16 text"),
    StoreHealth.UTF32: QT_TRANSLATE_NOOP("StoreTableModel", "UTF-32 text"),
    StoreHealth.NOT_UTF8: QT_TRANSLATE_NOOP("StoreTableModel", "not UTF-8"),
    StoreHealth.RECOVERABLE: QT_TRANSLATE_NOOP(
        "StoreTableModel", "interrupted write — recoverable"
    ),
    StoreHealth.MISSING: QT_TRANSLATE_NOOP("StoreTableModel", "missing"),
    StoreHealth.UNREADABLE: QT_TRANSLATE_NOOP("StoreTableModel", "unreadable"),
    StoreHealth.NOT_CHECKED: QT_TRANSLATE_NOOP("StoreTableModel", "large — not checked"),
    StoreHealth.PENDING: QT_TRANSLATE_NOOP("StoreTableModel", "checking…"),
}

#: A stale lock's word is shown in this colour.
STALE_LOCK_COLOUR = ERROR_TEXT

#: The health column's text colours (the others use the palette's).
HEALTH_COLOURS = {
    StoreHealth.CORRUPT: ERROR_TEXT,
    StoreHealth.UNREADABLE: ERROR_TEXT,
    StoreHealth.MISSING: WARNING_TEXT,
    StoreHealth.RECOVERABLE: WARNING_TEXT,
    # Intact, but not what lockcore (or other programs) read and write: nothing is broken.
    StoreHealth.NON_STANDARD: WARNING_TEXT,
    StoreHealth.TOO_LARGE_OR_DEEP: WARNING_TEXT,
    StoreHealth.UTF16: WARNING_TEXT,
    StoreHealth.UTF32: WARNING_TEXT,
    StoreHealth.NOT_UTF8: WARNING_TEXT,
}


def format_age(seconds: float | None) -> str:
    """``"4s"``, ``"2m 05s"``, ``"3h 12m"``, ``"2d 4h"``: short enough for a narrow column."""
    if seconds is None:
        return ""
    whole = max(0, int(seconds))
    if whole < 60:
        return f"{whole}s"
    minutes, secs = divmod(whole, 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h"


def format_size(size: int | None) -> str:
    """``"812 B"``, ``"4.2 KiB"``, ``"12.0 MiB"``."""
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - loop always returns


def format_time(epoch: float | None, now: float | None = None) -> str:
    """Local time: ``"23:24:41"`` today, ``"2026-11-20 08:15"`` before."""
    if epoch is None:
        return ""
    moment = time.localtime(epoch)
    today = time.localtime(time.time() if now is None else now)
    if moment[:3] == today[:3]:
        return time.strftime("%H:%M:%S", moment)
    return time.strftime("%Y-%m-%d %H:%M", moment)


@cache
def translated(text: str) -> str:
    """``text`` (marked above) in the user's language. Cached: a cell is painted often; a new
    model clears the cache, so translators installed before it is made are used."""
    return QCoreApplication.translate("StoreTableModel", text)


def lock_state_word(state: LockState | None) -> str:
    """The word for a lock state (None: not known)."""
    return translated(_UNKNOWN if state is None else LOCK_WORDS[state][0])


def lock_icon_name(state: LockState | None) -> str:
    """The icon beside a lock state's word (None: not known)."""
    return "lock-unreadable" if state is None else LOCK_WORDS[state][1]


def lock_word(entry: StoreEntry) -> str:
    """The lock column's word for an entry."""
    return lock_state_word(entry.lock_state)


def health_word(health: StoreHealth) -> str:
    """The health column's word (a verdict added without one shows its English value; a test
    checks that none is missing)."""
    return translated(HEALTH_WORDS.get(health, health.value))


def process_label(info: LockInfo) -> str:
    """The holder's process name (the lock column says when it is dead; the tooltip too)."""
    if info.pid is None:
        return ""
    if info.holder_alive is False:
        return info.process_name or translated(_EXITED_PARENTHESISED)
    return info.process_name or "?"


def lock_tooltip(entry: StoreEntry) -> str:
    """The lock's word whole (the column may elide it), then why the lock is in its state, or
    why it could not be inspected."""
    if entry.lock is None:
        reason = entry.lock_error or translated(_NO_LOCK_FILE)
    else:
        reason = entry.lock.reason
    word = lock_word(entry)
    return f"{word}\n{reason}" if reason else word


def process_tooltip(info: LockInfo) -> str | None:
    """The holder's whole command line, and whether it has exited."""
    text = printable_path(shlex.join(info.cmdline)) if info.cmdline else info.process_name
    if info.holder_alive is False:
        return translated(_PROCESS_EXITED).format(process=text) if text else translated(_EXITED)
    return text or None
