-- alignment: sales and marketing alignment metrics for PostgreSQL.
--
-- This install script is built by the Makefile from src/sql/*.sql,
-- concatenated in name order: 10 C functions and aggregates, 20 tables,
-- 30 loaders, 40 metric views.

\echo Use "CREATE EXTENSION alignment" to load this file. \quit
