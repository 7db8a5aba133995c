-- pigstyc: business database meta of cluster pg-meta (pg-meta-1) for 10.10.10.10; do not edit
-- run by /pg/bin/pg-provision as the superuser inside database meta, after creating it


-- the database itself
ALTER DATABASE "meta" OWNER TO "dbuser_meta";
GRANT ALL PRIVILEGES ON DATABASE "meta" TO "dbuser_meta";
COMMENT ON DATABASE "meta" IS 'configuration and inventory data';

-- only dbrole_admin creates schemas, and objects in public
REVOKE CREATE ON DATABASE "meta" FROM PUBLIC;
GRANT CREATE ON DATABASE "meta" TO "dbrole_admin";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT CREATE ON SCHEMA public TO "dbrole_admin";

-- default privileges on objects the owner creates
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT USAGE      ON SCHEMAS    TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT SELECT     ON TABLES     TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT SELECT     ON SEQUENCES  TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT EXECUTE    ON FUNCTIONS  TO  dbrole_readonly;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT USAGE      ON SCHEMAS    TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT SELECT     ON TABLES     TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT SELECT     ON SEQUENCES  TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT EXECUTE    ON FUNCTIONS  TO  dbrole_offline;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT INSERT     ON TABLES     TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT UPDATE     ON TABLES     TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT DELETE     ON TABLES     TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT USAGE      ON SEQUENCES  TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT UPDATE     ON SEQUENCES  TO  dbrole_readwrite;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT TRUNCATE   ON TABLES     TO  dbrole_admin;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT REFERENCES ON TABLES     TO  dbrole_admin;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT TRIGGER    ON TABLES     TO  dbrole_admin;
ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_meta" GRANT CREATE     ON SCHEMAS    TO  dbrole_admin;

-- schemas
CREATE SCHEMA IF NOT EXISTS "pigsty";

-- extensions
CREATE EXTENSION IF NOT EXISTS "vector" CASCADE;

-- pgbouncer: served (listed in database.txt)
