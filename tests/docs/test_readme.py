"""The README stays true: its configuration table is the generated one, its links exist."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_config_table_matches_the_settings_tables():
    done = subprocess.run(
        [sys.executable, "scripts/config_table.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr


def test_config_table_lists_every_setting():
    sys.path.insert(0, str(ROOT))
    from idp.config import SETTINGS as IDP
    from vuce_client.config import SETTINGS as VUCE

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for s in (*IDP, *VUCE):
        assert f"| `{s.env}` |" in readme


def test_readme_states_the_two_commands_and_links_resolve():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme and "make test" in readme
    for target in re.findall(r"\]\(((?:docs|tests|scripts)/[^)#]+)\)", readme):
        assert (ROOT / target).exists(), target


# Reads of the process environment in the code: os.environ / os.getenv / environ / the launcher's
# env dict, by .get(...), [...] or getenv(...). f-strings ({comp}) become a name pattern.
ENV_READ = re.compile(
    r"""(?:\benviron|\benv|\bgetenv)\s*(?:\.get\(|\[|\()\s*(f?)["']([A-Z][A-Z0-9_{}a-z.]*)["']"""
)
WSGI_KEYS = {
    "SERVER_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "CONTENT_TYPE",
    "REMOTE_ADDR",
}
CODE_DIRS = ("idp", "vuce_client", "webcommon", "launcher", "kvstore", "peru_ids", "scripts")


def _env_reads() -> dict[str, str]:
    """{variable or pattern: first file that reads it} over the shipped code."""
    found: dict[str, str] = {}
    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for fstring, name in ENV_READ.findall(path.read_text(encoding="utf-8")):
                if name in WSGI_KEYS or name.startswith("HTTP_"):
                    continue  # a WSGI environ, not the process environment
                key = re.sub(r"\{[^}]*\}", r"[A-Z0-9_]+", name) if fstring else name
                found.setdefault(key, str(path.relative_to(ROOT)))
    return found


def test_every_environment_variable_the_code_reads_is_in_the_table():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]*)` \|", readme, re.M))
    reads = _env_reads()
    assert "IDP_SIM_TIMEOUT_SECONDS" in documented
    assert len(reads) >= 10, reads  # the scan sees the launcher's reads at least
    missing = {
        name: where
        for name, where in reads.items()
        if not any(re.fullmatch(name, var) for var in documented)
    }
    assert not missing, f"read by the code but not in README's table: {missing}"


def test_the_scan_finds_reads_in_every_form():
    sample = (
        'os.environ.get("A_ONE") os.environ["A_TWO"] os.getenv("A_THREE") '
        'env.get(f"A_{comp}_X") environ.get("PATH_INFO")'
    )
    names = [name for _, name in ENV_READ.findall(sample)]
    assert names == ["A_ONE", "A_TWO", "A_THREE", "A_{comp}_X", "PATH_INFO"]


def test_config_table_script_has_a_help():
    done = subprocess.run(
        [sys.executable, "scripts/config_table.py", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0
    assert done.stdout.startswith("usage: scripts/config_table.py")
    assert "--write" in done.stdout and "--check" in done.stdout
    assert "| variable |" not in done.stdout  # the help, not the table


def test_readme_and_clients_add_help_say_how_sol_admin_is_granted(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert '--scope "openid profile email sol offline_access sol:admin"' in readme
    done = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "idp", "clients", "add", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "IDP_INSTANCE_PATH": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    flat = " ".join(done.stdout.split())
    assert "sol:admin" in flat and "--scope" in flat and "403" in flat


def _readme_env_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"cat > \.env <<'EOF'\n(.*?)\nEOF\n", readme, re.S)
    assert found, "README lost its .env example"
    return found.group(1) + "\n"


def test_readme_env_example_is_one_variable_per_line_with_all_compose_requires():
    from tests.deploy.test_compose import required_vars

    lines = [line for line in _readme_env_example().splitlines() if line.strip()]
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*=\S+", line) for line in lines), lines
    names = [line.split("=", 1)[0] for line in lines]
    assert len(names) == len(set(names))
    assert "RECAPTCHA_SITE_KEY" in names
    assert required_vars() <= set(names), required_vars() - set(names)


@pytest.mark.skipif(
    not shutil.which("docker-compose"),
    reason="docker-compose not installed (apt-get install -y docker-compose)",
)
def test_docker_compose_config_accepts_the_readme_env_example(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(_readme_env_example(), encoding="utf-8")
    done = subprocess.run(
        [
            shutil.which("docker-compose"),
            "-f",
            str(ROOT / "docker-compose.yml"),
            "--env-file",
            str(env_file),
            "config",
        ],
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    rendered = yaml.safe_load(done.stdout)
    vuce = rendered["services"]["vuce"]["environment"]
    assert vuce["RECAPTCHA_SITE_KEY"] == "your-recaptcha-v2-site-key"
    assert vuce["VUCE_BASE_URL"] == "https://vuce.example.pe"


def test_readme_says_how_to_run_the_projects_commands():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ".venv/bin/flask" in readme and ". .venv/bin/activate" in readme
    assert "apt-get install -y chromium" in readme.split("## The demo")[0]  # in "Two commands"
    assert "The instance folder" in readme and "IDP_INSTANCE_PATH" in readme
