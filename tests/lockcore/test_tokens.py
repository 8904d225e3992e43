"""Random names drawn a block at a time: never the same twice, in threads or after fork."""

from __future__ import annotations

import os
import threading

from lockcore import _tokens


def test_tokens_are_hex_of_the_length_asked_and_never_repeat() -> None:
    tokens = [_tokens.token_hex(6) for _ in range(5000)]  # ten blocks' worth
    assert all(len(token) == 12 and int(token, 16) >= 0 for token in tokens)
    assert len(set(tokens)) == len(tokens)
    assert len(_tokens.token_hex(16)) == 32  # longer than a slot: drawn on its own


def test_threads_drawing_at_once_never_get_the_same_token() -> None:
    drawn: list[list[str]] = [[] for _ in range(8)]
    start = threading.Barrier(len(drawn))

    def draw(into: list[str]) -> None:
        start.wait()
        into.extend(_tokens.token_hex(8) for _ in range(3000))

    threads = [threading.Thread(target=draw, args=(into,)) for into in drawn]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    every = [token for tokens in drawn for token in tokens]
    assert len(set(every)) == len(every)


def test_a_forked_child_does_not_draw_its_parents_next_tokens() -> None:
    _tokens.token_hex(8)  # a block is in use, with most of it left
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.close(reader)
        os.write(writer, " ".join(_tokens.token_hex(8) for _ in range(20)).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        childs = set(pipe.read().split())
    os.waitpid(pid, 0)
    parents = {_tokens.token_hex(8) for _ in range(20)}
    assert len(childs) == 20
    assert not childs & parents
