"""Installing the desktop entry, icons and AppStream metainfo for the current user.

``lock-inspector --install-desktop-entry`` puts them under ``$XDG_DATA_HOME`` (by default
``~/.local/share``), where desktops look for a user's applications, with ``Exec=`` naming the
absolute path of the launcher that ran it: inside a virtual environment ``lock-inspector`` is
not on the desktop's PATH, so a bare ``Exec=lock-inspector`` would start nothing.
``--uninstall-desktop-entry`` removes exactly those files. No Qt: it works without a display.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from inspector import APPLICATION_ID
from inspector.resources import DESKTOP_DIR, HICOLOR_DIR, icon_path

__all__ = [
    "desktop_exec_line",
    "install_desktop_entry",
    "installed_files",
    "launcher_command",
    "uninstall_desktop_entry",
    "user_data_home",
]

#: The launcher's name, as ``[project.gui-scripts]`` installs it.
LAUNCHER_NAME = "lock-inspector"

#: Characters that make an Exec argument need quotes (Desktop Entry spec, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def user_data_home() -> Path:
    """``$XDG_DATA_HOME`` when it is an absolute path (the spec ignores relative ones), else
    ``~/.local/share``."""
    configured = os.environ.get("XDG_DATA_HOME", "")
    if os.path.isabs(configured):
        return Path(configured)
    return Path.home() / ".local" / "share"


def launcher_command(argv0: str | None = None) -> list[str]:
    """The command that starts this installation of the app, absolute.

    ``argv0`` (default ``sys.argv[0]``) when it is the installed launcher; run any other way
    (``python -m inspector``), the launcher on PATH; without one, this interpreter with
    ``-m inspector``.
    """
    argv0 = sys.argv[0] if argv0 is None else argv0
    if os.path.basename(argv0) == LAUNCHER_NAME and os.access(argv0, os.X_OK):
        return [os.path.abspath(argv0)]
    found = shutil.which(LAUNCHER_NAME)
    if found is not None:
        return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "inspector"]


def _exec_argument(argument: str) -> str:
    """One Exec argument, quoted and escaped as the Desktop Entry spec says."""
    if any(ord(character) < 0x20 for character in argument):
        # A desktop entry value is one line: such a path cannot be written into it.
        raise ValueError(f"cannot name {argument!r} in a desktop entry: control characters")
    argument = argument.replace("%", "%%")  # a literal percent sign, not a field code
    if any(character in _RESERVED for character in argument):
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
        argument = f'"{escaped}"'
    # Exec is a string value, whose own escapes come on top: a backslash is written twice.
    return argument.replace("\\", "\\\\")


def desktop_exec_line(command: Sequence[str]) -> str:
    """The ``Exec=`` value starting ``command`` with the file or folder it is given (``%f``)."""
    return " ".join(_exec_argument(argument) for argument in command) + " %f"


def installed_files(data_home: Path) -> dict[Path, Path]:
    """Where each file goes under ``data_home``, mapped to the packaged file it comes from."""
    files = {
        data_home / "applications" / f"{APPLICATION_ID}.desktop": (
            DESKTOP_DIR / f"{APPLICATION_ID}.desktop"
        ),
        data_home / "metainfo" / f"{APPLICATION_ID}.metainfo.xml": (
            DESKTOP_DIR / f"{APPLICATION_ID}.metainfo.xml"
        ),
        data_home / "icons" / "hicolor" / "scalable" / "apps" / f"{APPLICATION_ID}.svg": Path(
            icon_path("app")
        ),
    }
    for png in sorted(HICOLOR_DIR.glob(f"*/apps/{APPLICATION_ID}.png")):
        files[data_home / "icons" / "hicolor" / png.relative_to(HICOLOR_DIR)] = png
    return files


def _write_atomically(target: Path, content: bytes) -> None:
    """``target`` holds ``content`` or what it held before, never a part (desktops watch these
    folders and read what appears)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def _desktop_entry_with_exec(template: str, exec_line: str) -> str:
    lines = [
        f"Exec={exec_line}" if line.startswith("Exec=") else line for line in template.splitlines()
    ]
    return "\n".join(lines) + "\n"


def _refresh_caches(data_home: Path) -> list[str]:
    """Let the desktop see the change now: update the MIME and icon caches where their tools
    exist (a desktop without them finds the files anyway). Returns what went wrong."""
    problems = []
    for tool, arguments in (
        ("update-desktop-database", [str(data_home / "applications")]),
        # -t: a user's hicolor folder has no index.theme of its own.
        ("gtk-update-icon-cache", ["-f", "-t", "-q", str(data_home / "icons" / "hicolor")]),
    ):
        path = shutil.which(tool)
        if path is None:
            continue
        result = subprocess.run(
            [path, *arguments], capture_output=True, text=True, check=False, timeout=60
        )
        if result.returncode != 0:
            reason = result.stderr.strip() or f"exit status {result.returncode}"
            problems.append(f"{tool}: {reason}")
    return problems


def install_desktop_entry(
    data_home: Path | None = None, command: Sequence[str] | None = None
) -> tuple[list[Path], list[str]]:
    """Install the desktop entry (starting ``command``, by default :func:`launcher_command`),
    the icons and the metainfo under ``data_home`` (default :func:`user_data_home`).

    Returns the files written and the cache tools' complaints (the files are in place anyway).
    Raises ``OSError`` when a file cannot be written.
    """
    data_home = user_data_home() if data_home is None else data_home
    exec_line = desktop_exec_line(launcher_command() if command is None else command)
    written = []
    for target, source in installed_files(data_home).items():
        content = source.read_bytes()
        if target.suffix == ".desktop":
            content = _desktop_entry_with_exec(content.decode("utf-8"), exec_line).encode()
        _write_atomically(target, content)
        written.append(target)
    return written, _refresh_caches(data_home)


def uninstall_desktop_entry(data_home: Path | None = None) -> tuple[list[Path], list[str]]:
    """Remove what :func:`install_desktop_entry` installs under ``data_home``; returns the
    files removed and the cache tools' complaints."""
    data_home = user_data_home() if data_home is None else data_home
    removed = []
    for target in installed_files(data_home):
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        removed.append(target)
    return removed, _refresh_caches(data_home)
