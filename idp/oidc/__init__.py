"""Authlib glue: grants, keys and rotation, userinfo, discovery, logout."""
