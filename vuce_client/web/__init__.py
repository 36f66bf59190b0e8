"""VUCE's views, one module per feature; only ``vuce_client/__init__.py`` wires them in.

- ``core``: the ``/login`` chooser, health, the ubigeo endpoints (blueprint ``vuce_core``)
- ``registration``: first-login registration and "Modificación de Datos" (on ``vuce_core``)
- ``login`` and ``logout``: each component's SOL login round trip and logouts (``VuceAuth``)
- ``components``: each component's pages (trámites, buzón)
- ``contingency``: the contingency forms, the link, the operator page and its API
- ``api``: the account import API; ``errors`` and ``security``: error pages, CSRF, headers
"""
