import PigstyFormats
import PigstyModel

extension PgProvisionSQL {
    /// Functions of `pg_catalog` the replication user runs for backups (pgBackRest's checks),
    /// with their argument types; the two exclusive-backup functions exist before PostgreSQL 15.
    static func backupFunctions(version: Int) -> [String] {
        ["current_setting(text)", "set_config(text, text, boolean)", "pg_is_in_recovery()"]
            + (version < 15 ? ["pg_start_backup(text, boolean, boolean)", "pg_stop_backup(boolean, boolean)"] : [])
            + ["pg_create_restore_point(text)", "pg_switch_wal()", "pg_last_wal_replay_lsn()", "txid_current()",
               "txid_current_snapshot()", "txid_snapshot_xmax(txid_snapshot)", "pg_control_checkpoint()"]
    }

    /// `pg-init-template.sql`: run in `template1` (so every database created later has it), in
    /// `postgres`, and in the extra databases `pg-init` names.
    static func template(_ p: PgProvisionFiles, _ i: PgInitScripts) -> String {
        var w = LineWriter(capacity: 40_000)
        header(&w, "template database objects of cluster \(p.cluster) (\(p.instance))", node: p.ip,
               run: "run by /pg/bin/pg-init as the superuser in template1, postgres and the cluster's own databases")
        section(&w, "default privileges on objects the dbsu, the admin user and dbrole_admin create")
        for owner in [SQL.name(i.dbsu), SQL.name(i.system.admin), SQL.ident("dbrole_admin")] {
            for clause in i.defaultPrivileges { w.line("ALTER DEFAULT PRIVILEGES FOR ROLE \(owner) \(clause);") }
        }
        section(&w, "schemas; nobody but the admins creates objects in public")
        for s in i.schemas { schema(&w, s) }
        w.line("REVOKE CREATE ON SCHEMA public FROM PUBLIC;")
        section(&w, "extensions, then file_fdw and its server fs for the monitor's foreign tables")
        for e in i.extensions { extensionItem(&w, e) }
        w.line("CREATE EXTENSION IF NOT EXISTS file_fdw;")
        w.line("CREATE SERVER IF NOT EXISTS fs FOREIGN DATA WRAPPER file_fdw;")
        let replicator = SQL.ident(i.system.replication)
        section(&w, "what the replication user needs to take backups")
        w.line("GRANT USAGE ON SCHEMA pg_catalog TO \(replicator);")
        for f in backupFunctions(version: i.pgVersion) {
            w.line("GRANT EXECUTE ON FUNCTION pg_catalog.\(f) TO \(replicator);")
        }
        section(&w, "the monitor schema, used by the monitor, admin and replication users")
        w.line("CREATE SCHEMA IF NOT EXISTS monitor;")
        for user in [i.system.monitor, i.system.admin, i.system.replication] {
            w.line("GRANT USAGE ON SCHEMA monitor TO \(SQL.ident(user));")
        }
        w.line("ALTER USER \(SQL.ident(i.system.monitor)) SET search_path TO monitor,public;")
        section(&w, "heartbeat, bloat and activity")
        w.lines(PgMonitorSQL.heartbeatAndViews)
        section(&w, "lock waits as a tree of blockers")
        w.lines(PgMonitorSQL.lockTreeHead)
        w.line(i.pgVersion >= 14 ? PgMonitorSQL.lockWaitStart14 : PgMonitorSQL.lockWaitStart13)
        w.lines(PgMonitorSQL.lockTreeTail)
        if i.pgVersion >= 13 {
            section(&w, "shared memory allocations")
            w.lines(PgMonitorSQL.shmem)
        }
        if i.pgbouncer {
            section(&w, "pgbouncer's auth query")
            w.lines(PgMonitorSQL.pgbouncerAuth)
        }
        section(&w, "the current server log as a foreign table")
        w.lines(PgMonitorSQL.logTableHead)
        if i.pgVersion >= 13 { w.line(PgMonitorSQL.logColumn13) }
        if i.pgVersion >= 14 { for c in PgMonitorSQL.logColumns14 { w.line(c) } }
        w.lines(PgMonitorSQL.logTableTail)
        let backrest = "pgbackrest --stanza=\(Shell.word(p.cluster)) --output=json info"
        w.line("    SERVER fs OPTIONS (PROGRAM \(SQL.dollarQuoted(backrest)) , FORMAT 'text');")
        w.lines(PgMonitorSQL.backrestView)
        let patroni = "curl http\(i.patroniSSL ? "s" : "")://127.0.0.1:\(Shell.word(i.patroniPort))/cluster"
        w.line("    SERVER fs OPTIONS (PROGRAM \(SQL.dollarQuoted(patroni)) , FORMAT 'text');")
        w.lines(PgMonitorSQL.patroniAndHost)
        return w.text
    }

    // MARK: databases

    /// The privileges a database owner's new objects get when `pg_default_privileges` is empty.
    static let builtinDefaultPrivileges = [
        "GRANT USAGE      ON SCHEMAS   TO dbrole_readonly", "GRANT SELECT     ON TABLES    TO dbrole_readonly",
        "GRANT SELECT     ON SEQUENCES TO dbrole_readonly", "GRANT EXECUTE    ON FUNCTIONS TO dbrole_readonly",
        "GRANT USAGE      ON SCHEMAS   TO dbrole_offline", "GRANT SELECT     ON TABLES    TO dbrole_offline",
        "GRANT SELECT     ON SEQUENCES TO dbrole_offline", "GRANT EXECUTE    ON FUNCTIONS TO dbrole_offline",
        "GRANT INSERT     ON TABLES    TO dbrole_readwrite", "GRANT UPDATE     ON TABLES    TO dbrole_readwrite",
        "GRANT DELETE     ON TABLES    TO dbrole_readwrite", "GRANT USAGE      ON SEQUENCES TO dbrole_readwrite",
        "GRANT UPDATE     ON SEQUENCES TO dbrole_readwrite", "GRANT TRUNCATE   ON TABLES    TO dbrole_admin",
        "GRANT REFERENCES ON TABLES    TO dbrole_admin", "GRANT TRIGGER    ON TABLES    TO dbrole_admin",
        "GRANT CREATE     ON SCHEMAS   TO dbrole_admin",
    ]

    /// `pg-db-<name>.sql`, run inside the database once it exists: its owner, settings, comment,
    /// connect and create privileges, the owner's default privileges, schemas and extensions.
    static func database(_ p: PgProvisionFiles, _ d: PgDatabaseSpec) -> String {
        var w = LineWriter(capacity: 4096)
        header(&w, "business database \(d.name) of cluster \(p.cluster) (\(p.instance))", node: p.ip,
               run: "run by /pg/bin/pg-provision as the superuser inside database \(d.name), after creating it")
        let db = SQL.ident(d.name)
        section(&w, "the database itself")
        if let owner = d.owner {
            w.line("ALTER DATABASE \(db) OWNER TO \(SQL.ident(owner));")
            w.line("GRANT ALL PRIVILEGES ON DATABASE \(db) TO \(SQL.ident(owner));")
        }
        if let space = d.tablespace { w.line("ALTER DATABASE \(db) SET TABLESPACE \(SQL.ident(space));") }
        if let allow = d.allowConnections { w.line("ALTER DATABASE \(db) ALLOW_CONNECTIONS \(allow);") }
        if let limit = d.connectionLimit { w.line("ALTER DATABASE \(db) CONNECTION LIMIT \(limit);") }
        if let template = d.isTemplate { w.line("ALTER DATABASE \(db) IS_TEMPLATE \(template);") }
        for s in d.settings { w.line("ALTER DATABASE \(db) SET \(setting(s));") }
        w.line("COMMENT ON DATABASE \(db) IS \(SQL.literal(d.comment));")
        if let revoke = d.revokeConnect {
            section(&w, revoke ? "only the system users and the owner connect" : "everyone may connect")
            if revoke {
                w.line("REVOKE CONNECT ON DATABASE \(db) FROM PUBLIC;")
                w.line("GRANT CONNECT ON DATABASE \(db) TO \(SQL.ident(p.system.replication));")
                w.line("GRANT CONNECT ON DATABASE \(db) TO \(SQL.ident(p.system.monitor));")
                w.line("GRANT CONNECT ON DATABASE \(db) TO \(SQL.ident(p.system.admin)) WITH GRANT OPTION;")
                if let owner = d.owner { w.line("GRANT CONNECT ON DATABASE \(db) TO \(SQL.ident(owner)) WITH GRANT OPTION;") }
            } else {
                w.line("GRANT CONNECT ON DATABASE \(db) TO PUBLIC;")
            }
        }
        section(&w, "only dbrole_admin creates schemas, and objects in public")
        w.line("REVOKE CREATE ON DATABASE \(db) FROM PUBLIC;")
        w.line("GRANT CREATE ON DATABASE \(db) TO \(SQL.ident("dbrole_admin"));")
        w.line("REVOKE CREATE ON SCHEMA public FROM PUBLIC;")
        w.line("GRANT CREATE ON SCHEMA public TO \(SQL.ident("dbrole_admin"));")
        if let owner = d.owner {
            section(&w, "default privileges on objects the owner creates")
            let clauses = p.hasDefaultPrivileges ? p.defaultPrivileges : builtinDefaultPrivileges
            for clause in clauses { w.line("ALTER DEFAULT PRIVILEGES FOR ROLE \(SQL.ident(owner)) \(clause);") }
        }
        section(&w, "schemas")
        for s in d.schemas { schema(&w, s) }
        section(&w, "extensions")
        for e in d.extensions { extensionItem(&w, e) }
        w.blank()
        w.comment(d.pgbouncer ? "pgbouncer: served (listed in database.txt)" : "pgbouncer: not served", marker: "--")
        return w.text
    }
}
