"""Pure rules of SOL: no Flask, SQLAlchemy, Redis or Authlib here (tests/test_layers.py).

Modules: ``accounts`` (field syntax, state machine, limits), ``profiles`` (catalogue and timing),
``roles`` (VUCE role catalogue), ``claims`` (the one producer of token claims), ``lockout``,
``audit`` (action codes), ``errors`` (one exception per rule) and ``messages`` (Spanish texts).
Import the modules themselves, e.g. ``from idp.domain import claims``.
"""
