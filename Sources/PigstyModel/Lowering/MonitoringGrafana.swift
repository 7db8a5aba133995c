import Crypto
import PigstyInventory

/// Grafana on an infra node: the settings of `grafana.ini` and the fixed datasources.
public struct GrafanaSettings: Sendable, Equatable {
    /// `grafana_port` as printed (3000 when null).
    public let port: String
    /// `grafana_pgurl` when set and not empty: Grafana's database is PostgreSQL.
    public let databaseURL: String?
    public let adminUser: String
    public let adminPassword: String
    /// Grafana's `default_language`: `zh-Hans` for `language: zh`, else `en-US`.
    public let defaultLanguage: String
    /// `grafana_auth_proxy`.
    public let authProxy: Bool
    /// The datasources Pigsty provisions itself on this node, in the order it lists them.
    public let fixedDatasources: [GrafanaDatasource]

    init(_ node: NodeResource) {
        let h = node.host
        port = GrafanaDatasources.text(h, "grafana_port", "3000")
        if let url = h.value("grafana_pgurl"), url.value != nil, !Jinja.isEmptyString(url) {
            databaseURL = Jinja.str(url)
        } else {
            databaseURL = nil
        }
        adminUser = GrafanaDatasources.text(h, "grafana_admin_username", "admin")
        adminPassword = GrafanaDatasources.text(h, "grafana_admin_password", "pigsty")
        defaultLanguage = Jinja.str(h.value("language")) == "zh" ? "zh-Hans" : "en-US"
        authProxy = Jinja.bool(h.value("grafana_auth_proxy"), default: false)
        fixedDatasources = GrafanaDatasources.fixed(h)
    }
}

/// A provisioning value.
public indirect enum GrafanaValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case map([GrafanaField])
}

public struct GrafanaField: Sendable, Equatable {
    public let key: String
    public let value: GrafanaValue
    public init(_ key: String, _ value: GrafanaValue) {
        self.key = key
        self.value = value
    }
}

/// A Grafana datasource: as provisioned, and as Pigsty's API registration files
/// (`/infra/datasources/<name>.json`) describe it.
public struct GrafanaDatasource: Sendable, Equatable {
    public var name: String
    /// Empty until derived (`GrafanaDatasources.unique`).
    public var uid: String
    public var type: String
    public var url: String?
    public var user: String?
    public var database: String?
    public var isDefault = false
    /// `editable` in the registration file (nil: not written there); provisioned datasources are
    /// always editable, as those Pigsty creates through the API are.
    public var editable: Bool?
    /// The provisioning `version` (Pigsty sets 1 on `Metrics`).
    public var version: Int?
    public var jsonData: [GrafanaField] = []
    /// nil: no `secureJsonData`; empty: written as `{}`.
    public var secureJsonData: [GrafanaField]?
    /// Further fields of the registration file only (the API's defaults Pigsty writes out for
    /// PostgreSQL: `typeLogoUrl`, `basicAuth`, …).
    public var apiFields: [GrafanaField] = []

    public init(name: String, uid: String, type: String, url: String? = nil, user: String? = nil, database: String? = nil,
                isDefault: Bool = false, editable: Bool? = nil, version: Int? = nil, jsonData: [GrafanaField] = [],
                secureJsonData: [GrafanaField]? = nil, apiFields: [GrafanaField] = []) {
        self.name = name
        self.uid = uid
        self.type = type
        self.url = url
        self.user = user
        self.database = database
        self.isDefault = isDefault
        self.editable = editable
        self.version = version
        self.jsonData = jsonData
        self.secureJsonData = secureJsonData
        self.apiFields = apiFields
    }

    /// The passwords it holds.
    public var secrets: [String] {
        (secureJsonData ?? []).compactMap { if case .string(let s) = $0.value { return s } else { return nil } }
    }
}

/// The datasource matrix: the fixed datasources, the registered ones, merging and uids.
public enum GrafanaDatasources {
    /// The fixed datasources, always provisioned (Pigsty deletes and recreates them on start).
    public static let fixedNames = ["Metrics", "Logs", "Traces", "Meta", "Static"]
    /// Their uids, in the order of `fixedNames`.
    public static let fixedUIDs = ["ds-prometheus", "ds-vlogs", "ds-vtraces", "ds-meta", "ds-static"]

    static func text(_ h: ResolvedHost, _ param: String, _ fallback: String) -> String {
        guard let v = h.value(param), v.value != .null else { return fallback }
        return Jinja.str(v)
    }

    private static func port(_ h: ResolvedHost, _ param: String, _ fallback: Int) -> String {
        text(h, param, String(fallback))
    }

    /// `postgresVersion` as Pigsty computes it: 1500 for 15 and later, `<v>00` below, 1000 unknown.
    static func postgresVersion(_ h: ResolvedHost) -> Int {
        guard h.value("pg_version")?.value != nil else { return 1000 }
        let v = Jinja.int(h.value("pg_version"))
        if v >= 15 { return 1500 }
        return v > 0 ? v * 100 : 1000
    }

    static let metricsJSON: [GrafanaField] = [
        GrafanaField("timeInterval", .string("2s")), GrafanaField("queryTimeout", .string("60s")),
        GrafanaField("tlsAuth", .bool(false)), GrafanaField("tlsAuthWithCACert", .bool(false)),
    ]

    /// What Pigsty's PostgreSQL registration files spell out of the API's defaults.
    static let postgresAPIFields: [GrafanaField] = [
        GrafanaField("typeLogoUrl", .string("")), GrafanaField("basicAuth", .bool(false)),
        GrafanaField("basicAuthUser", .string("")), GrafanaField("basicAuthPassword", .string("")),
        GrafanaField("withCredentials", .bool(false)),
    ]

    /// The datasources Pigsty provisions itself, in the order it lists them.
    static func fixed(_ h: ResolvedHost) -> [GrafanaDatasource] {
        [
            GrafanaDatasource(name: "Metrics", uid: "ds-prometheus", type: "prometheus",
                              url: "http://127.0.0.1:\(port(h, "vmetrics_port", 8428))", isDefault: true, version: 1,
                              jsonData: metricsJSON, secureJsonData: []),
            GrafanaDatasource(name: "Meta", uid: "ds-meta", type: "postgres", url: "127.0.0.1:5432", user: "dbuser_view",
                              database: "meta",
                              jsonData: [GrafanaField("database", .string("meta")), GrafanaField("sslmode", .string("require")),
                                         GrafanaField("connMaxLifetime", .int(14400)), GrafanaField("maxIdleConns", .int(10)),
                                         GrafanaField("maxOpenConns", .int(64)), GrafanaField("postgresVersion", .int(postgresVersion(h))),
                                         GrafanaField("tlsAuth", .bool(false)), GrafanaField("tlsAuthWithCACert", .bool(false))],
                              secureJsonData: [GrafanaField("password", .string(text(h, "grafana_view_password", "DBUser.Viewer")))]),
            GrafanaDatasource(name: "Logs", uid: "ds-vlogs", type: "victoriametrics-logs-datasource",
                              url: "http://127.0.0.1:\(port(h, "vlogs_port", 9428))"),
            GrafanaDatasource(name: "Traces", uid: "ds-vtraces", type: "jaeger",
                              url: "http://127.0.0.1:\(port(h, "vtraces_port", 10428))/select/jaeger"),
            GrafanaDatasource(name: "Static", uid: "ds-static", type: "marcusolsson-static-datasource"),
        ]
    }

    /// What Pigsty registers through the API, the same on every infra node: each infra node's
    /// Victoria datasources, then every PostgreSQL instance's databases.
    static func registered(_ graph: ResourceGraph) -> [GrafanaDatasource] {
        var list: [GrafanaDatasource] = []
        // roles/infra register.yml: each infra node registers its own Victoria databases on all.
        for infra in graph.infraNodes {
            let i = infra.host
            guard let seq = i.string("infra_seq") else { continue }
            if Jinja.bool(i.value("vmetrics_enabled"), default: true) {
                list.append(GrafanaDatasource(name: "vmetrics-\(seq)", uid: "", type: "prometheus",
                                              url: "http://\(infra.ip):\(port(i, "vmetrics_port", 8428))", editable: true,
                                              jsonData: metricsJSON))
            }
            if Jinja.bool(i.value("vlogs_enabled"), default: true) {
                list.append(GrafanaDatasource(name: "vlogs-\(seq)", uid: "", type: "victoriametrics-logs-datasource",
                                              url: "http://\(infra.ip):\(port(i, "vlogs_port", 9428))", editable: true))
            }
            if Jinja.bool(i.value("vtraces_enabled"), default: true) {
                list.append(GrafanaDatasource(name: "vtraces-\(seq)", uid: "", type: "jaeger",
                                              url: "http://\(infra.ip):\(port(i, "vtraces_port", 10428))/select/jaeger", editable: true))
            }
        }
        // roles/pg_monitor register_grafana.yml: every instance, `postgres` and each database.
        for ins in graph.pgInstances {
            let p = ins.host
            guard Jinja.bool(p.value("grafana_enabled"), default: true),
                  Jinja.bool(p.value("pg_provision"), default: true) else { continue }
            let databases = ["postgres"] + (p.value("pg_databases")?.sequence ?? []).compactMap { db -> String? in
                guard db.mapping != nil, let name = db["name"], name.value != nil else { return nil }
                if let state = db["state"], Jinja.str(state) == "absent" { return nil }
                if let reg = db["register_datasource"], !Jinja.bool(reg) { return nil }
                let text = Jinja.str(name)
                return text.isEmpty ? nil : text
            }
            for db in databases {
                list.append(GrafanaDatasource(
                    name: "\(ins.name).\(db)", uid: "", type: "postgres",
                    url: "\(ins.ip):\(port(p, "pg_port", 5432))", user: text(p, "pg_monitor_username", "dbuser_monitor"),
                    database: db,
                    jsonData: [GrafanaField("database", .string(db)), GrafanaField("connMaxLifetime", .int(3600)),
                               GrafanaField("maxIdleConns", .int(1)), GrafanaField("maxOpenConns", .int(8)),
                               GrafanaField("postgresVersion", .int(postgresVersion(p))), GrafanaField("sslmode", .string("require")),
                               GrafanaField("tlsAuth", .bool(false)), GrafanaField("tlsAuthWithCACert", .bool(false))],
                    secureJsonData: [GrafanaField("password", .string(text(p, "pg_monitor_password", "DBUser.Monitor")))],
                    apiFields: postgresAPIFields))
            }
        }
        return list
    }

    /// Every datasource an infra node's Grafana has once Pigsty's playbooks ran, names unique, in
    /// order: the node's fixed ones, then `registered`. Back ends render the same list as the fixed
    /// ones followed by `shared(_:)`.
    public static func datasources(fixed: [GrafanaDatasource], registered: [GrafanaDatasource]) -> [GrafanaDatasource] {
        unique(fixed + registered)
    }

    /// `registered` as `datasources(fixed:registered:)` lists them after the fixed ones: the fixed
    /// datasources' names and uids are the same on every node, so this is too.
    public static func shared(_ registered: [GrafanaDatasource]) -> [GrafanaDatasource] {
        let placeholders = fixedNames.indices.map { GrafanaDatasource(name: fixedNames[$0], uid: fixedUIDs[$0], type: "") }
        return Array(unique(placeholders + registered).dropFirst(placeholders.count))
    }

    /// One datasource per name (Pigsty's later registration of a name replaces the earlier one;
    /// `postgres` listed in `pg_databases` repeats the default entry), the first position kept;
    /// then a valid, unique uid for each.
    public static func unique(_ list: [GrafanaDatasource]) -> [GrafanaDatasource] {
        var index: [String: Int] = [:]
        var out: [GrafanaDatasource] = []
        for ds in list {
            if let i = index[ds.name] {
                // The fixed datasources are Pigsty's own: an API registration never replaces them.
                if !fixedNames.contains(ds.name) { out[i] = ds }
            } else {
                index[ds.name] = out.count
                out.append(ds)
            }
        }
        var taken = Set(out.map(\.uid).filter { !$0.isEmpty })
        for i in out.indices where out[i].uid.isEmpty {
            out[i].uid = uid(for: out[i].name, taken: taken)
            taken.insert(out[i].uid)
        }
        return out
    }

    /// A Grafana uid (at most 40 of `[A-Za-z0-9_-]`) derived from a datasource name: the name with
    /// other characters as `_`; when that is too long or taken, a prefix and a short hash of the name.
    public static func uid(for name: String, taken: Set<String>) -> String {
        let clean = String(name.map { c -> Character in
            guard let a = c.asciiValue else { return "_" }
            let valid = (a >= 0x30 && a <= 0x39) || (a >= 0x41 && a <= 0x5A) || (a >= 0x61 && a <= 0x7A) || a == 0x5F || a == 0x2D
            return valid ? c : "_"
        })
        if !clean.isEmpty, clean.count <= 40, !taken.contains(clean) { return clean }
        var salt = 0
        while true {
            let digest = SHA256.hash(data: Array((salt == 0 ? name : "\(name)#\(salt)").utf8))
            let hex = digest.prefix(5).map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined()
            let candidate = String(clean.prefix(29)) + "-" + hex
            if !taken.contains(candidate) { return candidate }
            salt += 1
        }
    }
}
