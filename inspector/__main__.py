"""``lock-inspector [PATH]`` / ``python -m inspector [PATH]``: a folder of stores, or a store."""

from __future__ import annotations

import argparse
import os
import signal
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QFileDialog

from inspector import application_version
from inspector.settings import AppSettings


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="lock-inspector",
        description="Watch the locks of a folder of JSON stores, edit them safely, "
        "and break stale locks with confirmation.",
    )
    parser.add_argument(
        "directory",
        nargs="?",
        metavar="PATH",
        help="folder of JSON stores, or a store in it to open (default: the last folder used, "
        "else ask)",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {application_version()}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open a temporary demo folder with live writer processes (removed on quit)",
    )
    entry = parser.add_mutually_exclusive_group()
    entry.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add the app to your desktop's applications (desktop entry, icons, metainfo "
        "under $XDG_DATA_HOME or ~/.local/share), starting this installation, and exit",
    )
    entry.add_argument(
        "--uninstall-desktop-entry",
        action="store_true",
        help="remove what --install-desktop-entry added, and exit",
    )
    parser.add_argument(
        "--poll",
        action="store_true",
        help="poll the folder instead of using inotify (folders on network filesystems are "
        "polled without asking, and so is any folder when inotify's limits are reached)",
    )
    return parser.parse_args(argv)


def folder_to_open(path: str | None) -> tuple[str | None, str | None]:
    """(folder, store to select): PATH's folder when PATH is a file, PATH itself otherwise;
    without PATH the last folder used with the store last shown, else the folder the user
    picks (None: none)."""
    if path:
        if os.path.exists(path) and not os.path.isdir(path):
            store = os.path.abspath(path)
            return os.path.dirname(store), store
        if not os.path.isdir(path):
            print(f"lock-inspector: {path}: not a folder (watching for it)", file=sys.stderr)
        return path, None
    settings = AppSettings()
    last = settings.last_folder
    if last and os.path.isdir(last):
        # The store shown when the app was last closed, if it is still one of that folder's.
        store = settings.last_store
        inside = store.startswith(os.path.join(last, "")) and os.path.exists(store)
        return last, store if inside else None
    title = QCoreApplication.translate("MainWindow", "Open Folder of JSON Stores")
    return QFileDialog.getExistingDirectory(None, title) or None, None


def _install_or_uninstall_desktop_entry(*, install: bool) -> int:
    from inspector import desktop_entry  # noqa: PLC0415 - only for these options

    try:
        if install:
            files, problems = desktop_entry.install_desktop_entry()
        else:
            files, problems = desktop_entry.uninstall_desktop_entry()
    except (OSError, ValueError) as error:
        print(f"lock-inspector: {error}", file=sys.stderr)
        return 1
    if sys.stdout is not None:  # None for a GUI script started without a console
        verb = "installed" if install else "removed"
        for path in files:
            print(f"{verb} {path}")
        if not files:
            print("nothing to remove")
    for problem in problems:
        print(f"lock-inspector: warning: {problem}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the app; returns the process exit status."""
    args = _parse_args(sys.argv[1:] if argv is None else argv)
    if args.demo and args.directory:
        print("lock-inspector: --demo makes its own folder; do not pass DIR too", file=sys.stderr)
        return 2
    if args.install_desktop_entry or args.uninstall_desktop_entry:
        if args.demo or args.directory:
            print("lock-inspector: the desktop entry options take no folder", file=sys.stderr)
            return 2
        return _install_or_uninstall_desktop_entry(install=args.install_desktop_entry)

    # Imported late so that --help works without a display.
    from inspector.app import configure_application, create_main_window  # noqa: PLC0415 - Qt only when needed
    from inspector.demo import DemoStore  # noqa: PLC0415 - as above
    from inspector.widgets.main_window import MainWindow  # noqa: PLC0415 - as above

    app = QApplication(sys.argv[:1])
    configure_application(app)

    # Ctrl+C in the terminal and a polite kill (SIGTERM: logout, systemd, `kill`) quit like the
    # Quit action, so that the demo's writers stop and its folder goes -- except that a save
    # still waiting for its lock is cancelled first (nothing written). Python runs a handler
    # only between bytecodes, hence the heartbeat. The quit is queued: before app.exec() a
    # direct quit() would do nothing and the signal would be lost.
    windows: list[MainWindow] = []

    def quit_when_safe() -> None:
        # Not app.quit(): a window saving would refuse to close, and the app would go on.
        shown = [window for window in windows if window.isVisible()]
        for window in shown:
            window.close_when_safe()
        if not shown:
            app.quit()

    def request_quit(_signal: int, _frame: object) -> None:
        QTimer.singleShot(0, quit_when_safe)

    signal.signal(signal.SIGINT, request_quit)
    signal.signal(signal.SIGTERM, request_quit)
    heartbeat = QTimer()
    heartbeat.start(200)
    heartbeat.timeout.connect(lambda: None)

    demo: DemoStore | None = None
    store: str | None = None
    try:
        if args.demo:
            # Kept before start(): if one writer fails to start, `finally` stops the others.
            demo = DemoStore.create()
            demo.start()
            folder: str | None = demo.folder
            if sys.stdout is not None:  # None for a GUI script started without a console
                print(f"lock-inspector: demo folder {folder}", flush=True)
        else:
            folder, store = folder_to_open(args.directory)
        window = create_main_window(folder, poll=args.poll, select=store)
        windows.append(window)
        # The first save of a session shows exactly what it will write (issue 10), unless
        # turned off in Edit ▸ Preferences.
        window.pane_settings.follow_review_setting()
        if demo is not None:
            window.statusBar().showMessage(
                QCoreApplication.translate(
                    "MainWindow",
                    "Demo folder with live writer processes; it is removed when you quit.",
                ),
                15000,
            )
        window.show()
        return app.exec()
    finally:
        if demo is not None:
            demo.stop()


if __name__ == "__main__":
    sys.exit(main())
