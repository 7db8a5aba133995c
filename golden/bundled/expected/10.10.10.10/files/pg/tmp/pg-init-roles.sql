-- pigstyc: default roles of cluster pg-meta (pg-meta-1) for 10.10.10.10; do not edit
-- run by /pg/bin/pg-init as the superuser in database postgres; roles are created or altered, never dropped


-- role dbrole_readonly
CREATE USER "dbrole_readonly" NOLOGIN;
ALTER USER "dbrole_readonly" NOLOGIN;
COMMENT ON ROLE "dbrole_readonly" IS 'role for global read-only access';
-- pgbouncer: not listed in its user list

-- role dbrole_offline
CREATE USER "dbrole_offline" NOLOGIN;
ALTER USER "dbrole_offline" NOLOGIN;
COMMENT ON ROLE "dbrole_offline" IS 'role for restricted read-only access';
-- pgbouncer: not listed in its user list

-- role dbrole_readwrite
CREATE USER "dbrole_readwrite" NOLOGIN;
ALTER USER "dbrole_readwrite" NOLOGIN;
COMMENT ON ROLE "dbrole_readwrite" IS 'role for global read-write access';
GRANT "dbrole_readonly" TO "dbrole_readwrite";
-- pgbouncer: not listed in its user list

-- role dbrole_admin
CREATE USER "dbrole_admin" NOLOGIN;
ALTER USER "dbrole_admin" NOLOGIN;
COMMENT ON ROLE "dbrole_admin" IS 'role for object creation';
GRANT "pg_monitor" TO "dbrole_admin";
GRANT "dbrole_readwrite" TO "dbrole_admin";
-- pgbouncer: not listed in its user list

-- role postgres
CREATE USER "postgres" SUPERUSER;
ALTER USER "postgres" SUPERUSER;
COMMENT ON ROLE "postgres" IS 'system superuser';
-- pgbouncer: not listed in its user list

-- role replicator
CREATE USER "replicator" REPLICATION;
ALTER USER "replicator" REPLICATION;
COMMENT ON ROLE "replicator" IS 'system replicator';
GRANT "pg_monitor" TO "replicator";
GRANT "dbrole_readonly" TO "replicator";
-- pgbouncer: not listed in its user list

-- role dbuser_dba
CREATE USER "dbuser_dba" SUPERUSER;
ALTER USER "dbuser_dba" SUPERUSER;
COMMENT ON ROLE "dbuser_dba" IS 'pgsql admin user';
GRANT "dbrole_admin" TO "dbuser_dba";
-- pgbouncer: listed in its user list

-- role dbuser_monitor
CREATE USER "dbuser_monitor";
ALTER USER "dbuser_monitor";
ALTER USER "dbuser_monitor" SET "log_min_duration_statement" = '1000';
COMMENT ON ROLE "dbuser_monitor" IS 'pgsql monitor user';
GRANT "pg_monitor" TO "dbuser_monitor";
GRANT "dbrole_readonly" TO "dbuser_monitor";
-- pgbouncer: listed in its user list

-- passwords of the replication, monitor and admin users
SET log_statement TO 'none';
ALTER ROLE "replicator" PASSWORD 'SCRAM-SHA-256$4096:xnMYkwOIkdOl8W2yKzhDnQ==$oOCh6be6ErLGQjd6bwd/F8tfRZy3gDvUN+UB/P/mgDA=:TzR9NDVQZjEkT3XYimVByBEb4QLp86qanJoTt/0bhWM=';
ALTER ROLE "dbuser_monitor" PASSWORD 'SCRAM-SHA-256$4096:foQuEIklj4aQy7EcLrbdIQ==$qc5EQbQzLkoZoO3LBElHCTWd8vUhufxh60HcsrS1lGs=:uzu6oP7lrih0bhXEQOz6nr/euyG9x1u14aUZaD1BYlI=';
ALTER ROLE "dbuser_dba" PASSWORD 'SCRAM-SHA-256$4096:D1VaVu9m/gLhxKRDq+W+8A==$EA1RFbdv85m90OYhPqgseE2E49DHZLGvWO+yaUu+AZc=:dMqv7PkX43j8FtUk3qgBxReBagDpt0axUFQYDA12Z/8=';
SET log_statement TO DEFAULT;
