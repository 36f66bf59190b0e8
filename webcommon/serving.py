"""What a server's worker does with an app once it is built, before its first request."""

from __future__ import annotations

import gc

try:
    import pypyjit  # PyPy's own module: the interpreter serving is PyPy
except ImportError:
    pypyjit = None

# PyPy's JIT gives up on a trace longer than trace_limit (6,000 operations by default) and
# runs that code in its interpreter, which is slower than CPython's. A request through Flask,
# Authlib and Jinja makes traces far longer, so most of a login stayed interpreted: 9 ms of
# CPU per in-process login after 12,000 logins against CPython's 5.3 ms. With these limits
# it fell to 3.7-4.0 ms after ~6,000 logins (bench/README.md, issue 11, thirteenth session).
PYPY_JIT = "trace_limit=200000,function_threshold=200,threshold=300,loop_longevity=10000"


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
    if pypyjit is not None:  # PyPy's moving collector has no freeze, and needs none
        pypyjit.set_param(PYPY_JIT)
        return app
    gc.freeze()
    return app
