"""The Alembic environment of both apps (their migrations/env.py call ``run``): Flask-Migrate's
single-database template, written once.

Changes from the template:

- logging is configured from alembic.ini without disabling the loggers that already exist, so
  running ``upgrade`` inside a live process (tests, the launcher) does not silence the apps' own
  loggers;
- each app keeps its revision in its own version table (``version_table`` of its ``Migrate``:
  ``idp_alembic_version``, ``vuce_alembic_version``), so both apps can share one database. A
  database migrated before that has Alembic's default ``alembic_version``: its row is adopted
  into the app's table on the next ``db upgrade`` (see ``adopt_default_version_table``).
"""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
from alembic import context
from alembic.script import ScriptDirectory
from flask import current_app

DEFAULT_VERSION_TABLE = "alembic_version"

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
        version_table=_version_table(),
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
    with _engine().begin() as connection:  # its own transaction, committed before migrating
        adopt_default_version_table(
            connection, _version_table(), ScriptDirectory.from_config(config)
        )
    with _engine().connect() as connection:
        context.configure(connection=connection, target_metadata=_metadata(), **conf_args)
        with context.begin_transaction():
            context.run_migrations()


def _version_table() -> str:
    return current_app.extensions["migrate"].configure_args.get(
        "version_table", DEFAULT_VERSION_TABLE
    )


def adopt_default_version_table(connection, version_table: str, script) -> list[str]:
    """Move this app's revisions from ``alembic_version`` into ``version_table``.

    Only revisions that belong to this app's migrations move (the other app's stay for its own
    upgrade), only when ``version_table`` does not exist yet, and ``alembic_version`` is dropped
    once empty. Runs in the caller's transaction: all or nothing. Returns what moved."""
    if version_table == DEFAULT_VERSION_TABLE:
        return []
    inspector = sa.inspect(connection)
    if inspector.has_table(version_table) or not inspector.has_table(DEFAULT_VERSION_TABLE):
        return []
    legacy = sa.table(DEFAULT_VERSION_TABLE, sa.column("version_num", sa.String(32)))
    rows = connection.execute(sa.select(legacy.c.version_num)).scalars().all()
    known = {rev.revision for rev in script.walk_revisions()}
    mine = [r for r in rows if r in known]
    if not mine:
        return []
    table = sa.Table(  # Alembic's own definition of a version table
        version_table,
        sa.MetaData(),
        sa.Column("version_num", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("version_num", name=f"{version_table}_pkc"),
    )
    table.create(connection)
    connection.execute(table.insert(), [{"version_num": r} for r in mine])
    connection.execute(sa.delete(legacy).where(legacy.c.version_num.in_(mine)))
    if len(mine) == len(rows):
        sa.Table(DEFAULT_VERSION_TABLE, sa.MetaData()).drop(connection)
    logger.info(
        "revision %s adopted from %s into %s", ", ".join(mine), DEFAULT_VERSION_TABLE, version_table
    )
    return mine


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
