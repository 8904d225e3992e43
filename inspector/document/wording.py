"""The translated words for what the Qt-free reading modules found: sizes and file-kind notes.

:mod:`inspector.document.parsing`, :mod:`~inspector.document.loader` and
:mod:`~inspector.document.text` import no Qt; they return data (a kind, a line and column,
lockcore's reason, sizes) and an English ``LoadedDocument.message`` for logs. What the pane and
the status bar show is worded here, through ``QCoreApplication.translate`` in the context
``DocumentWords`` with named placeholders; the English is the same as ``message``. lockcore's
reasons (why a text is not JSON) stay lockcore's English words.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from inspector.document.results import DocumentKind, LoadedDocument

_CONTEXT = "DocumentWords"


def _tr(text: str) -> str:
    return QCoreApplication.translate(_CONTEXT, text)


def size_words(size: int) -> str:
    """``"812 bytes"``, ``"4.2 KiB"``, ``"20.0 MiB"``: :func:`text.describe_size`, translated."""
    if size < 1024:
        return _tr("{size} bytes").format(size=size)
    if size < 1024 * 1024:
        return _tr("{size} KiB").format(size=f"{size / 1024:.1f}")
    return _tr("{size} MiB").format(size=f"{size / (1024 * 1024):.1f}")


def kind_note(loaded: LoadedDocument) -> str:
    """The sentence saying what a document that is not plain valid JSON is, translated.

    Corrupt, too complex, too large, missing and unreadable files are worded from the
    document's data (the words inside a reason are the system's or lockcore's); other kinds keep
    ``loaded.message``, as do documents made without that data."""
    name = loaded.name
    error = loaded.error
    if loaded.kind is DocumentKind.CORRUPT and error is not None:
        return _tr("{name} is not valid JSON (line {line}, column {column}: {reason}).").format(
            name=name, line=error.line, column=error.column, reason=error.message
        )
    if loaded.kind is DocumentKind.TOO_COMPLEX:
        if error is not None:
            return _tr(
                "{name} is valid JSON, too large/deep to edit here: {reason} (line {line}, "
                "column {column}). Shown read-only."
            ).format(name=name, reason=loaded.problem, line=error.line, column=error.column)
        return _tr(
            "{name} is valid JSON, too large/deep to edit here: {reason}. Shown read-only."
        ).format(name=name, reason=loaded.problem)
    if loaded.kind is DocumentKind.TOO_LARGE and loaded.size_limit:
        note = _tr(
            "{name} is {size}, over the {limit} limit for editing: shown read-only as raw text."
        ).format(name=name, size=size_words(loaded.size), limit=size_words(loaded.size_limit))
        if loaded.truncated:
            shown = _tr("The first {size} are shown.").format(size=size_words(len(loaded.raw)))
            note = f"{note} {shown}"
        return note
    if loaded.kind in (DocumentKind.MISSING, DocumentKind.UNREADABLE):
        return _unreadable_note(loaded)
    return loaded.message


def _unreadable_note(loaded: LoadedDocument) -> str:
    """Why a missing or unreadable file shows nothing, translated."""
    name = loaded.name
    if loaded.kind is DocumentKind.MISSING:
        return _tr("{name} does not exist (any more).").format(name=name)
    because = loaded.unreadable_because
    if because == "not_regular":
        return _tr("{name} is {kind}, not a file: there is nothing to show.").format(
            name=name, kind=loaded.problem
        )
    if because == "permission":
        return _tr("Permission denied: cannot read {name}.").format(name=name)
    if because == "os_error":
        return _tr("Cannot read {name}: {reason}.").format(name=name, reason=loaded.problem)
    return loaded.message


def cut_mark(count: int, earlier: bool) -> str:
    """The mark for ``count`` characters left out of a shortened line (before the part shown
    when ``earlier``), as :func:`text.english_cut_mark`, translated."""
    if earlier:
        words = _tr("({count} earlier character)" if count == 1 else "({count} earlier characters)")
    else:
        words = _tr("({count} more character)" if count == 1 else "({count} more characters)")
    return words.format(count=f"{count:,}")
