-- pigstyc: business database test of cluster pg-test (pg-test-1) for 10.10.10.11; do not edit
-- run by /pg/bin/pg-provision as the superuser inside database test, after creating it


-- the database itself
ALTER DATABASE "test" OWNER TO "dbuser_test";
GRANT ALL PRIVILEGES ON DATABASE "test" TO "dbuser_test";
COMMENT ON DATABASE "test" IS 'business database test';

-- only dbrole_admin creates schemas, and objects in public
REVOKE CREATE ON DATABASE "test" FROM PUBLIC;
GRANT CREATE ON DATABASE "test" TO "dbrole_admin";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CREATE ON SCHEMA public TO "dbrole_admin";

-- default privileges on objects the owner creates
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT USAGE      ON SCHEMAS    TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT SELECT     ON TABLES     TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT SELECT     ON SEQUENCES  TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT EXECUTE    ON FUNCTIONS  TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT USAGE      ON SCHEMAS    TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT SELECT     ON TABLES     TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT SELECT     ON SEQUENCES  TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT EXECUTE    ON FUNCTIONS  TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT INSERT     ON TABLES     TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT UPDATE     ON TABLES     TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT DELETE     ON TABLES     TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT USAGE      ON SEQUENCES  TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT UPDATE     ON SEQUENCES  TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT TRUNCATE   ON TABLES     TO  dbrole_admin;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT REFERENCES ON TABLES     TO  dbrole_admin;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT TRIGGER    ON TABLES     TO  dbrole_admin;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_test" GRANT CREATE     ON SCHEMAS    TO  dbrole_admin;

-- schemas

-- extensions

-- pgbouncer: served (listed in database.txt)
