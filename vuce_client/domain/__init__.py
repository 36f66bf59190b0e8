"""VUCE's pure domain: identity (the only reader of claim names), entry checks, registration,
contingency rules, trámites and ubigeo.

Nothing here imports Flask, SQLAlchemy, redis, Authlib or requests (style.md, "Layout"): every rule
takes plain values, time included, and returns a decision or raises a domain error.
"""
