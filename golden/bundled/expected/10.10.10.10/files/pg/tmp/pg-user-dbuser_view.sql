-- pigstyc: business user dbuser_view of cluster pg-meta (pg-meta-1) for 10.10.10.10; do not edit
-- run by /pg/bin/pg-provision as the superuser in database postgres


-- role dbuser_view
CREATE USER "dbuser_view";
ALTER USER "dbuser_view";
-- the password's SCRAM-SHA-256 verifier, computed by pigstyc
SET log_statement TO 'none';
ALTER USER "dbuser_view" PASSWORD 'SCRAM-SHA-256$4096:qMz0rp+8XN0NinE7dTMvrA==$BLYnNW7E72QBAObjYH6yuHi5n+VJuVTckaN8q4FsNZc=:ZKzJWhNsboLwYe2lBOyzrmRFWqVNoYsBJ52G+NuYR7I=';
SET log_statement TO DEFAULT;
COMMENT ON ROLE "dbuser_view" IS 'read-only access for dashboards';
GRANT "dbrole_readonly" TO "dbuser_view";
-- pgbouncer: listed in its user list
