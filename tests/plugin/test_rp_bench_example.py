"""``examples/rp_bench_test.py`` as a relying-party team runs it: copied into an empty folder,
pytest in a subprocess with only the installed ``sol_idp`` plugin. Its stand-in relying party
passes all 16 faults; the same file with the userinfo ``sub`` check removed fails exactly on
``userinfo_wrong_sub`` (the bench catches a relying party that skips a check)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "rp_bench_test.py"
SUB_CHECK = 'if info.get("sub") != claims["sub"]:'


def _run(folder: Path, source: str) -> subprocess.CompletedProcess:
    (folder / "test_rp_bench.py").write_text(source)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_rp_bench.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_the_example_passes_the_whole_catalogue(tmp_path):
    done = _run(tmp_path, EXAMPLE.read_text())
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "16 passed" in done.stdout


def test_a_relying_party_without_the_userinfo_check_fails_the_bench(tmp_path):
    source = EXAMPLE.read_text()
    assert SUB_CHECK in source
    done = _run(tmp_path, source.replace(SUB_CHECK, "if False:"))
    assert done.returncode == 1
    assert "1 failed, 15 passed" in done.stdout, done.stdout[-3000:]
    assert "test_my_rp_on_the_bench[userinfo_wrong_sub]" in done.stdout
