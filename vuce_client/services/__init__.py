"""Use cases: a domain rule + storage + audit, called by the screens, the API and the CLI alike.

Services flush; the view, API handler or CLI command commits once (style.md, habit 5).
"""
