import PigstyInventory
import PigstyYAML

/// pgbouncer's settings of one instance, as Pigsty's `pgbouncer_config` task fills its templates
/// (`pgbouncer.ini`, `database.txt`, `useropts.txt`); every value is the text the template prints.
public struct PgbouncerConfig: Sendable, Equatable {
    public let poolMode: String
    public let listenAddress: String
    public let port: String
    /// `<pg_dbsu>, <pg_admin_username>`.
    public let adminUsers: String
    /// `<pg_dbsu>, <pg_monitor_username>`.
    public let statsUsers: String
    /// With `pgbouncer_auth_query`: users missing from userlist.txt are looked up in postgres
    /// through this user (the dbsu); nil without it.
    public let authUser: String?
    public let sslMode: String
    /// `<pgbouncer_log_dir>/pgbouncer.log`.
    public let logFile: String
    /// `pgbouncer_ignore_param|join(', ')`.
    public let ignoreStartupParameters: String
    public let databases: [PgbouncerDatabase]
    public let userOptions: [PgbouncerUserOption]
    /// `userlist.txt`: the users pgbouncer authenticates itself, as Pigsty's `pgbouncer_user` task
    /// adds them with `pgb-user` (the dbsu without a password, the monitor and admin users, and
    /// business users with `pgbouncer: true` unless `pgbouncer_auth_query`), each with what
    /// `pg_authid.rolpassword` holds for it, computed at compile time.
    public let userlist: [PgbouncerUserlistEntry]

    static func lower(_ h: ResolvedHost, listen: String) -> PgbouncerConfig {
        func s(_ n: String) -> String { Jinja.str(h.value(n)) }
        let dbsu = s("pg_dbsu")
        // `x|join(', ')` joins a list's items; a plain string is joined character by character.
        let ignore: String
        if let items = h.value("pgbouncer_ignore_param")?.sequence {
            ignore = items.map { Jinja.str($0) }.joined(separator: ", ")
        } else {
            ignore = s("pgbouncer_ignore_param").map(String.init).joined(separator: ", ")
        }
        return PgbouncerConfig(
            poolMode: s("pgbouncer_poolmode"), listenAddress: listen, port: s("pgbouncer_port"),
            adminUsers: "\(dbsu), \(s("pg_admin_username"))", statsUsers: "\(dbsu), \(s("pg_monitor_username"))",
            authUser: Jinja.bool(h.value("pgbouncer_auth_query")) ? dbsu : nil,
            sslMode: s("pgbouncer_sslmode"), logFile: s("pgbouncer_log_dir") + "/pgbouncer.log",
            ignoreStartupParameters: ignore, databases: databases(h), userOptions: userOptions(h),
            userlist: userlist(h))
    }

    /// Pigsty's order of `pgb-user` calls; a user added twice keeps its last entry (`pgb-user`
    /// deletes the old line first).
    static func userlist(_ h: ResolvedHost) -> [PgbouncerUserlistEntry] {
        let scram = PgInitScripts.usesScram(h)
        func stored(_ name: String, _ password: String?) -> String {
            guard let p = password, !p.isEmpty else { return "" }
            if scram { return PgScram.verifier(password: p, role: name) ?? p }
            return PgScram.md5Verifier(password: p, role: name)
        }
        func text(_ key: String) -> String { Jinja.str(h.value(key)) }
        var entries: [PgbouncerUserlistEntry] = [PgbouncerUserlistEntry(name: text("pg_dbsu"), secret: "")]
        entries.append(PgbouncerUserlistEntry(name: text("pg_monitor_username"), secret: stored(text("pg_monitor_username"), text("pg_monitor_password"))))
        entries.append(PgbouncerUserlistEntry(name: text("pg_admin_username"), secret: stored(text("pg_admin_username"), text("pg_admin_password"))))
        if !Jinja.bool(h.value("pgbouncer_auth_query")) {
            for user in h.value("pg_users")?.sequence ?? [] {
                guard user.mapping != nil, let name = user["name"], isPresent(user),
                      let flag = user["pgbouncer"], Jinja.bool(flag) else { continue }
                let n = Jinja.str(name)
                let password = user["password"].flatMap { $0.isNull ? nil : Jinja.str($0) }
                entries.append(PgbouncerUserlistEntry(name: n, secret: stored(n, password)))
            }
        }
        var seen = Set<String>()
        return entries.reversed().filter { seen.insert($0.name).inserted }.reversed()
    }

    /// Whether `key` is present in a mapping (`'key' in db`), whatever its value.
    private static func has(_ item: YAMLNode, _ key: String) -> Bool { item.pair(key) != nil }

    /// `state` is not `absent` (an unset or null state counts as present).
    private static func isPresent(_ item: YAMLNode) -> Bool {
        guard let state = item["state"] else { return true }
        return state.string != "absent"
    }

    /// The databases of `pg_databases` that pgbouncer serves: not `pgbouncer: false`, not
    /// `state: absent`; the pool fields each only when the key is given.
    static func databases(_ h: ResolvedHost) -> [PgbouncerDatabase] {
        var host = Jinja.str(h.value("pg_localhost"))
        if let redirect = h.value("pgbouncer_redirect_to"), redirect.string != "" {
            host = Jinja.str(redirect)
        }
        var out: [PgbouncerDatabase] = []
        for db in h.value("pg_databases")?.sequence ?? [] {
            guard db.mapping != nil, let name = db["name"] else { continue }
            if let pgb = db["pgbouncer"], !Jinja.bool(pgb, default: true) { continue }
            guard isPresent(db) else { continue }
            var options: [PgbouncerOption] = []
            for (key, option) in [("pool_auth_user", "auth_user"), ("pool_mode", "pool_mode"), ("pool_size", "pool_size"),
                                  ("pool_size_min", "min_pool_size"), ("pool_reserve", "reserve_pool"),
                                  ("pool_connlimit", "max_db_connections")] where has(db, key) {
                options.append(PgbouncerOption(name: option, value: Jinja.str(db[key])))
            }
            out.append(PgbouncerDatabase(name: Jinja.str(name), host: host, options: options))
        }
        return out
    }

    /// The roles of `pg_default_roles + pg_users` (not absent) with `pool_mode` or `pool_connlimit`.
    static func userOptions(_ h: ResolvedHost) -> [PgbouncerUserOption] {
        let users = (h.value("pg_default_roles")?.sequence ?? []) + (h.value("pg_users")?.sequence ?? [])
        return users.compactMap { user in
            guard user.mapping != nil, let name = user["name"], isPresent(user),
                  has(user, "pool_mode") || has(user, "pool_connlimit") else { return nil }
            return PgbouncerUserOption(name: Jinja.str(name),
                                       poolMode: has(user, "pool_mode") ? Jinja.str(user["pool_mode"]) : nil,
                                       maxUserConnections: has(user, "pool_connlimit") ? Jinja.str(user["pool_connlimit"]) : nil)
        }
    }
}

/// One line of pgbouncer's `userlist.txt`: a user and its password verifier (SCRAM-SHA-256 or MD5,
/// as PostgreSQL stores it; empty for none; the password itself where no verifier can be computed).
public struct PgbouncerUserlistEntry: Sendable, Equatable {
    public let name: String
    public let secret: String
}

/// `option=value` of a database's connection string.
public struct PgbouncerOption: Sendable, Equatable {
    public let name: String
    public let value: String
}

/// A line of `database.txt`: `<name> = host=<host> [option=value…]`.
public struct PgbouncerDatabase: Sendable, Equatable {
    public let name: String
    /// `pg_localhost`, or `pgbouncer_redirect_to` when that is set and not empty.
    public let host: String
    public let options: [PgbouncerOption]

    /// The connection string: `host=<host>` then each option.
    public var connection: String {
        options.reduce("host=\(host)") { $0 + " \($1.name)=\($1.value)" }
    }
}

/// A line of `useropts.txt`.
public struct PgbouncerUserOption: Sendable, Equatable {
    public let name: String
    public let poolMode: String?
    public let maxUserConnections: String?

    /// `pool_mode=… max_user_connections=…`: the template always separates the two with one space,
    /// even when one is missing.
    public var text: String {
        (poolMode.map { "pool_mode=\($0)" } ?? "") + " " + (maxUserConnections.map { "max_user_connections=\($0)" } ?? "")
    }
}
