"""The Alembic environment of both apps (their migrations/env.py call ``run``): Flask-Migrate's
single-database template, written once.

One change from the template: logging is configured from alembic.ini without disabling the
loggers that already exist, so running ``upgrade`` inside a live process (tests, the launcher)
does not silence the apps' own loggers.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

logger = logging.getLogger("alembic.env")


def _engine():
    return current_app.extensions["migrate"].db.engine


def _metadata():
    target_db = current_app.extensions["migrate"].db
    if hasattr(target_db, "metadatas"):
        return target_db.metadatas[None]
    return target_db.metadata


def _offline(config) -> None:
    """Emit SQL for the script output instead of running it (``--sql``)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=_metadata(),
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _online(config) -> None:
    def process_revision_directives(ctx, revision, directives):
        # No empty revision when autogenerate finds no change.
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = current_app.extensions["migrate"].configure_args
    if conf_args.get("process_revision_directives") is None:
        conf_args["process_revision_directives"] = process_revision_directives
    with _engine().connect() as connection:
        context.configure(connection=connection, target_metadata=_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


def run() -> None:
    config = context.config
    if config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    url = _engine().url.render_as_string(hide_password=False).replace("%", "%%")
    config.set_main_option("sqlalchemy.url", url)
    if context.is_offline_mode():
        _offline(config)
    else:
        _online(config)
