"""The shipped INEI ubigeo table (domain.md §10)."""

import hashlib
from importlib import resources

import pytest

from vuce_client.domain import ubigeo


def test_counts():
    table = ubigeo.load_ubigeo()
    assert (len(table.departments), len(table.provinces), len(table.districts)) == (25, 196, 1891)
    assert len(ubigeo.departments()) == 25


def test_load_is_cached():
    assert ubigeo.load_ubigeo() is ubigeo.load_ubigeo()


def test_shipped_file_is_the_shared_one_with_its_notices():
    data = resources.files("vuce_client").joinpath("data")
    digest = hashlib.sha256(data.joinpath("ubigeo_peru_inei.csv").read_bytes()).hexdigest()
    assert digest == "ae9cda876e8524759ea6931ce854e461b104cc929b3961961d2bf2163756335c"
    readme = data.joinpath("UBIGEO_README.md").read_text(encoding="utf-8")
    assert "MIT License" in readme and "Copyright (c) 2025 MichaelSuarez0" in readme


@pytest.mark.parametrize(
    ("code", "parts"),
    [
        ("150101", ("Lima", "Lima", "Lima")),
        ("070107", ("Callao", "Callao", "Mi Perú")),  # INEI, not RENIEC's 240107
        ("120604", ("Junín", "Satipo", "Mazamari")),
        ("120606", ("Junín", "Satipo", "Pangoa")),
    ],
)
def test_known_codes(code, parts):
    assert ubigeo.exists(code)
    d = ubigeo.get(code)
    assert (d.department, d.province, d.district) == parts
    assert ubigeo.label(code) == " / ".join(parts)


def test_labels_of_departments_and_provinces():
    assert ubigeo.label("15") == "Lima"
    assert ubigeo.label("0701") == "Callao / Callao"


@pytest.mark.parametrize("code", ["240107", "120699", "000000", "15", "1501", "", "15010", None])
def test_unknown_codes(code):
    assert not ubigeo.exists(code)


def test_unknown_label():
    with pytest.raises(KeyError):
        ubigeo.label("999999")


def test_cascade():
    assert ("07", "Callao") in ubigeo.departments()
    assert ubigeo.provinces("07") == (("0701", "Callao"),)
    districts = dict(ubigeo.districts("0701"))
    assert districts["070107"] == "Mi Perú"
    assert len(districts) == 7
    assert ubigeo.provinces("99") == () and ubigeo.provinces("0") == ()
    assert ubigeo.districts("9999") == () and ubigeo.districts("07") == ()
    # Every district is reachable through the cascade.
    total = sum(
        len(ubigeo.districts(p)) for d, _ in ubigeo.departments() for p, _ in ubigeo.provinces(d)
    )
    assert total == 1891


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("code,dept,province,district\n", "header"),
        ("code,department,province,district\n15010,Lima,Lima,Lima\n", "malformed"),
        ("code,department,province,district\n150101,Lima,Lima\n", "malformed"),
        ("code,department,province,district\n150101,Lima,Lima,\n", "malformed"),
        ("code,department,province,district\n150101,Lima,Lima,Lima\n150101,Lima,Lima,X\n", "dup"),
        ("code,department,province,district\n150101,Lima,Lima,A\n150102,Lim,Lima,B\n", "two"),
        ("code,department,province,district\n150101,Lima,Lima,A\n150102,Lima,Lim,B\n", "two"),
    ],
)
def test_parser_rejects_bad_files(text, problem):
    with pytest.raises(ValueError):
        ubigeo.parse_ubigeo_csv(text)
