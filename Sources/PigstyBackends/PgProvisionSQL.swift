import PigstyFormats
import PigstyModel

/// The provisioning SQL of a primary, statement for statement what Pigsty's templates run:
/// `pg-init-roles.sql` (the default roles), `pg-init-template.sql` (privileges, schemas,
/// extensions and the monitor schema of `template1` and `postgres`), `pg-user-<name>.sql` and
/// `pg-db-<name>.sql`. Every name is written by `SQL.ident` (or `SQL.name` where Pigsty writes
/// it bare) and every value by `SQL.literal`; comments go through `LineWriter.comment`.
///
/// Running a script again changes nothing: roles are created (an existing role makes that one
/// statement fail and psql go on) and then altered to the state given, schemas and extensions
/// are created only when missing, and the monitor objects are dropped and created afresh.
enum PgProvisionSQL {
    static func header(_ w: inout LineWriter, _ what: String, node: String, run: String) {
        w.comment("pigstyc: \(what) for \(node); do not edit", marker: "--")
        w.comment(run, marker: "--")
        w.blank()
    }

    static func section(_ w: inout LineWriter, _ title: String) {
        w.blank()
        w.comment(title, marker: "--")
    }

    // MARK: roles

    /// `pg-init-roles.sql`: every default role, then the system users' passwords.
    static func roles(_ p: PgProvisionFiles, _ i: PgInitScripts) -> String {
        var w = LineWriter(capacity: 8192)
        header(&w, "default roles of cluster \(p.cluster) (\(p.instance))", node: p.ip,
               run: "run by /pg/bin/pg-init as the superuser in database postgres; roles are created or altered, never dropped")
        for r in i.roles { role(&w, r) }
        section(&w, "passwords of the replication, monitor and admin users")
        w.line("SET log_statement TO 'none';")
        for (user, _, stored) in i.passwords {
            w.line("ALTER ROLE \(SQL.ident(user)) PASSWORD \(SQL.literal(stored));")
        }
        w.line("SET log_statement TO DEFAULT;")
        return w.text
    }

    /// `pg-user-<name>.sql`: one business user.
    static func user(_ p: PgProvisionFiles, _ r: PgRoleSpec) -> String {
        var w = LineWriter(capacity: 2048)
        header(&w, "business user \(r.name) of cluster \(p.cluster) (\(p.instance))", node: p.ip,
               run: "run by /pg/bin/pg-provision as the superuser in database postgres")
        role(&w, r)
        return w.text
    }

    /// One role: created (failing harmlessly when it exists), then altered to its attributes,
    /// password, expiry, connection limit, settings, comment and memberships.
    static func role(_ w: inout LineWriter, _ r: PgRoleSpec) {
        let name = SQL.ident(r.name)
        section(&w, "role \(r.name)")
        let attributes = r.attributes.map { " " + ($0.1 ? "" : "NO") + $0.0.keyword }.joined()
        w.line("CREATE USER \(name)\(attributes);")
        w.line("ALTER USER \(name)\(attributes);")
        if let password = r.storedPassword {
            w.comment(password == r.password ? "the password is kept out of the server log"
                : "the password's SCRAM-SHA-256 verifier, computed by pigstyc", marker: "--")
            w.line("SET log_statement TO 'none';")
            w.line("ALTER USER \(name) PASSWORD \(SQL.literal(password));")
            w.line("SET log_statement TO DEFAULT;")
        }
        switch r.expiry {
        case .inDays(let days)?:
            w.comment("expires \(days) days after this script runs", marker: "--")
            let body = "BEGIN EXECUTE format('ALTER USER %I VALID UNTIL %L', \(SQL.literal(r.name)), (current_date + \(days))::text); END"
            w.line("DO \(SQL.dollarQuoted(body));")
        case .at(let date)?:
            w.line("ALTER USER \(name) VALID UNTIL \(SQL.literal(date));")
        case nil:
            break
        }
        if let limit = r.connectionLimit { w.line("ALTER USER \(name) CONNECTION LIMIT \(limit);") }
        for s in r.settings { w.line("ALTER USER \(name) SET \(setting(s));") }
        w.line("COMMENT ON ROLE \(name) IS \(SQL.literal(r.comment));")
        for g in r.grants { grant(&w, g, to: r) }
        w.comment(r.pgbouncer ? "pgbouncer: listed in its user list" : "pgbouncer: not listed in its user list", marker: "--")
    }

    /// A membership granted or revoked, with its options (`set`/`inherit` need PostgreSQL 16).
    static func grant(_ w: inout LineWriter, _ g: PgRoleGrant, to r: PgRoleSpec) {
        let role = SQL.ident(g.role), member = SQL.ident(r.name)
        if g.revoke {
            w.line("REVOKE \(role) FROM \(member);")
            return
        }
        w.line("GRANT \(role) TO \(member);")
        if let admin = g.admin {
            w.line(admin ? "GRANT \(role) TO \(member) WITH ADMIN \(r.pgVersion >= 16 ? "TRUE" : "OPTION");"
                : "REVOKE ADMIN OPTION FOR \(role) FROM \(member);")
        }
        for (option, value) in [("SET", g.set), ("INHERIT", g.inherit)] {
            guard let value else { continue }
            if r.pgVersion < 16 {
                w.comment("the \(option.lowercased()) option of \(g.role) needs PostgreSQL 16; left out on \(r.pgVersion)", marker: "--")
            } else {
                w.line(value ? "GRANT \(role) TO \(member) WITH \(option) TRUE;" : "REVOKE \(option) OPTION FOR \(role) FROM \(member);")
            }
        }
    }

    /// `"name" = value` of `SET`.
    static func setting(_ s: PgSetting) -> String {
        let value: String
        switch s.value {
        case .reset: value = "DEFAULT"
        case .text(let t): value = SQL.literal(t)
        case .list(let items):
            value = items.isEmpty ? "''" : items.map { item -> String in
                switch item {
                case .verbatim(let t): return t
                case .literal(let t): return SQL.literal(t)
                }
            }.joined(separator: ", ")
        }
        return "\(SQL.ident(s.name)) = \(value)"
    }

    // MARK: schemas and extensions

    static func schema(_ w: inout LineWriter, _ s: PgSchemaItem) {
        if s.drop {
            w.line("DROP SCHEMA IF EXISTS \(SQL.ident(s.name)) CASCADE;")
        } else {
            w.line("CREATE SCHEMA IF NOT EXISTS \(SQL.ident(s.name))\(s.owner.map { " AUTHORIZATION \(SQL.ident($0))" } ?? "");")
        }
    }

    static func extensionItem(_ w: inout LineWriter, _ e: PgExtensionItem) {
        if e.drop {
            w.line("DROP EXTENSION IF EXISTS \(SQL.ident(e.name)) CASCADE;")
        } else {
            let schema = e.schema.map { " WITH SCHEMA \(SQL.ident($0))" } ?? ""
            let version = e.version.map { " VERSION \(SQL.literal($0))" } ?? ""
            w.line("CREATE EXTENSION IF NOT EXISTS \(SQL.ident(e.name))\(schema)\(version) CASCADE;")
        }
    }
}
