"""Use cases: a domain rule + storage + audit, called alike by web, API and CLI.

Services flush; the view, API handler or CLI command commits once.
"""
