"""The embedding child process:
``python -m apfa.providers.embedding_child READ WRITE BACKEND DEVICE CACHE_DIR``.

Started by ``ProcessEmbedder`` as a plain subprocess, not through ``multiprocessing``: a
``multiprocessing`` start refuses to run in a daemonic process, and Celery's default
(prefork) pool runs every job in one. The two inherited pipe ends carry
``multiprocessing.connection`` frames: the child answers ``("ready", dim)`` once its model
is loaded (or ``("error", text)``), then one reply per request ``(texts, batch_size)``:
``("ok", vectors)`` or ``("error", text)``. It exits when the parent closes its end,
which is also what happens when the parent dies.
"""

from __future__ import annotations

import sys
from multiprocessing.connection import Connection

from apfa.providers.embedding_backends import EmbedderSpec, load

READY, OK, ERROR = "ready", "ok", "error"


def serve(requests: Connection, replies: Connection, spec: EmbedderSpec) -> None:
    try:
        model = load(spec)
    except Exception as exc:
        replies.send((ERROR, f"{type(exc).__name__}: {exc}"))
        return
    replies.send((READY, model.dim))
    while True:
        try:
            texts, batch_size = requests.recv()
        except EOFError:  # the parent is gone
            return
        try:
            replies.send((OK, model.encode(texts, batch_size=batch_size)))
        except Exception as exc:
            replies.send((ERROR, f"{type(exc).__name__}: {exc}"))


def main(argv: list[str]) -> None:
    read_fd, write_fd, spec = int(argv[1]), int(argv[2]), EmbedderSpec.from_argv(argv[3:6])
    serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False), spec)


if __name__ == "__main__":
    main(sys.argv)
