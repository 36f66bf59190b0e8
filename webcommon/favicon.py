"""``/favicon.ico``: browsers ask for it on every site whatever the page links, so each app
answers it from its own static folder instead of logging a 404 per visit."""

from flask import Flask, send_from_directory

MAX_AGE = 86400  # a day: the icon changes with a release, not during one


def register(app: Flask, static_folder: str) -> None:
    """Serve ``static_folder/favicon.ico`` at ``/favicon.ico``."""

    def favicon():
        return send_from_directory(
            static_folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=MAX_AGE
        )

    app.add_url_rule("/favicon.ico", "favicon", favicon)
