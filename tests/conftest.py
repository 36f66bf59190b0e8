"""Shared fixtures: a live IdP over SQLite/in-process store, or PostgreSQL/Redis when
TEST_DATABASE_URL / TEST_REDIS_URL are set (see .ci/run)."""

import os
import shutil
import tempfile
import threading

import pytest
from hypothesis import settings as hypothesis_settings

from idp.testing import start_idp
from tests.support.databases import flush_store, fresh_database_url, redis_url, truncate_all

CHROMIUM = "/usr/bin/chromium"
NO_CHROMIUM = (
    "chromium not found: apt-get install -y chromium (or CHROMIUM=/path/to/chrome, or "
    ".venv/bin/playwright install chromium)"
)


def find_chromium() -> str | None:
    """$CHROMIUM, Debian's chromium, one on PATH, or the one Playwright downloaded
    (CHROMIUM=none: run without the browser tests)."""
    import glob

    if os.environ.get("CHROMIUM") == "none":
        return None
    for candidate in (os.environ.get("CHROMIUM"), CHROMIUM):
        if candidate and os.path.exists(candidate):
            return candidate
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("CHROMIUM"):
        return None  # named but absent: say so rather than pick another one
    cache = os.path.expanduser("~/.cache/ms-playwright/chromium-*/chrome-linux*/chrome")
    found = sorted(glob.glob(cache))
    return found[-1] if found else None


def pytest_collection_modifyitems(config, items):
    """Without a chromium the browser tests are left out, and the summary says so once."""
    if find_chromium() is not None:
        return
    browser = [
        item
        for item in items
        if item.get_closest_marker("browser")
        or "chromium_path" in getattr(item, "fixturenames", ())
    ]
    if browser:
        config.hook.pytest_deselected(items=browser)
        items[:] = [item for item in items if item not in set(browser)]
        config._vuce_sol_no_browser = len(browser)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    left_out = getattr(config, "_vuce_sol_no_browser", 0)
    if left_out:
        terminalreporter.write_line(f"{left_out} browser tests not run: {NO_CHROMIUM}")


# Property tests draw the same examples on every run by default, so a CI result is
# reproducible; HYPOTHESIS_PROFILE=explore draws fresh random ones (run it to hunt for bugs,
# then pin what it finds with @example).
hypothesis_settings.register_profile("default", derandomize=True)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config):
    """Each run gets a temp folder of its own. pytest's default (/tmp/pytest-of-USER/pytest-N)
    deletes all but the three newest runs' folders when a run starts, so a second run on the
    same machine (a developer's while CI runs, a helper's) removed this run's SQLite files
    under its live servers: the shared IdP then answered 500 and VUCE said "SUNAT no
    responde" in tests that had nothing to do with it."""
    if config.option.basetemp is None and not hasattr(config, "workerinput"):
        config.option.basetemp = tempfile.mkdtemp(prefix="vuce-sol-tests-")
        config._vuce_sol_basetemp = config.option.basetemp


def pytest_unconfigure(config):
    own = getattr(config, "_vuce_sol_basetemp", None)
    if own and not os.environ.get("KEEP_TEST_TMP"):
        shutil.rmtree(own, ignore_errors=True)


@pytest.fixture(autouse=True)
def _stop_probes_started_by_the_test():
    """A VUCE app built inside a test starts its IdP probe thread (auto contingency); stop it
    with the test, or every such app keeps probing the shared IdP for the rest of the run.
    Session-wide apps are set up before this fixture, so their probes are left running."""
    before = set(threading.enumerate())
    yield
    for thread in threading.enumerate():
        if thread.name == "vuce-idp-probe" and thread not in before:
            thread.stop()


@pytest.fixture(scope="session")
def idp_session(tmp_path_factory):
    """One live IdP per test session (per xdist worker)."""
    tmp = tmp_path_factory.mktemp("idp")
    handle = start_idp(
        str(tmp),
        database_url=fresh_database_url("idp", tmp),
        redis_url=redis_url(0),
        SECRET_KEY="test-secret-key-idp-0123456789",
        BACKCHANNEL_TIMEOUT=2.0,
        RECAPTCHA_BACKEND="test",  # the login captcha after failures: token PASSED
    )
    yield handle
    handle.stop()


@pytest.fixture
def idp(idp_session):
    """The live IdP, emptied before each test (tables, store, key cache)."""
    from idp.storage import db

    with idp_session.app.app_context():
        truncate_all(db)
        # New keys now, before any request of the test (not lazily inside one).
        idp_session.app.extensions["sol_keyring"].ensure_committed()
    flush_store(idp_session.store)
    idp_session.app.extensions.pop("sol_client_snapshots", None)  # clients.cached()
    from idp.services import outage

    outage.cache.put(idp_session.store, outage.NORMAL)  # the ≤1 s per-process copy too
    idp_session.app.extensions[
        "sol_limiter"
    ].reset() if "sol_limiter" in idp_session.app.extensions else None
    return idp_session


@pytest.fixture(scope="session")
def chromium_path():
    """A chromium to drive (see find_chromium), or skip with instructions."""
    path = find_chromium()
    if path is None:
        pytest.skip(NO_CHROMIUM)
    return path
