import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// pgbouncer: `/etc/pgbouncer/{pgbouncer.ini,database.txt,useropts.txt}` on every pg instance with
/// `pgbouncer_enabled`, as Pigsty's `pgbouncer_config` task writes them, and `userlist.txt`, which
/// Pigsty fills on the running node from `pg_authid` (`pgb-user`): pigstyc writes the same
/// verifiers, computed at compile time as the SQL scripts set them. Renders `graph.pgsql`'s
/// `PgbouncerConfig` through `INIWriter`.
struct PgbouncerBackend: Backend {
    let name = "pgbouncer"
    static let pgbouncerApply = ApplyClass.in(.pgbouncer, .reload("pgbouncer"))
    /// Pigsty's templates pad keys with `"%-27s"`.
    static let keyWidth = 27

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgsql.instances {
            guard let c = ins.pgbouncer else { continue }
            let producer = "\(name):\(ins.name)"
            let apply = Self.pgbouncerApply
            tree.add(GeneratedFile(path: "/etc/pgbouncer/pgbouncer.ini",
                                   content: Header.hash("pgbouncer configuration of \(ins.name)", node: ins.ip)
                                       + Self.ini(c),
                                   owner: ins.fileOwner, group: "postgres", mode: 0o640, producer: producer, apply: apply), on: ins.ip)
            tree.add(GeneratedFile(path: "/etc/pgbouncer/database.txt",
                                   content: Header.hash("pgbouncer databases of \(ins.name)", node: ins.ip)
                                       + Self.databases(c),
                                   owner: ins.fileOwner, group: "postgres", mode: 0o600, producer: producer, apply: apply), on: ins.ip)
            tree.add(GeneratedFile(path: "/etc/pgbouncer/useropts.txt",
                                   content: Header.hash("pgbouncer user options of \(ins.name)", node: ins.ip)
                                       + Self.userOptions(c),
                                   owner: ins.fileOwner, group: "postgres", mode: 0o600, producer: producer, apply: apply), on: ins.ip)
            tree.add(GeneratedFile(path: "/etc/pgbouncer/userlist.txt",
                                   content: Self.userlist(c.userlist),
                                   owner: ins.fileOwner, group: "postgres", mode: 0o600, producer: producer, apply: apply,
                                   secrets: c.userlist.map(\.secret).filter { !$0.isEmpty }), on: ins.ip)
        }
    }

    /// `"user" "verifier"` lines; a `"` inside a field is doubled, as pgbouncer reads the file.
    /// No header: pgbouncer refuses an auth file with a comment line ("broken auth file").
    static func userlist(_ entries: [PgbouncerUserlistEntry]) -> String {
        func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
        return entries.map { quoted($0.name) + " " + quoted($0.secret) + "\n" }.joined()
    }

    static func ini(_ c: PgbouncerConfig) -> String {
        var w = INIWriter(keyWidth: keyWidth, capacity: 2048)
        w.blank()
        w.section("users")
        w.include("/etc/pgbouncer/useropts.txt")
        w.blank()
        w.section("databases")
        w.include("/etc/pgbouncer/database.txt")
        w.blank()
        w.section("pgbouncer")
        w.set("pool_mode", c.poolMode)
        w.set("listen_addr", c.listenAddress)
        w.set("listen_port", c.port)
        w.set("admin_users", c.adminUsers)
        w.set("stats_users", c.statsUsers)
        w.blank()
        w.comment("authentication (pgb_hba.conf) and client TLS")
        w.set("auth_type", "hba")
        w.set("auth_file", "/etc/pgbouncer/userlist.txt")
        w.set("auth_hba_file", "/etc/pgbouncer/pgb_hba.conf")
        if let user = c.authUser {
            w.set("auth_user", user)
            w.set("auth_query", "SELECT username, password FROM monitor.pgbouncer_auth($1)")
        }
        w.blank()
        w.set("client_tls_sslmode", c.sslMode)
        w.set("client_tls_cert_file", "/pg/cert/server.crt")
        w.set("client_tls_key_file", "/pg/cert/server.key")
        w.set("client_tls_ca_file", "/pg/cert/ca.crt")
        w.set("server_reset_query", "DISCARD ALL")
        w.set("server_reset_query_always", "0")
        w.set("unix_socket_dir", "/run/postgresql")
        w.set("pidfile", "/run/postgresql/pgbouncer.pid")
        w.set("logfile", c.logFile)
        w.set("application_name_add_host", "0")
        w.set("max_client_conn", "20000")
        w.set("min_pool_size", "0")
        w.set("default_pool_size", "50")
        w.set("reserve_pool_size", "30")
        w.set("reserve_pool_timeout", "1")
        w.set("server_lifetime", "600")
        w.set("max_db_connections", "100")
        w.set("max_user_connections", "100")
        w.set("server_round_robin", "0")
        w.set("log_connections", "0")
        w.set("log_disconnections", "0")
        w.set("ignore_startup_parameters", c.ignoreStartupParameters)
        w.set("max_prepared_statements", "256")
        return w.text
    }

    /// One line per database pgbouncer serves: `<name> = host=… [option=value…]`.
    static func databases(_ c: PgbouncerConfig) -> String {
        var w = INIWriter(keyWidth: keyWidth)
        for db in c.databases { w.set(db.name, db.connection) }
        return w.text
    }

    /// One line per role with pool options.
    static func userOptions(_ c: PgbouncerConfig) -> String {
        var w = INIWriter(keyWidth: keyWidth)
        for user in c.userOptions { w.set(user.name, user.text) }
        return w.text
    }
}
