-- pigstyc: business user dbuser_test of cluster pg-test (pg-test-1) for 10.10.10.11; do not edit
-- run by /pg/bin/pg-provision as the superuser in database postgres


-- role dbuser_test
CREATE USER "dbuser_test";
ALTER USER "dbuser_test";
-- the password's SCRAM-SHA-256 verifier, computed by pigstyc
SET log_statement TO 'none';
ALTER USER "dbuser_test" PASSWORD 'SCRAM-SHA-256$4096:7OfS4YR4ZJmAJOgULDwchg==$F1+RKZcRPvLAqjq2/yaIe/3Wm7yC7NOmQI/FAhquAuM=:ZRhRSCxzNtbLPvcndvLfTcEko4IUHp3LnqhUzaXlfbU=';
SET log_statement TO DEFAULT;
COMMENT ON ROLE "dbuser_test" IS 'business user dbuser_test';
GRANT "dbrole_readwrite" TO "dbuser_test";
-- pgbouncer: listed in its user list
