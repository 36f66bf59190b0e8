"""An IdP configured as production (unreachable PostgreSQL and Redis: create_app only checks
and wires them), for the tests of what production refuses or allows."""

SECRET = "x" * 40


def idp_production_settings(instance_path, **extra) -> dict:
    return {
        "ENV": "production",
        "ISSUER": "https://sol.example.pe",
        "DATABASE_URL": "postgresql+psycopg://idp@127.0.0.1:1/idp",
        "REDIS_URL": "redis://127.0.0.1:1/0",
        "SECRET_KEY": SECRET,
        "ADMIN_TOKEN": SECRET,
        "SUBJECT_SALT": SECRET,
        "METRICS_TOKEN": SECRET,
        "INSTANCE_PATH": str(instance_path),
        **extra,
    }
