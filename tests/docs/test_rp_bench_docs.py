"""The README's "Testing your relying party" table is the fault catalogue itself: every fault,
in order, with what it does, what a correct RP does and a link to the clause it enforces."""

from pathlib import Path

from idp.oidc.faults import CATALOGUE

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_table_is_the_catalogue():
    text = README.read_text(encoding="utf-8")
    section = text.split("## Testing your relying party", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    expected = [
        f"| `{f.name}` | {f.does} | {f.correct_rp} | [{f.spec}]({f.spec_url}) |"
        for f in CATALOGUE.values()
    ]
    assert rows == expected
    assert len(rows) == 16
    for clause in ("OIDC Core 3.1.3.7", "RFC 7519", "RFC 7515"):
        assert clause in section


def test_the_example_runs_the_whole_catalogue():
    import ast

    source = (README.parent / "examples" / "rp_bench_test.py").read_text(encoding="utf-8")
    names = next(
        node.value
        for node in ast.parse(source).body
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "RP_FAULTS"
    )
    assert ast.literal_eval(names) == tuple(CATALOGUE)
