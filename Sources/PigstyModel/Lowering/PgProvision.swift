import PigstyInventory
import PigstyYAML

/// What Pigsty provisions inside PostgreSQL on a cluster's primary: the default roles and the
/// template databases once after bootstrap (`/pg/bin/pg-init` with `pg-init-roles.sql` and
/// `pg-init-template.sql`, with `patroni_enabled`), then each business user and database of
/// `pg_users` and `pg_databases` (`pg-user-<name>.sql`, `pg-db-<name>.sql`, with `pg_provision`).
/// Only primaries (`pg_role: primary`) get these files, as only there Pigsty renders them.
public struct PgProvisionModel: Sendable {
    /// One entry per primary instance, in `graph.pgInstances` order.
    public let instances: [PgProvisionFiles]

    init(instances: [PgProvisionFiles] = []) { self.instances = instances }

    static func lower(_ graph: ResourceGraph) -> PgProvisionModel {
        PgProvisionModel(instances: graph.pgInstances.filter(\.isPrimary).map { PgProvisionFiles.lower($0) })
    }
}

/// The provisioning files of one primary.
public struct PgProvisionFiles: Sendable {
    public let ip: String
    /// `<pg_cluster>-<pg_seq>`.
    public let instance: String
    public let cluster: String
    /// `pg_port` as the templates print it.
    public let port: String
    /// `pg_dbsu` (`postgres` when empty): owner of the files.
    public let dbsu: String
    /// `pg-init` and its two scripts; nil without `patroni_enabled` (Pigsty renders them while
    /// launching Patroni).
    public let initScripts: PgInitScripts?
    /// `pg_users` with no `state` or `state: create` (each gets `pg-user-<name>.sql`); empty
    /// without `pg_provision`.
    public let users: [PgRoleSpec]
    /// `pg_users` with `state: absent`: dropped (the system users are never dropped).
    public let droppedUsers: [String]
    /// `pg_databases` with no `state` or `state: create`/`recreate` (each gets `pg-db-<name>.sql`).
    public let databases: [PgDatabaseSpec]
    /// `pg_databases` with `state: absent` (not `postgres`, `template0`, `template1`): dropped.
    public let droppedDatabases: [String]
    /// How `pg-provision` reaches the server: `pg_bin_dir`, `pg_localhost`.
    public let binDir: String
    public let socketDir: String
    /// `pg_admin_username`, `pg_replication_username`, `pg_monitor_username`.
    public let system: PgSystemUsers
    /// `pg_version|int` (18 when unset).
    public let pgVersion: Int
    /// `pg_default_privileges`, for the databases' owners (checked clauses only, PGS0413).
    public let defaultPrivileges: [String]
    /// Whether `pg_default_privileges` is a non-empty list (else the databases' owners get
    /// Pigsty's built-in default privileges).
    public let hasDefaultPrivileges: Bool

    static func lower(_ ins: PgInstanceResource) -> PgProvisionFiles {
        let h = ins.host
        let version = h.value("pg_version").map { Jinja.int($0) } ?? 18
        let system = PgSystemUsers(
            admin: Jinja.text(h.value("pg_admin_username")), replication: Jinja.text(h.value("pg_replication_username")),
            monitor: Jinja.text(h.value("pg_monitor_username")))
        let provision = Jinja.bool(h.value("pg_provision"), default: true)
        let scram = PgInitScripts.usesScram(h)
        var users: [PgRoleSpec] = []
        var dropped: [String] = []
        var databases: [PgDatabaseSpec] = []
        var droppedDBs: [String] = []
        if provision {
            let protected: Set<String> = ["postgres", system.replication, system.admin, system.monitor]
            for u in h.value("pg_users")?.sequence ?? [] where u.mapping != nil && u["name"] != nil {
                let state = u["state"].map { Jinja.str($0) }
                if state == nil || state == "create" {
                    users.append(PgRoleSpec.lower(u, pgVersion: version, scram: scram))
                } else if state == "absent", !protected.contains(Jinja.str(u["name"])) {
                    dropped.append(Jinja.str(u["name"]))
                }
            }
            for d in h.value("pg_databases")?.sequence ?? [] where d.mapping != nil && d["name"] != nil {
                let state = d["state"].map { Jinja.str($0) }
                let name = Jinja.str(d["name"])
                if state == nil || state == "create" || state == "recreate" {
                    databases.append(PgDatabaseSpec.lower(d, pgVersion: version))
                } else if state == "absent", !["postgres", "template0", "template1"].contains(name) {
                    droppedDBs.append(name)
                }
            }
        }
        let privileges = h.value("pg_default_privileges")
        let clauses = (privileges?.sequence ?? []).map { Jinja.str($0) }
        return PgProvisionFiles(
            ip: ins.ip, instance: ins.name, cluster: ins.cluster, port: Jinja.text(h.value("pg_port")),
            dbsu: h.string("pg_dbsu") ?? "postgres",
            initScripts: ins.patroniEnabled ? PgInitScripts.lower(ins, system: system, version: version) : nil,
            users: users, droppedUsers: dropped, databases: databases, droppedDatabases: droppedDBs,
            binDir: Jinja.text(h.value("pg_bin_dir")), socketDir: Jinja.text(h.value("pg_localhost")),
            system: system, pgVersion: version,
            defaultPrivileges: clauses.filter(PgDefaultPrivilege.isClause),
            hasDefaultPrivileges: privileges?.sequence.map { !$0.isEmpty } ?? Jinja.truthy(privileges))
    }
}

/// The three system users every template and script refers to.
public struct PgSystemUsers: Sendable, Equatable {
    public let admin: String
    public let replication: String
    public let monitor: String
}

/// `pg-init`, `pg-init-roles.sql` and `pg-init-template.sql` of a primary.
public struct PgInitScripts: Sendable {
    /// `pg_bin_dir`, `pg_localhost`, `pg_port`: where `pg-init` runs psql.
    public let binDir: String
    public let socketDir: String
    public let port: String
    /// `patroni_port` (named in the header and the `monitor.patroni_info` URL).
    public let patroniPort: String
    public let patroniSSL: Bool
    /// Databases the template script also runs in, besides `template1` and `postgres`:
    /// `pg_primary_db` in citus mode (when not `postgres`), `ivorysql` in ivory mode.
    public let extraDatabases: [String]
    /// `pg_default_roles`, every entry (Pigsty creates or alters each; none is dropped).
    public let roles: [PgRoleSpec]
    /// The passwords set last: replication, monitor, admin (`pg_*_password`), each as given and
    /// as stored (see `PgRoleSpec.storedPassword`).
    public let passwords: [(user: String, password: String, stored: String)]
    public let system: PgSystemUsers
    /// `pg_dbsu`, written bare in `FOR ROLE` as Pigsty does (quoted when it needs quotes).
    public let dbsu: String
    /// `pg_default_privileges` clauses that passed the check (PGS0413).
    public let defaultPrivileges: [String]
    public let schemas: [PgSchemaItem]
    public let extensions: [PgExtensionItem]
    public let pgVersion: Int
    /// `pgbouncer_enabled`: the template creates `monitor.pgbouncer_auth`.
    public let pgbouncer: Bool

    /// `pg_pwd_enc: scram-sha-256` (anything but `md5`, as the HBA lowering reads it).
    static func usesScram(_ h: ResolvedHost) -> Bool {
        if case .string("md5")? = h.value("pg_pwd_enc")?.value { return false }
        return true
    }

    static func lower(_ ins: PgInstanceResource, system: PgSystemUsers, version: Int) -> PgInitScripts {
        let h = ins.host
        var extra: [String] = []
        let mode = Jinja.text(h.value("pg_mode"))
        let primaryDB = Jinja.text(h.value("pg_primary_db"))
        if mode == "citus", primaryDB != "postgres" { extra.append(primaryDB) }
        if mode == "ivory" { extra.append("ivorysql") }
        let scram = usesScram(h)
        return PgInitScripts(
            binDir: Jinja.text(h.value("pg_bin_dir")), socketDir: Jinja.text(h.value("pg_localhost")),
            port: Jinja.text(h.value("pg_port")), patroniPort: Jinja.text(h.value("patroni_port")),
            patroniSSL: Jinja.bool(h.value("patroni_ssl_enabled")), extraDatabases: extra,
            roles: (h.value("pg_default_roles")?.sequence ?? []).filter { $0.mapping != nil && $0["name"] != nil }
                .map { PgRoleSpec.lower($0, pgVersion: version, scram: scram) },
            passwords: [(system.replication, "pg_replication_password"), (system.monitor, "pg_monitor_password"),
                        (system.admin, "pg_admin_password")].map { user, key in
                let p = Jinja.text(h.value(key))
                return (user, p, scram ? PgScram.verifier(password: p, role: user) ?? p : p)
            },
            system: system, dbsu: Jinja.text(h.value("pg_dbsu")),
            defaultPrivileges: (h.value("pg_default_privileges")?.sequence ?? []).map { Jinja.str($0) }.filter(PgDefaultPrivilege.isClause),
            schemas: (h.value("pg_default_schemas")?.sequence ?? []).compactMap(PgSchemaItem.lower),
            extensions: (h.value("pg_default_extensions")?.sequence ?? []).compactMap(PgExtensionItem.lower),
            pgVersion: version, pgbouncer: Jinja.bool(h.value("pgbouncer_enabled"), default: true))
    }
}

/// A role attribute that `CREATE USER` / `ALTER USER` set on or off (`LOGIN` / `NOLOGIN`).
public enum PgRoleAttribute: String, Sendable, CaseIterable {
    case login, superuser, createdb, createrole, inherit, replication, bypassrls

    /// The keyword that turns it on (`NO` + it turns it off).
    public var keyword: String { rawValue.uppercased() }
}

/// When a role's password expires.
public enum PgRoleExpiry: Sendable, Equatable {
    /// `expire_in`: this many days after the script runs (computed by the server, not at compile time).
    case inDays(Int)
    /// `expire_at`: a date (`YYYY-MM-DD`) or `infinity`.
    case at(String)
}

/// A setting of `ALTER USER|DATABASE … SET name = value`.
public struct PgSetting: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        /// `= DEFAULT` (the value's text is `default` in any case).
        case reset
        /// A list parameter (`search_path`, …): its items, each a bare word, a quoted identifier
        /// as written, or (anything else) a string constant.
        case list([PgListItem])
        /// A string constant.
        case text(String)
    }

    public let name: String
    public let value: Value

    /// Lists of `ALTER USER … SET` (Pigsty's); `ALTER DATABASE` adds `log_destination`.
    static let userLists: Set<String> = ["search_path", "temp_tablespaces", "local_preload_libraries", "session_preload_libraries"]

    static func lower(_ parameters: YAMLNode?, lists: Set<String>) -> [PgSetting] {
        (parameters?.mapping ?? []).compactMap { p in
            guard !p.value.isNull else { return nil }
            let name = Jinja.str(p.key)
            let text = Jinja.str(p.value)
            if text.uppercased() == "DEFAULT" { return PgSetting(name: name, value: .reset) }
            if lists.contains(name) {
                let items = p.value.sequence?.map { Jinja.str($0) } ?? PgListItem.split(text)
                return PgSetting(name: name, value: .list(items.map(PgListItem.init)))
            }
            return PgSetting(name: name, value: .text(text))
        }
    }
}

/// An item of a list setting.
public enum PgListItem: Sendable, Equatable {
    /// Written as given: a plain word (PostgreSQL folds its case) or a well-formed `"…"` identifier.
    case verbatim(String)
    /// Anything else, as a string constant.
    case literal(String)

    init(_ s: String) {
        let t = Jinja.strip(s)
        self = Self.isWord(t) || Self.isQuotedIdentifier(t) ? .verbatim(t) : .literal(t)
    }

    /// Items of a comma-separated list: commas inside `"…"` do not split.
    static func split(_ s: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false
        for ch in s {
            if ch == "\"" { quoted.toggle() }
            if ch == ",", !quoted {
                items.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        items.append(current)
        return items.map(Jinja.strip).filter { !$0.isEmpty }
    }

    static func isWord(_ s: String) -> Bool {
        guard let f = s.unicodeScalars.first, f == "_" || (f.value < 128 && f.properties.isAlphabetic) else { return false }
        return s.unicodeScalars.allSatisfy { $0 == "_" || $0 == "$" || ($0.value < 128 && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
            && !["default", "null", "true", "false", "on", "off"].contains(s.lowercased())
    }

    static func isQuotedIdentifier(_ s: String) -> Bool {
        guard s.count >= 3, s.hasPrefix("\""), s.hasSuffix("\"") else { return false }
        let inner = s.dropFirst().dropLast()
        guard !inner.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return false }
        return inner.replacingOccurrences(of: "\"\"", with: "").contains("\"") == false
    }
}

/// A membership of `roles`: a role granted to (or, with `state: revoke|absent`, revoked from) the user.
public struct PgRoleGrant: Sendable, Equatable {
    public let role: String
    public let revoke: Bool
    /// `admin`, `set`, `inherit` options: true grants, false revokes, nil leaves them.
    public let admin: Bool?
    public let set: Bool?
    public let inherit: Bool?
}

/// A role of `pg_default_roles` or `pg_users` as Pigsty's templates read it.
public struct PgRoleSpec: Sendable {
    public let name: String
    /// The attributes given (and not null), in Pigsty's order, each on or off (Python truthiness).
    public let attributes: [(PgRoleAttribute, Bool)]
    /// `password` as given (a secret of the file).
    public let password: String?
    /// What `ALTER USER … PASSWORD` sets: with `pg_pwd_enc: scram-sha-256` the SCRAM verifier
    /// computed at compile time (`PgScram`), else (or when no verifier can be computed) `password`.
    public let storedPassword: String?
    public let expiry: PgRoleExpiry?
    /// `connlimit|int`.
    public let connectionLimit: Int?
    public let settings: [PgSetting]
    /// `comment`, else `business user <name>`.
    public let comment: String
    public let grants: [PgRoleGrant]
    /// `pgbouncer|bool`: the user is added to pgbouncer's user list.
    public let pgbouncer: Bool
    /// `pg_version|int` of the cluster: membership options `set`/`inherit` need 16.
    public let pgVersion: Int

    static func lower(_ u: YAMLNode, pgVersion: Int, scram: Bool) -> PgRoleSpec {
        func given(_ key: String) -> YAMLNode? { u[key].flatMap { $0.isNull ? nil : $0 } }
        let name = Jinja.str(u["name"])
        let attributes = PgRoleAttribute.allCases.compactMap { a in given(a.rawValue).map { (a, Jinja.truthy($0)) } }
        var expiry: PgRoleExpiry?
        if let days = given("expire_in") {
            expiry = .inDays(Jinja.int(days))
        } else if let at = given("expire_at") {
            expiry = .at(Jinja.str(at))
        }
        let grants: [PgRoleGrant] = (u["roles"]?.sequence ?? []).compactMap { r in
            guard r.mapping != nil else { return r.isNull ? nil : PgRoleGrant(role: Jinja.str(r), revoke: false, admin: nil, set: nil, inherit: nil) }
            guard let n = r["name"] else { return nil }
            func option(_ key: String) -> Bool? { r[key].flatMap { $0.isNull ? nil : Jinja.truthy($0) } }
            let state = r["state"].map { Jinja.str($0) } ?? "grant"
            return PgRoleGrant(role: Jinja.str(n), revoke: state == "revoke" || state == "absent",
                               admin: option("admin"), set: option("set"), inherit: option("inherit"))
        }
        let password = given("password").map { Jinja.str($0) }
        return PgRoleSpec(
            name: name, attributes: attributes, password: password,
            storedPassword: password.map { p in scram ? PgScram.verifier(password: p, role: name) ?? p : p }, expiry: expiry,
            connectionLimit: given("connlimit").map { Jinja.int($0) },
            settings: PgSetting.lower(u["parameters"], lists: PgSetting.userLists),
            comment: given("comment").map { Jinja.str($0) } ?? "business user \(name)",
            grants: grants, pgbouncer: u["pgbouncer"].map { Jinja.bool($0) } ?? false, pgVersion: pgVersion)
    }
}

/// A schema of `pg_default_schemas` or a database's `schemas`.
public struct PgSchemaItem: Sendable, Equatable {
    public let name: String
    /// `state: absent`: dropped with everything in it.
    public let drop: Bool
    public let owner: String?

    static func lower(_ node: YAMLNode) -> PgSchemaItem? {
        if node.mapping == nil {
            guard case .string(let s)? = node.value else { return nil }
            return PgSchemaItem(name: s, drop: false, owner: nil)
        }
        guard let n = node["name"] else { return nil }
        let owner = node["owner"].flatMap { $0.isNull || Jinja.isEmptyString($0) ? nil : Jinja.str($0) }
        return PgSchemaItem(name: Jinja.str(n), drop: node["state"].map { Jinja.str($0) } == "absent", owner: owner)
    }
}

/// An extension of `pg_default_extensions` or a database's `extensions`.
public struct PgExtensionItem: Sendable, Equatable {
    public let name: String
    public let drop: Bool
    public let schema: String?
    public let version: String?

    static func lower(_ node: YAMLNode) -> PgExtensionItem? {
        if node.mapping == nil {
            guard case .string(let s)? = node.value else { return nil }
            return PgExtensionItem(name: s, drop: false, schema: nil, version: nil)
        }
        guard let n = node["name"] else { return nil }
        return PgExtensionItem(name: Jinja.str(n), drop: node["state"].map { Jinja.str($0) } == "absent",
                               schema: node.pair("schema").map { Jinja.str($0.value) },
                               version: node.pair("version").map { Jinja.str($0.value) })
    }
}

/// A database of `pg_databases` as Pigsty's database tasks and template read it.
public struct PgDatabaseSpec: Sendable {
    public let name: String
    /// Each creation option given as a non-empty value (`owner`, `template`, …), nil otherwise.
    public let owner: String?
    public let template: String?
    public let encoding: String?
    public let locale: String?
    public let lcCollate: String?
    public let lcCtype: String?
    public let tablespace: String?
    /// `is_template` given and not null, as a boolean.
    public let isTemplate: Bool?
    /// `strategy` (PostgreSQL 15+), upper case.
    public let strategy: String?
    public let localeProvider: String?
    public let icuLocale: String?
    public let icuRules: String?
    public let builtinLocale: String?
    public let allowConnections: Bool?
    public let connectionLimit: Int?
    /// `revokeconn`: true revokes `CONNECT` from PUBLIC, false grants it back, nil leaves it.
    public let revokeConnect: Bool?
    public let settings: [PgSetting]
    /// `comment`, else `business database <name>`.
    public let comment: String
    public let schemas: [PgSchemaItem]
    public let extensions: [PgExtensionItem]
    /// Not `pgbouncer: false`.
    public let pgbouncer: Bool
    /// `state: recreate`: dropped and created again on every provisioning run.
    public let recreate: Bool

    static let lists: Set<String> = PgSetting.userLists.union(["log_destination"])

    static func lower(_ d: YAMLNode, pgVersion: Int) -> PgDatabaseSpec {
        func option(_ key: String, since: Int = 0) -> String? {
            guard pgVersion >= since, let v = d[key], !v.isNull, !Jinja.isEmptyString(v) else { return nil }
            return Jinja.str(v)
        }
        func flag(_ key: String) -> Bool? { d[key].flatMap { $0.isNull ? nil : Jinja.bool($0) } }
        let name = Jinja.str(d["name"])
        return PgDatabaseSpec(
            name: name, owner: option("owner"), template: option("template"), encoding: option("encoding"),
            locale: option("locale"), lcCollate: option("lc_collate"), lcCtype: option("lc_ctype"),
            tablespace: option("tablespace"), isTemplate: flag("is_template"),
            strategy: option("strategy", since: 15)?.uppercased(), localeProvider: option("locale_provider", since: 15),
            icuLocale: option("icu_locale", since: 15), icuRules: option("icu_rules", since: 16),
            builtinLocale: option("builtin_locale", since: 17), allowConnections: flag("allowconn"),
            connectionLimit: d["connlimit"].flatMap { $0.isNull ? nil : Jinja.int($0) }, revokeConnect: flag("revokeconn"),
            settings: PgSetting.lower(d["parameters"], lists: lists),
            comment: d["comment"].flatMap { $0.isNull ? nil : Jinja.str($0) } ?? "business database \(name)",
            schemas: (d["schemas"]?.sequence ?? []).compactMap(PgSchemaItem.lower),
            extensions: (d["extensions"]?.sequence ?? []).compactMap(PgExtensionItem.lower),
            pgbouncer: d["pgbouncer"].map { Jinja.bool($0) } ?? true,
            recreate: d["state"].map { Jinja.str($0) } == "recreate")
    }
}
