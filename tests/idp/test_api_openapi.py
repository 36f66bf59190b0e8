"""The OpenAPI document at /api/v1/openapi.json matches the routes the code serves."""

import re

import requests

HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def served_operations(app) -> set[tuple[str, str]]:
    ops = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        ops |= {(path, m.lower()) for m in rule.methods & HTTP_METHODS}
    return ops


def test_every_route_is_documented_and_every_documented_route_exists(idp):
    doc = requests.get(f"{idp.url}/api/v1/openapi.json", timeout=5).json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    assert documented == served_operations(idp.app)


def test_documented_schemas_and_error_codes_resolve(idp):
    from idp.domain.errors import ALL_ERRORS

    doc = requests.get(f"{idp.url}/api/v1/openapi.json", timeout=5).json()
    text = str(doc)
    for ref in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert ref in doc["components"]["schemas"], ref
    codes = doc["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
    assert {e.code for e in ALL_ERRORS} <= set(codes)
    assert doc["servers"][0]["url"] == idp.url


def test_request_schemas_list_the_fields_the_api_accepts():
    from idp.web import api, openapi

    schemas = openapi.SCHEMAS
    pairs = [
        (api.TAXPAYER, "TaxpayerCreate"),
        (api.SECONDARY, "SecondaryUserCreate"),
        (api.EXTRANET, "ExtranetUserCreate"),
        (api.LABORATORY, "LaboratoryCreate"),
    ]
    for spec, name in pairs:
        assert set(schemas[name]["properties"]) == set(spec), name
        assert schemas[name]["additionalProperties"] is False


def test_a_nul_byte_anywhere_is_a_documented_400(idp):
    """The NUL guard answers before routing; every operation documents that 400."""
    doc = requests.get(f"{idp.url}/api/v1/openapi.json", timeout=5).json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if path != "/api/v1/openapi.json":
                assert "400" in op["responses"], (method, path)
    idp.create_taxpayer("20123456786")
    resp = requests.get(
        f"{idp.url}/api/v1/taxpayers/20123456786/users",
        params={"q": "a\x00b"},
        headers={"Authorization": f"Bearer {idp.admin_token}"},
        timeout=5,
    )
    assert resp.status_code == 400
    assert resp.json()["error"] == "bad_request"
