"""The one WSGI middleware in front of each app that every request passes: it gives the
request its id (see ``request_id``) and returns it in the response.

It runs before Flask (and before the IdP's public documents middleware), so discovery and
JWKS answers carry an id too; its work per request is a header read, a context variable and
one more response header.
"""

from . import request_id


class RequestObserver:
    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        rid = request_id.accept(environ.get(request_id.ENVIRON_KEY))
        environ[request_id.ENVIRON_KEY] = rid
        token = request_id.bind(rid)

        def start(status, headers, exc_info=None):
            headers.append((request_id.HEADER, rid))
            return start_response(status, headers, exc_info)

        try:
            return self.wsgi_app(environ, start)
        finally:
            request_id.unbind(token)
