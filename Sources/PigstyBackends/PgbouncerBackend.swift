import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// pgbouncer: `/etc/pgbouncer/{pgbouncer.ini,database.txt,useropts.txt}` on every pg instance with
/// `pgbouncer_enabled`, as Pigsty's `pgbouncer_config` task writes them. `userlist.txt` is not
/// generated: it holds password hashes read from a running PostgreSQL.
struct PgbouncerBackend: Backend {
    let name = "pgbouncer"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgInstances {
            let h = ins.host
            guard Jinja.bool(h.value("pgbouncer_enabled"), default: true) else { continue }
            let dbsu = h.string("pg_dbsu") ?? "postgres"
            let producer = "\(name):\(ins.name)"
            let inventory = graph.inventoryName
            tree.add(GeneratedFile(path: "/etc/pgbouncer/pgbouncer.ini",
                                   content: Header.hash("pgbouncer configuration of \(ins.name)", node: ins.ip, inventory: inventory)
                                       + Self.ini(h, ip: ins.ip),
                                   owner: dbsu, group: "postgres", mode: 0o640, producer: producer), on: ins.ip)
            tree.add(GeneratedFile(path: "/etc/pgbouncer/database.txt",
                                   content: Header.hash("pgbouncer databases of \(ins.name)", node: ins.ip, inventory: inventory)
                                       + Self.databases(h),
                                   owner: dbsu, group: "postgres", mode: 0o600, producer: producer), on: ins.ip)
            tree.add(GeneratedFile(path: "/etc/pgbouncer/useropts.txt",
                                   content: Header.hash("pgbouncer user options of \(ins.name)", node: ins.ip, inventory: inventory)
                                       + Self.userOptions(h),
                                   owner: dbsu, group: "postgres", mode: 0o600, producer: producer), on: ins.ip)
        }
    }

    /// `pg_listen` with `${ip}` → the host, `${lo}` → 127.0.0.1 and, only with an enabled VIP given as
    /// `<ip>/<mask>` outside 127.0.0.x, `${vip}` → the VIP's address (otherwise `${vip}` stays).
    static func listenAddress(_ h: ResolvedHost, ip: String) -> String {
        var listen = text(h, "pg_listen", "0.0.0.0")
        listen = listen.replacingOccurrences(of: "${ip}", with: ip).replacingOccurrences(of: "${lo}", with: "127.0.0.1")
        let vip = Jinja.str(h.value("pg_vip_address"))
        if Jinja.bool(h.value("pg_vip_enabled"), default: false), !vip.hasPrefix("127.0.0"), vip.contains("/") {
            listen = listen.replacingOccurrences(of: "${vip}", with: String(vip.split(separator: "/", omittingEmptySubsequences: false)[0]))
        }
        return listen
    }

    /// A variable as `{{ x }}` prints it, `fallback` when it is undefined.
    private static func text(_ h: ResolvedHost, _ name: String, _ fallback: String) -> String {
        guard let v = h.value(name) else { return fallback }
        return Jinja.str(v)
    }

    private static func setting(_ key: String, _ value: String) -> String {
        Jinja.pad(key, 27) + " = " + value + "\n"
    }

    static func ini(_ h: ResolvedHost, ip: String) -> String {
        let dbsu = text(h, "pg_dbsu", "postgres")
        // `x|join(', ')` joins a list's items; a plain string is joined character by character.
        let ignore: String
        if let items = h.value("pgbouncer_ignore_param")?.sequence {
            ignore = items.map { Jinja.str($0) }.joined(separator: ", ")
        } else {
            ignore = text(h, "pgbouncer_ignore_param", "").map(String.init).joined(separator: ", ")
        }
        var out = "\n[users]\n%include /etc/pgbouncer/useropts.txt\n\n[databases]\n%include /etc/pgbouncer/database.txt\n\n[pgbouncer]\n"
        out += setting("pool_mode", text(h, "pgbouncer_poolmode", "transaction"))
        out += setting("listen_addr", listenAddress(h, ip: ip))
        out += setting("listen_port", text(h, "pgbouncer_port", "6432"))
        out += setting("admin_users", "\(dbsu), \(text(h, "pg_admin_username", "dbuser_dba"))")
        out += setting("stats_users", "\(dbsu), \(text(h, "pg_monitor_username", "dbuser_monitor"))")
        out += "\n# authentication (pgb_hba.conf) and client TLS\n"
        out += setting("auth_type", "hba")
        out += setting("auth_file", "/etc/pgbouncer/userlist.txt")
        out += setting("auth_hba_file", "/etc/pgbouncer/pgb_hba.conf")
        if Jinja.bool(h.value("pgbouncer_auth_query"), default: false) {
            // Users missing from userlist.txt are looked up in postgres through the dbsu.
            out += setting("auth_user", text(h, "pg_dbsu", "postgres"))
            out += setting("auth_query", "SELECT username, password FROM monitor.pgbouncer_auth($1)")
        }
        out += "\n"
        out += setting("client_tls_sslmode", text(h, "pgbouncer_sslmode", "disable"))
        out += setting("client_tls_cert_file", "/pg/cert/server.crt")
        out += setting("client_tls_key_file", "/pg/cert/server.key")
        out += setting("client_tls_ca_file", "/pg/cert/ca.crt")
        out += setting("server_reset_query", "DISCARD ALL")
        out += setting("server_reset_query_always", "0")
        out += setting("unix_socket_dir", "/run/postgresql")
        out += setting("pidfile", "/run/postgresql/pgbouncer.pid")
        out += setting("logfile", text(h, "pgbouncer_log_dir", "/pg/log/pgbouncer") + "/pgbouncer.log")
        out += setting("application_name_add_host", "0")
        out += setting("max_client_conn", "20000")
        out += setting("min_pool_size", "0")
        out += setting("default_pool_size", "50")
        out += setting("reserve_pool_size", "30")
        out += setting("reserve_pool_timeout", "1")
        out += setting("server_lifetime", "600")
        out += setting("max_db_connections", "100")
        out += setting("max_user_connections", "100")
        out += setting("server_round_robin", "0")
        out += setting("log_connections", "0")
        out += setting("log_disconnections", "0")
        out += setting("ignore_startup_parameters", ignore)
        out += setting("max_prepared_statements", "256")
        return out
    }

    /// Whether `key` is present in a mapping (`'key' in db`), whatever its value.
    private static func has(_ item: YAMLNode, _ key: String) -> Bool { item.pair(key) != nil }

    /// `state` is not `absent` (an unset or null state counts as present).
    private static func isPresent(_ item: YAMLNode) -> Bool {
        guard let state = item["state"] else { return true }
        return state.string != "absent"
    }

    /// One line per database of `pg_databases` that pgbouncer serves: not `pgbouncer: false`, not
    /// `state: absent`; the pool fields each only when the key is given.
    static func databases(_ h: ResolvedHost) -> String {
        var host = text(h, "pg_localhost", "/var/run/postgresql")
        if let redirect = h.value("pgbouncer_redirect_to"), redirect.string != "" {
            host = Jinja.str(redirect)
        }
        var out = ""
        for db in h.value("pg_databases")?.sequence ?? [] {
            guard db.mapping != nil, let name = db["name"] else { continue }
            if let pgb = db["pgbouncer"], !Jinja.bool(pgb, default: true) { continue }
            guard isPresent(db) else { continue }
            var conn = "host=\(host)"
            for (key, option) in [("pool_auth_user", "auth_user"), ("pool_mode", "pool_mode"), ("pool_size", "pool_size"),
                                  ("pool_size_min", "min_pool_size"), ("pool_reserve", "reserve_pool"),
                                  ("pool_connlimit", "max_db_connections")] where has(db, key) {
                conn += " \(option)=\(Jinja.str(db[key]))"
            }
            out += Jinja.pad(Jinja.str(name), 27) + " = " + conn + "\n"
        }
        return out
    }

    /// One line per role of `pg_default_roles + pg_users` (not absent) with `pool_mode` or
    /// `pool_connlimit`. The two options are always separated by one space, even when one is missing.
    static func userOptions(_ h: ResolvedHost) -> String {
        let users = (h.value("pg_default_roles")?.sequence ?? []) + (h.value("pg_users")?.sequence ?? [])
        var out = ""
        for user in users {
            guard user.mapping != nil, let name = user["name"], isPresent(user),
                  has(user, "pool_mode") || has(user, "pool_connlimit") else { continue }
            let mode = has(user, "pool_mode") ? "pool_mode=\(Jinja.str(user["pool_mode"]))" : ""
            let limit = has(user, "pool_connlimit") ? "max_user_connections=\(Jinja.str(user["pool_connlimit"]))" : ""
            out += Jinja.pad(Jinja.str(name), 27) + " = " + mode + " " + limit + "\n"
        }
        return out
    }
}
