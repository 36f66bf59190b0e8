"""What a server's worker does with an app once it is built, before its first request."""

from __future__ import annotations

import gc


def settle(app):
    """Move everything built so far (modules, the app, its extensions and caches) out of
    the garbage collector's sight: ``gc.freeze()``.

    A worker's heap holds ~148,000 objects once the IdP is built. A full collection walks
    all of them (73-76 ms on the 2-core bench machine) while the worker's queued requests
    wait; CPython runs one within the first few thousand requests after a start, then each
    time the long-lived objects grow by a quarter (bench/gc_pauses.py). Frozen objects live
    as long as the process, as these do anyway; collections see only what requests leave.
    Tests build many short-lived apps and use ``create_app``.
    """
    gc.freeze()
    return app
