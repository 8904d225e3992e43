"""Converting a store that is not UTF-8 into UTF-8: which encoding it has, and its document.

Pure functions (no I/O, no Qt). The pane shows a file that is not UTF-8 read-only, as read; this
is what the explicit "Convert to UTF-8…" action decodes it with. The save service writes the
result through lockcore, which keeps the original bytes beside the file first.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from typing import Any, Final

from inspector.document.parsing import detect_indent, parse_text
from inspector.document.results import LoadedDocument
from lockcore import JSONKind, classify_json

PREVIEW_BYTES: Final = 8 * 1024
"""How much of a file the confirmation shows decoded (decoding all of it could take a while)."""

_BOM_LENGTHS: Final = {"utf-16": len(codecs.BOM_UTF16_LE), "utf-32": len(codecs.BOM_UTF32_LE)}
_WINDOWS_1252: Final = "Windows-1252 (Latin-1)"
_LATIN_1: Final = "ISO 8859-1 (Latin-1)"
_NOT_IN_WINDOWS_1252: Final = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")


class NotConvertibleError(ValueError):
    """The file cannot be converted: it is UTF-8 already, or decoded it is still not JSON."""


@dataclass(frozen=True)
class Utf8Conversion:
    """A file's document decoded from the encoding it has, ready to be written as UTF-8."""

    source: str  #: the encoding it was read with, in words ("UTF-16 (LE)", "Windows-1252 …")
    document: Any
    indent: int | None  #: the indentation of its text, kept when it is written again


def _codec_and_source(raw: bytes, encoding: str, bom: bool) -> tuple[str, int, str]:
    """(Python codec, bytes of byte order mark to skip, the encoding in words) for a file whose
    text lockcore found to be in ``encoding`` ("" when not Unicode it could recognise)."""
    if encoding.startswith(("utf-16", "utf-32")):
        skip = _BOM_LENGTHS[encoding[:6]] if bom else 0
        return encoding, skip, f"{encoding[:6].upper()} ({encoding[-2:].upper()})"
    if encoding:
        raise NotConvertibleError("it is UTF-8 text already")
    if any(byte in raw for byte in _NOT_IN_WINDOWS_1252):
        return "latin-1", 0, _LATIN_1  # ISO 8859-1 gives every byte a letter
    return "cp1252", 0, _WINDOWS_1252


def describe_conversion(loaded: LoadedDocument) -> tuple[str, str]:
    """(the encoding the file would be read with, in words; the beginning of its text so read).

    Decodes only the first :data:`PREVIEW_BYTES`: quick enough for a question to the user.
    """
    codec, skip, source = _codec_and_source(loaded.raw, loaded.encoding, loaded.bom)
    return source, loaded.raw[skip:PREVIEW_BYTES].decode(codec, errors="replace")


def convert_to_utf8(raw: bytes) -> Utf8Conversion:
    """The document of a file that is not UTF-8, read in the encoding it has.

    UTF-16 and UTF-32 are recognised by lockcore (byte order mark or NUL bytes); any other bytes
    are read as Windows-1252, the usual "Latin-1" of files written on Windows, or as ISO 8859-1
    when some byte has no Windows-1252 letter. Raises NotConvertibleError when the file is UTF-8
    already, or its text, so read, is not JSON.
    """
    check = classify_json(raw)  # quick for these files: it stops where UTF-8 does
    unicode_text = check.kind in (JSONKind.OTHER_UNICODE, JSONKind.NOT_UTF8)
    codec, skip, source = _codec_and_source(
        raw, check.encoding if unicode_text else "utf-8", check.bom
    )
    try:
        text = raw[skip:].decode(codec)
    except UnicodeDecodeError as error:
        raise NotConvertibleError(
            f"it is not valid {source} text either ({error.reason})"
        ) from error
    decoded = classify_json(text, parse=parse_text)
    if not decoded.kind.parsed:
        raise NotConvertibleError(f"read as {source}, it is {decoded.reason}")
    return Utf8Conversion(source, decoded.document, detect_indent(text))
