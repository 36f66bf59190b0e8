"""Web plumbing both Flask apps use alike (headers, input guards, local redirects).

Protocol-neutral: the IdP and VUCE still share nothing but OIDC; this is infrastructure,
like ``kvstore``.
"""
