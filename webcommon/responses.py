"""The response class of both apps: a body already in memory leaves as one bytes object.

Werkzeug hands the server every body as a ``ClosingIterator``, even a buffered one. granian
then iterates it from Rust, chunk by chunk, holding the GIL; a list it sends in one call
(``response_bytes``). Under the login benchmark the iteration held 7 % of the workers' GIL
samples and the single call now holds 5 points more than before: ~2 % saved, 4 % of a
login's server CPU in a paired A/B (bench/README.md, issue 11, sixth session). Streamed
bodies (``send_file``, a generator) are left alone.
"""

from flask import Response


class BufferedResponse(Response):
    def get_app_iter(self, environ):
        app_iter = super().get_app_iter(environ)
        if self.direct_passthrough or not self.is_sequence:
            return app_iter
        try:
            return [b"".join(app_iter)]
        finally:
            app_iter.close()  # runs the response's on-close callbacks, as the server would


def install(app) -> None:
    app.response_class = BufferedResponse
