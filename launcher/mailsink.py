"""A development SMTP sink with a small web inbox (aiosmtpd + Flask).

    sink = MailSink(port=1025, folder="instance/mail").start()   # SMTP on 127.0.0.1:1025
    inbox = sink.serve_inbox(port=1080)                          # http://127.0.0.1:1080/
    ...
    inbox.stop(); sink.stop()

Messages are kept in memory (and, with ``folder``, written there as ``.eml`` files). The inbox
lists them and shows each with its links clickable, so a person running the embedded default
can open a contingency link. Tests use the JSON API: ``GET /messages`` and ``DELETE /messages``.

Standalone: ``python -m launcher.mailsink [--smtp-port 1025] [--http-port 1080]``.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import itertools
import logging
import re
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from aiosmtpd.controller import Controller
from flask import Flask, abort, jsonify, render_template_string, request
from markupsafe import Markup, escape

from webcommon import logs

log = logging.getLogger("launcher.mailsink")

URL_RE = re.compile(r"https?://[^\s<>\"')\]]+")


@dataclass
class StoredMessage:
    """One received e-mail, as the inbox and the JSON API show it."""

    id: int
    mail_from: str
    to: list[str]
    subject: str
    body: str
    received_at: str
    message_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def links(self) -> list[str]:
        return URL_RE.findall(self.body)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["links"] = self.links
        return data


def _text_body(msg: email.message.EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        return part.get_content()
    except (LookupError, KeyError):  # unknown charset: show the raw bytes decoded leniently
        return (part.get_payload(decode=True) or b"").decode("utf-8", "replace")


class _Handler:
    def __init__(self, sink: MailSink) -> None:
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        self.sink._receive(envelope.mail_from, list(envelope.rcpt_tos), envelope.content)
        return "250 Message accepted for delivery"


class MailSink:
    """An SMTP server that keeps what it receives; thread-safe."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 1025, folder: str | Path | None = None
    ) -> None:
        self.host = host
        self.port = port
        self.folder = Path(folder) if folder else None
        self._lock = threading.Lock()
        self._messages: list[StoredMessage] = []
        self._ids = itertools.count(1)
        self._controller: Controller | None = None
        self._received = threading.Condition(self._lock)

    # -- SMTP --------------------------------------------------------------------------------
    def start(self) -> MailSink:
        """Listen for SMTP (returns once the server answers)."""
        if self._controller is None:
            self._controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, ready_timeout=10
            )
            self._controller.start()
            log.info("SMTP sink listening on %s:%s", self.host, self.port)
        return self

    def stop(self) -> None:
        """Stop listening; received messages are kept (a later ``start`` resumes)."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def _receive(self, mail_from: str, rcpt_tos: list[str], content: bytes) -> StoredMessage:
        msg = email.message_from_bytes(content, policy=email.policy.default)
        with self._lock:
            stored = StoredMessage(
                id=next(self._ids),
                mail_from=mail_from,
                to=rcpt_tos,
                subject=str(msg.get("Subject", "")),
                body=_text_body(msg),
                received_at=datetime.now(UTC).isoformat(timespec="milliseconds"),
                message_id=msg.get("Message-ID"),
                headers={k: str(v) for k, v in msg.items()},
            )
            self._messages.append(stored)
            self._received.notify_all()
        if self.folder is not None:
            self.folder.mkdir(parents=True, exist_ok=True)
            (self.folder / f"{stored.id:06d}.eml").write_bytes(content)
        log.info("correo %s para %s: %s", stored.id, ", ".join(rcpt_tos), stored.subject)
        return stored

    # -- reading -----------------------------------------------------------------------------
    def messages(self, to: str | None = None) -> list[StoredMessage]:
        """Every message (oldest first), optionally only those sent to ``to``."""
        with self._lock:
            items = list(self._messages)
        if to:
            items = [m for m in items if to.lower() in (t.lower() for t in m.to)]
        return items

    def get(self, message_id: int) -> StoredMessage | None:
        with self._lock:
            return next((m for m in self._messages if m.id == message_id), None)

    def clear(self) -> int:
        """Forget every message; returns how many there were."""
        with self._lock:
            count = len(self._messages)
            self._messages.clear()
            return count

    def wait_for(
        self, count: int = 1, *, to: str | None = None, timeout: float = 10.0
    ) -> list[StoredMessage]:
        """Block until at least ``count`` messages (to ``to``) arrived; returns them."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to)
            if len(found) >= count:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"expected {count} message(s), got {len(found)}")
            with self._received:
                self._received.wait(min(left, 0.2))

    # -- web inbox ---------------------------------------------------------------------------
    def inbox_app(self) -> Flask:
        """The inbox as a WSGI app (mount it or serve it with ``serve_inbox``)."""
        return create_inbox_app(self)

    def serve_inbox(self, host: str = "127.0.0.1", port: int = 1080) -> InboxServer:
        """Serve the inbox on a thread; returns a handle with ``url`` and ``stop()``."""
        return InboxServer(self.inbox_app(), host, port).start()


class InboxServer:
    """A threaded werkzeug server for the inbox."""

    def __init__(self, app, host: str, port: int) -> None:
        from werkzeug.serving import make_server

        self._server = make_server(host, port, app, threaded=True)
        self.url = f"http://{host}:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="mailsink-inbox"
        )

    def start(self) -> InboxServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._thread.join(timeout=5)


_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<title>{{ title }} — Buzón de desarrollo</title>
<style>
 body{font-family:system-ui,sans-serif;margin:0;background:#f4f6f8;color:#222}
 header{background:#8a1538;color:#fff;padding:.8rem 1.2rem}
 main{max-width:960px;margin:1rem auto;background:#fff;padding:1rem 1.5rem;border-radius:6px}
 table{width:100%;border-collapse:collapse} td,th{padding:.4rem;border-bottom:1px solid #ddd;
 text-align:left} pre{white-space:pre-wrap;background:#fafafa;padding:1rem;border:1px solid #eee;
 overflow-wrap:anywhere} a{overflow-wrap:anywhere}
 .muted{color:#666} form{display:inline}
</style></head><body>
<header><strong>Buzón de desarrollo</strong> — correos recibidos por el servidor SMTP de prueba
({{ smtp }})</header><main>{{ content }}</main></body></html>"""

_LIST = """<h1>Correos recibidos ({{ messages|length }})</h1>
{% if messages %}
<form method="post" action="{{ url_for('clear_form') }}"><button>Vaciar buzón</button></form>
<table><tr><th>#</th><th>Para</th><th>Asunto</th><th>Recibido</th></tr>
{% for m in messages|reverse %}<tr><td>{{ m.id }}</td><td>{{ m.to|join(', ') }}</td>
<td><a href="{{ url_for('show', message_id=m.id) }}">{{ m.subject or '(sin asunto)' }}</a></td>
<td class="muted">{{ m.received_at }}</td></tr>{% endfor %}</table>
{% else %}<p class="muted">No hay correos todavía.</p>{% endif %}"""

_SHOW = """<p><a href="{{ url_for('index') }}">← Volver al buzón</a></p>
<h1>{{ m.subject or '(sin asunto)' }}</h1>
<p><strong>De:</strong> {{ m.mail_from }}<br><strong>Para:</strong> {{ m.to|join(', ') }}<br>
<strong>Recibido:</strong> {{ m.received_at }}</p>
<pre>{{ body }}</pre>"""


def _linkify(text: str) -> Markup:
    """Escape the body, then turn its URLs into anchors."""
    out, last = [], 0
    for match in URL_RE.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(Markup(f'<a href="{url}">{url}</a>'))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


def create_inbox_app(sink: MailSink) -> Flask:
    """The inbox pages and the JSON API over ``sink``."""
    app = Flask("launcher.mailsink")
    smtp = f"{sink.host}:{sink.port}"

    def page(title, template, **ctx):
        content = Markup(render_template_string(template, **ctx))
        return render_template_string(_PAGE, title=title, content=content, smtp=smtp)

    @app.get("/")
    def index():
        return page("Correos", _LIST, messages=sink.messages())

    @app.get("/messages/<int:message_id>/view")
    def show(message_id):
        m = sink.get(message_id) or abort(404)
        return page(m.subject, _SHOW, m=m, body=_linkify(m.body))

    @app.post("/clear")
    def clear_form():
        sink.clear()
        return page("Correos", _LIST, messages=[])

    @app.get("/messages")
    def list_json():
        return jsonify([m.to_dict() for m in sink.messages(request.args.get("to"))])

    @app.get("/messages/<int:message_id>")
    def one_json(message_id):
        m = sink.get(message_id) or abort(404)
        return jsonify(m.to_dict())

    @app.delete("/messages")
    def clear_json():
        return jsonify(deleted=sink.clear())

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok", smtp=smtp, running=sink.running)

    return app


def main(argv=None) -> None:
    """Run the sink and its inbox until Ctrl-C."""
    parser = argparse.ArgumentParser(description="Servidor SMTP de desarrollo con buzón web")
    parser.add_argument("--host", default="127.0.0.1", help="interfaz de escucha")
    parser.add_argument("--smtp-port", type=int, default=1025, help="puerto SMTP")
    parser.add_argument("--http-port", type=int, default=1080, help="puerto del buzón web")
    parser.add_argument("--folder", default=None, help="también guardar cada correo como .eml")
    args = parser.parse_args(argv)
    logs.configure()
    # aiosmtpd logs every connection (the launcher's readiness probe too) and each SMTP verb,
    # werkzeug every inbox request: warnings and errors only; each stored mail gets one line.
    for name in ("mail.log", "werkzeug"):
        logging.getLogger(name).setLevel(logging.WARNING)
    sink = MailSink(args.host, args.smtp_port, args.folder).start()
    inbox = sink.serve_inbox(args.host, args.http_port)
    print(f"SMTP {args.host}:{args.smtp_port} — buzón {inbox.url}/", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        inbox.stop()
        sink.stop()


if __name__ == "__main__":
    main()
