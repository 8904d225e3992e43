"""Keep Ctrl+C, and any signal handler that raises, out of lockcore's critical steps.

Python runs signal handlers in the main thread, between two bytecodes, wherever that thread is:
a ``KeyboardInterrupt`` can strike after ``os.open`` has created a lock file but before its
descriptor is stored, or at the first line of ``FileLock.__exit__``. Each such point leaves the
in-process state and the lock file disagreeing: a leaked kernel lock, an empty lock file, a
lock recorded as held that is not, a slot that no thread can take again.

So, while the main thread holds or takes a lock, lockcore puts a dispatcher in front of every
Python signal handler it finds. A signal that arrives while the main thread runs inside a
*protected* lockcore function (taking or giving back a lock, replacing a data file) is held back,
and its handler runs when the outermost protected function returns — a few microseconds later.
A signal that arrives anywhere else, including while lockcore *waits* (functions marked
*interruptible*), runs its handler at once, as it always did. This is the technique trio uses to
protect its own critical sections from ``KeyboardInterrupt``: judge by the interrupted frame.

Other threads never run signal handlers, so they need no protection. Exceptions injected into
a thread by other means (``PyThreadState_SetAsyncExc``) are not covered.
"""

from __future__ import annotations

import dis
import functools
import operator
import os
import signal
import sys
import threading
from collections.abc import Callable, Generator
from types import CodeType, FrameType, TracebackType
from typing import Any, Generic, ParamSpec, TypeVar

# The C functions under ``signal``'s: its wrappers convert every handler to and from an enum,
# which made swapping the dispatcher in and out 29 µs of every lock taken and given back (2 µs
# without) -- on the path between a holder's release and the next holder.
_raw_signal: Any = sys.modules.get("_signal", signal)

_Function = TypeVar("_Function", bound=Callable[..., Any])
_Yielded = TypeVar("_Yielded")
_Params = ParamSpec("_Params")
_Handler = Callable[[int, FrameType | None], Any]

#: The signals whose Python handlers are deferred; each is checked only if the platform has it.
_SIGNAL_NAMES = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGALRM", "SIGUSR1", "SIGUSR2")
_WATCHED: tuple[int, ...] = tuple(
    getattr(signal, name) for name in _SIGNAL_NAMES if hasattr(signal, name)
)

_protected_code: set[CodeType] = set()
_interruptible_code: set[CodeType] = set()
#: signal number -> the handler that was in place when the dispatcher took over
_originals: dict[int, _Handler] = {}
#: signals held back while the main thread was inside a protected function
_pending: list[tuple[int, FrameType | None]] = []
_installed = False
#: How many locks the main thread holds (kept by ``_lock``): the dispatcher stays in place
#: while it holds any, so that even the first instruction of ``__exit__`` is covered.
main_thread_holds = 0


def protected(function: _Function) -> _Function:
    """Mark ``function`` (and whatever it calls) as a critical step: signals wait for its end."""
    _protected_code.add(function.__code__)
    return function


def critical(function: _Function) -> _Function:
    """Run ``function`` as a critical step from any caller: protected, signals delivered after.

    For the helpers that own a descriptor for a moment (reading the data file, syncing its
    directory): a signal between ``os.open`` and ``try`` would leak the descriptor.
    """

    def run_critical(*args: Any, **kwargs: Any) -> Any:
        # Already in place (a lock is held: the usual case): no call to find that out.
        installed_here = not _installed and install()
        try:
            return function(*args, **kwargs)
        finally:
            if installed_here and main_thread_holds == 0:
                uninstall()
            deliver_pending()

    _protected_code.add(run_critical.__code__)
    return functools.wraps(function)(run_critical)  # type: ignore[return-value]


class ProtectedContext(Generic[_Yielded]):
    """``contextlib.contextmanager``'s object, with entry and exit as critical steps.

    With contextlib's own, a signal at the first line of its ``__exit__`` leaves the generator
    suspended where it yielded — inside its ``with FileLock`` — and the lock held until the
    generator is collected; one right after its ``__enter__`` returns does the same.
    """

    __slots__ = ("_generator",)

    def __init__(self, generator: Generator[_Yielded, None, None]) -> None:
        self._generator = generator

    def __enter__(self) -> _Yielded:
        try:
            value = next(self._generator)
        except StopIteration:
            raise RuntimeError("generator didn't yield") from None
        except BaseException:
            # The entry failed (LockTimeout, LockCancelled, ...): nothing is held, and a signal
            # held back meanwhile runs now -- not at some later lock of the program, or never.
            deliver_pending()
            raise
        try:
            deliver_pending()
        except BaseException:
            self._generator.close()  # the block will not run: undo what the entry did
            raise
        return value

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool:
        try:
            if exc is None:
                try:
                    next(self._generator)
                except StopIteration:
                    return False
                raise RuntimeError("generator didn't stop")
            try:
                self._generator.throw(exc)
            except StopIteration as stopped:
                return stopped is not exc
            except BaseException as raised:
                if raised is exc:
                    return False
                raise
            raise RuntimeError("generator didn't stop after throw()")
        finally:
            deliver_pending()


_protected_code.add(ProtectedContext.__enter__.__code__)
_protected_code.add(ProtectedContext.__exit__.__code__)


def protected_contextmanager(
    function: Callable[_Params, Generator[_Yielded, None, None]],
) -> Callable[_Params, ProtectedContext[_Yielded]]:
    """``contextlib.contextmanager`` whose entry and exit no signal can cut short."""

    @functools.wraps(function)
    def make(*args: _Params.args, **kwargs: _Params.kwargs) -> ProtectedContext[_Yielded]:
        return ProtectedContext(function(*args, **kwargs))

    return make


def interruptible(function: _Function) -> _Function:
    """Mark ``function`` (a wait) as safe to interrupt even when called from a critical step."""
    _interruptible_code.add(function.__code__)
    return function


def _in_critical_step(frame: FrameType | None) -> bool:
    while frame is not None:
        code = frame.f_code
        if code in _protected_code:
            if frame.f_lasti not in _delivery_offsets(code):
                return True
            # Back from its final deliver_pending(): its steps are done, and nothing after
            # that call would deliver a signal held back now. An outer one may still.
        elif code in _interruptible_code:
            return False
        frame = frame.f_back
    return False


_delivery_offsets_memory: dict[CodeType, frozenset[int]] = {}


def _delivery_offsets(code: CodeType) -> frozenset[int]:
    """Offsets of the instructions that call ``deliver_pending`` in ``code``, from the load of
    the name to the one after the call: where a signal is checked after the held-back ones ran
    (CPython checks as the call returns; a tracer sees the next instruction)."""
    offsets = _delivery_offsets_memory.get(code)
    if offsets is None:
        found: set[int] = set()
        calling = returned = False
        for instruction in dis.get_instructions(code):
            if returned:  # the instruction after the call (dropping its None) counts too
                found.add(instruction.offset)
                returned = False
            if instruction.argval == deliver_pending.__name__:
                calling = True
            if calling:
                found.add(instruction.offset)
                if instruction.opname.startswith("CALL"):
                    calling = False
                    returned = True
        offsets = _delivery_offsets_memory[code] = frozenset(found)
    return offsets


def _dispatch(signum: int, frame: FrameType | None) -> None:
    if _in_critical_step(frame):
        _pending.append((signum, frame))
        return
    _run_original(signum, frame)


def _run_original(signum: int, frame: FrameType | None) -> None:
    handler = _originals.get(signum)
    if callable(handler):
        handler(signum, frame)


#: The main thread's ident (the forking thread's in a forked child, which is its main thread):
#: asked on every lock taken and given back, where ``threading.current_thread() is
#: threading.main_thread()`` made three Python calls each time (issue 9 §6). Compared with
#: ``threading.get_ident()`` where it is asked (``_lock``), not through a function: a call
#: more on each of them. Read it through the module: a forked child rebinds it.
main_thread_ident: int | None = threading.main_thread().ident


def _on_main_thread() -> bool:
    return threading.get_ident() == main_thread_ident


#: install()'s last look at the handlers, as one tuple (replaced whole, never half-updated by
#: an interrupted install): the handler of each signal of ``_WATCHED``, and the positions of
#: those that run Python code. Programs rarely change their handlers, so each lock taken looks
#: them all up in one C call and compares identities, instead of judging seven handlers one by
#: one in Python and again at the release (~250 bytecodes of every lock; issue 9 §6).
_plan: tuple[tuple[Any, ...], tuple[int, ...]] = (tuple(object() for _ in _WATCHED), ())
_getsignal = _raw_signal.getsignal


def install() -> bool:
    """Put the dispatcher in front of the main thread's Python signal handlers.

    Returns True when this call put it there (and its caller takes it away again, with
    :func:`uninstall`, once the main thread holds no lock); False when it was already there.
    Call it first thing in a protected function, before changing any state: a signal that
    arrives before it is in place only interrupts a step that has not begun.
    """
    global _installed, _plan  # noqa: PLW0603 - one dispatcher per process
    if _installed or threading.get_ident() != main_thread_ident:
        return False
    handlers = tuple(map(_getsignal, _WATCHED))
    seen, python_handled = _plan
    if not all(map(operator.is_, handlers, seen)):
        # The default action and "ignored" run no Python code: nothing to hold back.
        python_handled = tuple(i for i, handler in enumerate(handlers) if callable(handler))
        _plan = (handlers, python_handled)
    for index in python_handled:
        handler = handlers[index]
        if handler is not _dispatch:  # not already ours
            signum = _WATCHED[index]
            _originals[signum] = handler
            _raw_signal.signal(signum, _dispatch)
    # Only now: a signal that struck before the last swap ran its own handler and left this
    # False, so that the next call finishes the job instead of believing it done.
    _installed = True
    return True


def uninstall() -> None:
    """Give every signal its own handler back (the main thread holds no lock any more).

    A program that checks ``signal.getsignal`` (asyncio does, for SIGINT) sees its handlers
    unchanged whenever no lock is held. A handler replaced meanwhile is left alone.
    """
    global _installed  # noqa: PLW0603 - one dispatcher per process
    if not _installed or threading.get_ident() != main_thread_ident:
        return
    _installed = False
    # The signals the completed install() found handled in Python: every one it put the
    # dispatcher in front of (or found it in front of already).
    for index in _plan[1]:
        signum = _WATCHED[index]
        original = _originals.get(signum)
        if original is not None and _getsignal(signum) is _dispatch:
            _raw_signal.signal(signum, original)


def keep_installed() -> bool:
    """Put the dispatcher in place and keep it there, as a held lock does, until
    :func:`stop_keeping`; returns whether it is kept (only the main thread's can be).

    For a durable update, whose directory sync follows the release: without it the dispatcher
    was taken away at the release and put back for the sync, two more ``rt_sigaction`` calls
    (and their Python) on every durable update (issue 9 §6).
    """
    global main_thread_holds  # noqa: PLW0603 - counted with the locks the main thread holds
    if not _on_main_thread():
        return False
    install()
    main_thread_holds += 1
    return True


def stop_keeping(kept: bool) -> None:
    """End a :func:`keep_installed`; the dispatcher goes once the main thread holds no lock."""
    global main_thread_holds  # noqa: PLW0603 - see keep_installed
    if not kept:
        return
    # A child forked meanwhile counts from 0 (it holds nothing): never below.
    main_thread_holds = max(0, main_thread_holds - 1)
    if main_thread_holds == 0:
        uninstall()


def deliver_pending() -> None:
    """Run the handlers held back, unless an outer protected function is still running.

    Call it from a ``finally`` at the end of every protected function, as its last call; the
    handler's exception (KeyboardInterrupt) then propagates from a point where every step is
    complete. A signal that arrives during or right after this call runs its handler at once
    -- unless an outer protected function is still running, exactly as when this call checks:
    a call from a protected function nested in another (``open_lock`` inside ``acquire``) must
    hold back a signal that strikes while it runs, or the KeyboardInterrupt would leave the
    outer function's steps half done and lose what the inner one returned (a descriptor).
    So this function is neither protected nor interruptible: its caller, which is at a
    delivery offset, is skipped too, and the frames beyond decide.
    """
    if not _pending or _in_critical_step(sys._getframe(2)):
        return
    held_back = list(_pending)
    _pending.clear()
    for signum, frame in held_back:
        _run_original(signum, frame)


def _reset_in_child() -> None:
    # The child inherits the parent's handlers (and our dispatcher) but none of its critical
    # steps are running in it any more, and it holds no lock. Its only thread, the one that
    # forked, is its main thread (threading says so too).
    global main_thread_holds, main_thread_ident  # noqa: PLW0603 - see above
    main_thread_holds = 0
    main_thread_ident = threading.get_ident()
    _pending.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_in_child)
