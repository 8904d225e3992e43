"""The desktop entry, icons and metainfo: what ships, and installing them for the user."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from PySide6.QtGui import QImage

from inspector import APPLICATION_ID, application_version
from inspector.desktop_entry import desktop_exec_line, launcher_command
from inspector.resources import DESKTOP_DIR, HICOLOR_DIR

REPO = Path(__file__).resolve().parents[2]
DESKTOP_FILE = DESKTOP_DIR / f"{APPLICATION_ID}.desktop"
METAINFO_FILE = DESKTOP_DIR / f"{APPLICATION_ID}.metainfo.xml"


def _desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys keep their case
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def _exec_arguments(exec_value: str) -> list[str]:
    """The Exec value split as the Desktop Entry spec says: string escapes first, then
    arguments split at spaces outside double quotes, in which a backslash escapes the next
    character; ``%f`` left out (no file given)."""
    unescaped = exec_value.replace("\\\\", "\\")
    arguments: list[str] = []
    current: list[str] | None = None
    characters = iter(unescaped)
    for character in characters:
        if character == " ":
            if current is not None:
                arguments.append("".join(current))
            current = None
        elif character == '"':
            current = current or []
            for quoted in characters:
                if quoted == '"':
                    break
                current.append(next(characters) if quoted == "\\" else quoted)
        else:
            current = [*(current or []), character]
    if current is not None:
        arguments.append("".join(current))
    return [argument.replace("%%", "%") for argument in arguments if argument != "%f"]


def _validate_desktop_file(path: Path) -> None:
    tool = shutil.which("desktop-file-validate")
    if tool is None:
        return  # CI installs it; .ci/check-desktop-metadata checks the shipped files too
    result = subprocess.run([tool, str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout, result.stdout


def test_shipped_entry_names_the_application_id_and_no_folder_handler():
    entry = _desktop_entry(DESKTOP_FILE)
    assert entry["Icon"] == APPLICATION_ID
    # Offering ourselves for every folder (inode/directory) is what file managers complain of.
    mime_types = [m for m in entry["MimeType"].split(";") if m]
    assert mime_types == ["application/json"]
    assert entry["StartupWMClass"] == APPLICATION_ID.rpartition(".")[2]
    assert f"<id>{APPLICATION_ID}</id>" in METAINFO_FILE.read_text()
    assert f">{APPLICATION_ID}.desktop</launchable>" in METAINFO_FILE.read_text()
    _validate_desktop_file(DESKTOP_FILE)


def test_png_icons_are_square_and_of_their_folder_size():
    sizes = []
    for png in HICOLOR_DIR.glob(f"*/apps/{APPLICATION_ID}.png"):
        image = QImage(str(png))
        size = int(png.parts[-3].partition("x")[0])
        assert (image.width(), image.height()) == (size, size), png
        sizes.append(size)
    assert {16, 32, 48, 256} <= set(sizes)


def _fake_installed_launcher(folder: Path) -> Path:
    """A launcher like the one pip writes for ``lock-inspector``, running this checkout."""
    folder.mkdir(parents=True)
    launcher = folder / "lock-inspector"
    launcher.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from inspector.__main__ import main\n"
        "sys.exit(main())\n"
    )
    launcher.chmod(0o755)
    return launcher


@pytest.mark.parametrize("folder_name", ["bin", "my apps $HOME"])
def test_install_then_uninstall_for_the_user(tmp_path: Path, folder_name: str) -> None:
    launcher = _fake_installed_launcher(tmp_path / folder_name)
    data_home = tmp_path / "data"
    environment = dict(os.environ, XDG_DATA_HOME=str(data_home), QT_QPA_PLATFORM="offscreen")
    # Started the way a user does after `pip install`: the launcher by its path.
    installed = subprocess.run(
        [str(launcher), "--install-desktop-entry"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert installed.returncode == 0, installed.stderr

    desktop = data_home / "applications" / f"{APPLICATION_ID}.desktop"
    entry = _desktop_entry(desktop)
    assert _exec_arguments(entry["Exec"]) == [str(launcher)]
    assert entry["Exec"].endswith(" %f")
    _validate_desktop_file(desktop)
    # The Exec line starts this very installation.
    started = subprocess.run(
        [*_exec_arguments(entry["Exec"]), "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert started.stdout == f"lock-inspector {application_version()}\n", started.stderr
    icons = data_home / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / f"{APPLICATION_ID}.svg").is_file()
    assert (icons / "48x48" / "apps" / f"{APPLICATION_ID}.png").is_file()
    metainfo = data_home / "metainfo" / f"{APPLICATION_ID}.metainfo.xml"
    assert metainfo.read_bytes() == METAINFO_FILE.read_bytes()
    for path in (desktop, metainfo):
        assert f"installed {path}" in installed.stdout.splitlines()

    removed = subprocess.run(
        [str(launcher), "--uninstall-desktop-entry"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )
    assert removed.returncode == 0, removed.stderr
    left = [path for path in data_home.rglob("*") if path.is_file()]
    # Only caches the desktop's tools keep may stay.
    assert all(path.name in {"icon-theme.cache", "mimeinfo.cache"} for path in left), left


def test_exec_line_quotes_and_escapes_as_the_spec_says():
    assert desktop_exec_line(["/usr/bin/lock-inspector"]) == "/usr/bin/lock-inspector %f"
    assert desktop_exec_line(["/opt/my apps/lock-inspector"]) == (
        '"/opt/my apps/lock-inspector" %f'
    )
    # Inside quotes $ and \ are escaped with a backslash, and every backslash is then doubled.
    assert desktop_exec_line(["/a$b\\c"]) == '"/a\\\\$b\\\\\\\\c" %f'
    assert desktop_exec_line(["/100%/x"]) == "/100%%/x %f"
    with pytest.raises(ValueError, match="control characters"):
        desktop_exec_line(["/a\nb"])


def test_run_as_a_module_the_launcher_on_path_or_the_interpreter_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert launcher_command(str(REPO / "inspector" / "__main__.py")) == [
        os.path.abspath(sys.executable),
        "-m",
        "inspector",
    ]
    launcher = _fake_installed_launcher(tmp_path / "bin")
    monkeypatch.setenv("PATH", str(launcher.parent))
    assert launcher_command(str(REPO / "inspector" / "__main__.py")) == [str(launcher)]


def test_desktop_entry_options_take_no_folder(capsys):
    from inspector.__main__ import main

    assert main(["--install-desktop-entry", "/tmp"]) == 2
    with pytest.raises(SystemExit):
        main(["--install-desktop-entry", "--uninstall-desktop-entry"])
    capsys.readouterr()


def test_metainfo_names_the_project_version_among_its_releases():
    # A release bumped in pyproject.toml and not in the metainfo would leave software centres
    # showing an old version.
    project = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^version = "([^"]+)"', project, re.MULTILINE)
    assert version is not None
    releases = ElementTree.parse(METAINFO_FILE).getroot().findall("releases/release")
    assert releases[0].get("version") == version.group(1)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", releases[0].get("date") or "")
