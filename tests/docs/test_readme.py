"""The README stays true: its configuration table is the generated one, its links exist."""

import re
import subprocess
import sys
from pathlib import Path

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
