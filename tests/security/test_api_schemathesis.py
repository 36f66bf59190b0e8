"""Schemathesis against the IdP's own OpenAPI document (/api/v1/openapi.json): at least 1,000
generated requests over every operation, zero server errors, every response as documented
(status code, content type, body schema)."""

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="pip install schemathesis")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import RUC  # noqa: E402

pytestmark = pytest.mark.slow

MIN_CASES = 1000
PER_OPERATION = 90
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _first_line(exc: BaseException) -> str:
    inner = getattr(exc, "exceptions", None)
    if inner:
        return "; ".join(_first_line(e) for e in inner)
    return " ".join(str(exc).split("\n\n")[:2])[:300]


def _fuzz(operation, auth, counts, statuses, failures, examples=PER_OPERATION) -> None:
    label = operation.label

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def run(case):
        counts[label] = counts.get(label, 0) + 1
        response = case.call(headers=auth)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS, headers=auth)
        except (Exception, BaseExceptionGroup) as exc:  # collected for one report
            failures.append(
                f"{label} -> {response.status_code} {response.text[:160]!r}: {_first_line(exc)}"
            )

    run()


def test_api_matches_its_openapi_document(sol):
    sol.create_user(RUC, "OPERADO2", document_number="45678902")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", sol.app)
    auth = {"Authorization": f"Bearer {sol.admin_token}"}
    counts: dict[str, int] = {}
    statuses: dict[int, int] = {}
    failures: list[str] = []

    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, [op.label for op in operations]
    for operation in operations:
        _fuzz(operation, auth, counts, statuses, failures)
        # Without (or with a wrong) bearer: the documented 401, never a 5xx.
        _fuzz(operation, {"Authorization": "Bearer wrong"}, counts, statuses, failures, 8)
    sol.app.test_client().put("/api/v1/sim/outage", json={"mode": "none"}, headers=auth)
    total = sum(counts.values())
    print(
        f"\n[schemathesis {schemathesis.__version__}] {total} cases over {len(counts)} "
        f"operations; statuses {dict(sorted(statuses.items()))}"
    )
    assert total >= MIN_CASES, counts
    assert not any(s >= 500 for s in statuses), statuses
    by_kind: dict[str, str] = {}
    for f in failures:
        by_kind.setdefault(f.split(" -> ")[0] + f.split(":", 2)[-1][:80], f)
    assert not failures, "\n\n".join(by_kind.values()) + f"\n\n({len(failures)} in all)"
