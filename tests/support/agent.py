"""A scripted user agent over ``requests``: follows redirects, fills and posts forms."""

from html.parser import HTMLParser
from urllib.parse import urljoin

import requests


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get"), "fields": {}}
            )
        elif tag in ("input", "button") and self.forms and a.get("name"):
            if a.get("type") in ("submit",) or tag == "button":
                return
            if a.get("type") == "checkbox" and "checked" not in a:
                return
            self.forms[-1]["fields"][a["name"]] = a.get("value", "")


def forms(html: str) -> list[dict]:
    """Every form of a page with its action, method and current field values."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


class Agent:
    """One browser: a cookie jar that stops before leaving for ``stop_prefix``."""

    def __init__(self):
        self.http = requests.Session()
        self.last = None

    def get(self, url, stop_prefix=None, **kw):
        return self._follow(
            self.http.get(url, allow_redirects=False, timeout=30, **kw), stop_prefix
        )

    def submit(self, response, data=None, form_index=0, stop_prefix=None, button=None):
        """Post the page's form with the given fields changed (hidden ones kept)."""
        form = forms(response.text)[form_index]
        fields = dict(form["fields"], **(data or {}))
        if button:
            fields.update(button)
        url = urljoin(response.url, form["action"] or response.url)
        if form["method"].lower() == "post":
            resp = self.http.post(url, data=fields, allow_redirects=False, timeout=30)
        else:
            resp = self.http.get(url, params=fields, allow_redirects=False, timeout=30)
        return self._follow(resp, stop_prefix)

    def _follow(self, resp, stop_prefix):
        for _ in range(20):
            if resp.status_code not in (301, 302, 303, 307) or "Location" not in resp.headers:
                break
            target = urljoin(resp.url, resp.headers["Location"])
            if stop_prefix and target.startswith(stop_prefix):
                self.last = resp
                return Redirected(target, resp)
            resp = self.http.get(target, allow_redirects=False, timeout=30)
        self.last = resp
        return resp


class Redirected:
    """The agent stopped at a redirect to the client (``location`` holds the callback)."""

    def __init__(self, location, response):
        self.location = location
        self.response = response
        self.status_code = response.status_code
        self.text = ""
        self.url = location
