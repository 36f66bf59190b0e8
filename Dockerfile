# One image for both apps (the IdP and VUCE) and VUCE's mail worker; docker-compose.yml picks the
# command. Production settings come from the environment (see README "Configuration").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY kvstore ./kvstore
COPY peru_ids ./peru_ids
COPY idp ./idp
COPY vuce_client ./vuce_client
COPY launcher ./launcher
RUN pip install . \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin vuce \
 && mkdir -p /app/instance && chown vuce /app/instance

# the instance folder only holds what production does not use (SQLite, generated dev secrets)
ENV IDP_INSTANCE_PATH=/app/instance \
    VUCE_INSTANCE_PATH=/app/instance \
    VUCE_SOL_INSTANCE=/app/instance
USER vuce
EXPOSE 5000 5001
# granian (Rust HTTP, WSGI interface): see bench/README.md "Serving floor" for the measurements
CMD ["granian", "--interface", "wsgi", "--factory", "idp:serve_app", "--host", "0.0.0.0", \
     "--port", "5000", "--workers", "2", "--blocking-threads", "1"]
