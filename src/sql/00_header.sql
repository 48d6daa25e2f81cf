-- alignment: sales and marketing alignment metrics for PostgreSQL.
--
-- The base install script (release 0.1.0) is built by scripts/build-sql.sh
-- from src/sql/*.sql, concatenated in name order:
--   10 C functions and aggregates     20 tables
--   30 loaders and frozen handoffs    35 ICP versions and evidence
--   40 metric views                   45 ICP evidence and persona views
-- Later releases are update scripts built from src/sql/<version>/.

\echo Use "CREATE EXTENSION alignment" to load this file. \quit
