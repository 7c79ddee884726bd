"""Index versions from build to service.

``store`` writes and verifies immutable versions on disk (``types``: flat, IVF, HNSW);
``versions`` builds, activates and loads them and tells every process; ``holder`` is the
version a process serves (and those kept beside it); ``preload`` loads a finished build
before its activation and ``staging`` reports which processes hold it, so the hot swap
after a build is a pointer switch everywhere; ``sync`` keeps a process on the active
version (Redis messages, and a database poll as the safety net).
"""
