-- The IdP and VUCE each get their own database (each has its own alembic_version table).
-- POSTGRES_DB creates "idp"; this script, run once on an empty volume, adds "vuce".
CREATE DATABASE vuce OWNER vuce_sol;
