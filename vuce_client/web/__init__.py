"""VUCE's blueprints: core (login chooser, registration, Modificación de Datos, ubigeo),
one auth blueprint per component (``vuce_client.auth``), the components' pages, the API."""
