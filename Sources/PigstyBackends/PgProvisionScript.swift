import PigstyFormats
import PigstyModel

/// `/pg/bin/pg-provision`: pigstyc's counterpart of Pigsty's user and database tasks, run by the
/// dbsu on the primary. In `pg_users` order each user's script runs (`state: absent` users are
/// dropped); then in `pg_databases` order each database is dropped (`absent`, `recreate`),
/// created with its creation options when missing, and its script run inside it. Every SQL text
/// is built by `SQL` and handed to psql as one shell word (`Shell.single`).
enum PgProvisionScript {
    static func render(_ p: PgProvisionFiles) -> String {
        var w = LineWriter(capacity: 2048)
        w.line("#!/bin/bash")
        Header.hash("user and database provisioning", node: p.ip, into: &w)
        w.comment("usage: pg-provision   as the dbsu on the primary \(p.instance); run again after a change")
        w.line("set -uo pipefail")
        w.line("psql=(\(Shell.word(p.binDir + "/psql")) -h \(Shell.word(p.socketDir)) -p \(Shell.word(p.port)) -AXtwq)")
        w.line("status=0")
        w.line(#"run() { "${psql[@]}" "$@" || status=1; }"#)
        w.line(#"query() { "${psql[@]}" -d postgres -c "$1"; }"#)
        w.line(#"if [[ $(query 'SELECT pg_is_in_recovery()') != f ]]; then"#)
        w.line(#"  echo "pg-provision: this instance is not a running primary" >&2"#)
        w.line("  exit 1")
        w.line("fi")
        w.blank()
        w.comment("users (pg_users)")
        for u in p.users {
            w.line("run -d postgres -f \(Shell.word("/pg/tmp/pg-user-\(u.name).sql"))")
        }
        for name in p.droppedUsers {
            w.line("run -d postgres -c \(Shell.single("DROP ROLE IF EXISTS \(SQL.ident(name));"))")
        }
        w.blank()
        w.comment("databases (pg_databases)")
        for name in p.droppedDatabases { drop(&w, name, version: p.pgVersion, isTemplate: false) }
        for d in p.databases {
            if d.recreate { drop(&w, d.name, version: p.pgVersion, isTemplate: d.isTemplate == true) }
            let exists = "SELECT 1 FROM pg_database WHERE datname = \(SQL.literal(d.name))"
            w.line("if [[ -z $(query \(Shell.single(exists))) ]]; then")
            if let t = d.template, !["template0", "template1"].contains(t) {
                let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(SQL.literal(t)) AND pid <> pg_backend_pid()"
                w.line("  query \(Shell.single(kill)) >/dev/null")
            }
            let admin = d.template == "postgres" ? "template1" : "postgres"
            w.line("  run -d \(admin) -c \(Shell.single(create(d)))")
            w.line("fi")
            w.line("run -d \(Shell.word(d.name)) -f \(Shell.word("/pg/tmp/pg-db-\(d.name).sql"))")
        }
        w.line(#"exit "${status}""#)
        return w.text
    }

    static func drop(_ w: inout LineWriter, _ name: String, version: Int, isTemplate: Bool) {
        if isTemplate { w.line("run -d postgres -c \(Shell.single("ALTER DATABASE \(SQL.ident(name)) IS_TEMPLATE false;"))") }
        if version >= 13 {
            w.line("run -d postgres -c \(Shell.single("DROP DATABASE IF EXISTS \(SQL.ident(name)) WITH (FORCE);"))")
        } else {
            let kill = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \(SQL.literal(name)) AND pid <> pg_backend_pid()"
            w.line("query \(Shell.single(kill)) >/dev/null")
            w.line("run -d postgres -c \(Shell.single("DROP DATABASE IF EXISTS \(SQL.ident(name));"))")
        }
    }

    /// `CREATE DATABASE` with the options given, as Pigsty's task writes it.
    static func create(_ d: PgDatabaseSpec) -> String {
        var s = "CREATE DATABASE \(SQL.ident(d.name))"
        if let v = d.owner { s += " OWNER \(SQL.ident(v))" }
        if let v = d.template { s += " TEMPLATE \(SQL.ident(v))" }
        for (key, value) in [("ENCODING", d.encoding), ("LOCALE", d.locale), ("LC_COLLATE", d.lcCollate), ("LC_CTYPE", d.lcCtype)] {
            if let value { s += " \(key) \(SQL.literal(value))" }
        }
        if let v = d.tablespace { s += " TABLESPACE \(SQL.ident(v))" }
        if let v = d.isTemplate { s += " IS_TEMPLATE \(v)" }
        for (key, value) in [("STRATEGY", d.strategy), ("LOCALE_PROVIDER", d.localeProvider), ("ICU_LOCALE", d.icuLocale),
                             ("ICU_RULES", d.icuRules), ("BUILTIN_LOCALE", d.builtinLocale)] {
            if let value { s += " \(key) \(SQL.literal(value))" }
        }
        return s + ";"
    }
}
