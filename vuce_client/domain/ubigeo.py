"""INEI ubigeo table shipped with the package (domain.md §10): 25 / 196 / 1,891.

The CSV is ``vuce_client/data/ubigeo_peru_inei.csv`` (``code,department,province,district``, one
row per district); its provenance and licence notices are in ``UBIGEO_README.md`` next to it and
must ship with it. Department and province rows are derived from the code prefixes: ``DD`` is the
department, ``DDPP`` the province, ``DDPPdd`` the district. These are INEI codes, not RENIEC's
(Mi Perú is INEI 070107, RENIEC 240107).

Reading package data is I/O, but of a read-only resource, once; the table is then a pure value.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from types import MappingProxyType

_PACKAGE = "vuce_client"
_RESOURCE = ("data", "ubigeo_peru_inei.csv")
_HEADER = ["code", "department", "province", "district"]
_CODE_RE = re.compile(r"[0-9]{6}")
LABEL_SEPARATOR = " / "


@dataclass(frozen=True)
class District:
    """One row of the table: a district with its department and province names."""

    code: str
    department: str
    province: str
    district: str

    @property
    def department_code(self) -> str:
        """The 2-digit department code."""
        return self.code[:2]

    @property
    def province_code(self) -> str:
        """The 4-digit province code."""
        return self.code[:4]


@dataclass(frozen=True)
class UbigeoTable:
    """The whole table, indexed for the Departamento → Provincia → Distrito cascade (§3.5)."""

    departments: MappingProxyType[str, str]  # "15" -> "Lima"
    provinces: MappingProxyType[str, str]  # "1501" -> "Lima"
    districts: MappingProxyType[str, District]  # "150101" -> District


def parse_ubigeo_csv(text: str) -> UbigeoTable:
    """Parse and check the CSV text; ValueError on a malformed or inconsistent row."""
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header != _HEADER:
        raise ValueError(f"unexpected ubigeo header: {header!r}")
    departments: dict[str, str] = {}
    provinces: dict[str, str] = {}
    districts: dict[str, District] = {}
    for line, row in enumerate(reader, start=2):
        if len(row) != 4 or not _CODE_RE.fullmatch(row[0]) or not all(s.strip() for s in row):
            raise ValueError(f"ubigeo line {line}: malformed row {row!r}")
        code, dept, prov, dist = (s.strip() for s in row)
        if code in districts:
            raise ValueError(f"ubigeo line {line}: duplicate code {code}")
        # Every district of a department / province must agree on its name, or the cascade
        # would show two names for one code.
        if departments.setdefault(code[:2], dept) != dept:
            raise ValueError(f"ubigeo line {line}: department {code[:2]} has two names")
        if provinces.setdefault(code[:4], prov) != prov:
            raise ValueError(f"ubigeo line {line}: province {code[:4]} has two names")
        districts[code] = District(code, dept, prov, dist)
    return UbigeoTable(
        MappingProxyType(departments), MappingProxyType(provinces), MappingProxyType(districts)
    )


@cache
def load_ubigeo() -> UbigeoTable:
    """The shipped table, read once from the package data."""
    resource = resources.files(_PACKAGE).joinpath(*_RESOURCE)
    return parse_ubigeo_csv(resource.read_text(encoding="utf-8"))


def departments() -> tuple[tuple[str, str], ...]:
    """All departments as ``(code, name)``, by code."""
    return tuple(sorted(load_ubigeo().departments.items()))


def provinces(dept_code: str) -> tuple[tuple[str, str], ...]:
    """The provinces of a department as ``(code, name)``, by code; empty for an unknown code."""
    if len(dept_code) != 2:
        return ()
    items = load_ubigeo().provinces.items()
    return tuple(sorted((c, n) for c, n in items if c[:2] == dept_code))


def districts(prov_code: str) -> tuple[tuple[str, str], ...]:
    """The districts of a province as ``(code, name)``, by code; empty for an unknown code."""
    if len(prov_code) != 4:
        return ()
    items = load_ubigeo().districts.items()
    return tuple(sorted((c, d.district) for c, d in items if c[:4] == prov_code))


def exists(code: str) -> bool:
    """True when ``code`` is a district (6-digit) ubigeo of the table."""
    return isinstance(code, str) and code in load_ubigeo().districts


def get(code: str) -> District:
    """The district row of a 6-digit code; KeyError when unknown."""
    return load_ubigeo().districts[code]


def label(code: str) -> str:
    """ "Departamento / Provincia / Distrito" of a 6-, 4- or 2-digit code; KeyError if unknown."""
    table = load_ubigeo()
    if len(code) == 2:
        return table.departments[code]
    if len(code) == 4:
        return LABEL_SEPARATOR.join((table.departments[code[:2]], table.provinces[code]))
    d = table.districts[code]
    return LABEL_SEPARATOR.join((d.department, d.province, d.district))
