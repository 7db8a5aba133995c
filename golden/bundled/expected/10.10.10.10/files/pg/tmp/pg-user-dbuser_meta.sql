-- pigstyc: business user dbuser_meta of cluster pg-meta (pg-meta-1) for 10.10.10.10; do not edit
-- run by /pg/bin/pg-provision as the superuser in database postgres


-- role dbuser_meta
CREATE USER "dbuser_meta";
ALTER USER "dbuser_meta";
-- the password's SCRAM-SHA-256 verifier, computed by pigstyc
SET log_statement TO 'none';
ALTER USER "dbuser_meta" PASSWORD 'SCRAM-SHA-256$4096:gbC5FzIJ7L5ecNejMBeP+g==$MQ3kuq/a1fT3RuabKmVXUvrE2AtD6zOD/s9mBNWStvE=:8bDIxAvAZErcwuYmEiXMv+5+kA5khWVyeG2n5t+Ns3A=';
SET log_statement TO DEFAULT;
COMMENT ON ROLE "dbuser_meta" IS 'owner of the meta database';
GRANT "dbrole_admin" TO "dbuser_meta";
-- pgbouncer: listed in its user list
