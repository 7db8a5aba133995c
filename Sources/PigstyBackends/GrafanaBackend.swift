import PigstyModel
import PigstyFormats
import Crypto
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// Grafana on every infra node: `/etc/grafana/grafana.ini`, the dashboard provider, and one
/// datasource provisioning file holding, statically, every datasource Pigsty creates at run time
/// through Grafana's HTTP API (`vmetrics|vlogs|vtraces-<infra_seq>` per infra node, and
/// `<pg_cluster>-<pg_seq>.<db>` per PostgreSQL instance and database), next to the fixed
/// Metrics, Logs, Traces, Meta and Static ones.
struct GrafanaBackend: Backend {
    let name = "grafana"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let infra = graph.nodes(inGroup: "infra")
        // The registered datasources are the same on every infra node: rendered once.
        let registered = infra.isEmpty ? "" : Self.renderEntries(Self.shared(Self.registered(graph)))
        for node in infra {
            let producer = "\(name):\(node.ip)"
            let inventory = graph.inventoryName
            // grafana.ini holds the admin password, the datasources the monitor and viewer
            // passwords: readable by root and the grafana group only.
            tree.add(GeneratedFile(path: "/etc/grafana/grafana.ini",
                                   content: Header.hash("Grafana configuration", node: node.ip, inventory: inventory)
                                       + Self.ini(node),
                                   owner: "root", group: "grafana", mode: 0o640, producer: producer), on: node.ip)
            tree.add(GeneratedFile(path: "/etc/grafana/provisioning/dashboards/pigsty.yml",
                                   content: Header.hash("Grafana dashboard provider", node: node.ip, inventory: inventory)
                                       + Self.dashboards,
                                   owner: "grafana", group: "grafana", mode: 0o644, producer: producer), on: node.ip)
            tree.add(GeneratedFile(path: "/etc/grafana/provisioning/datasources/pigsty.yml",
                                   content: Header.hash("Grafana datasources", node: node.ip, inventory: inventory)
                                       + Self.renderHead + Self.renderEntries(Self.fixed(on: node)) + registered,
                                   owner: "root", group: "grafana", mode: 0o640, producer: producer), on: node.ip)
        }
    }

    // MARK: - grafana.ini

    /// An INI value as Grafana reads it: bare when that is unambiguous, else in the triple quotes
    /// Grafana documents for values holding `#` or `;` (backquotes when the text has `"""`).
    static func iniValue(_ s: String) -> String {
        let plain = s.first != " " && s.last != " " && !s.contains { "#;\"'`\n\r".contains($0) }
        if plain { return s }
        let line = s.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: " ")
        if !line.contains("\"\"\"") && line.last != "\"" { return "\"\"\"" + line + "\"\"\"" }
        if !line.contains("`") { return "`" + line + "`" }
        return line
    }

    private static func text(_ h: ResolvedHost, _ param: String, _ fallback: String) -> String {
        guard let v = h.value(param), v.value != .null else { return fallback }
        return Jinja.str(v)
    }

    /// Only the settings that differ from Grafana's defaults, with the values Pigsty's template gives.
    static func ini(_ node: NodeResource) -> String {
        let h = node.host
        var out = "\n[paths]\nprovisioning = /etc/grafana/provisioning\n"
        out += "\n[server]\n"
        out += "http_port = \(text(h, "grafana_port", "3000"))\n"
        out += "root_url = /ui/\nserve_from_sub_path = true\n"
        out += "\n[database]\n"
        if let url = h.value("grafana_pgurl"), url.value != nil, !Jinja.isEmptyString(url) {
            out += "type = postgres\nurl = \(iniValue(Jinja.str(url)))\n"
        }
        out += "wal = true\n"
        out += "\n[analytics]\nreporting_enabled = false\ncheck_for_updates = false\ncheck_for_plugin_updates = false\n"
        out += "\n[security]\n"
        out += "admin_user = \(iniValue(text(h, "grafana_admin_username", "admin")))\n"
        out += "admin_password = \(iniValue(text(h, "grafana_admin_password", "pigsty")))\n"
        out += "allow_embedding = true\n"
        out += "csrf_trusted_origins = localhost i.pigsty \(node.ip) 127.0.0.1\n"
        out += "\n[dashboards]\nversions_to_keep = 100\nmin_refresh_interval = 100ms\n"
        out += "\n[sql_datasources]\nmax_open_conns_default = 32\n"
        out += "\n[users]\ndefault_theme = light\n"
        out += "default_language = \(Jinja.str(h.value("language")) == "zh" ? "zh-Hans" : "en-US")\n"
        out += "\n[auth.anonymous]\nenabled = true\norg_name = Pigsty\n"
        if Jinja.bool(h.value("grafana_auth_proxy"), default: false) {
            out += "\n[auth.proxy]\nenabled = true\nheader_name = X-WEBAUTH-USER\nheader_property = username\n"
            out += "whitelist = 127.0.0.1, \(node.ip), localhost, ::1\nenable_login_token = true\n"
        }
        // Empty values as in Pigsty's template: Grafana's defaults, written out.
        out += "\n[unified_alerting.reserved_labels]\ndisabled_labels =\n"
        out += "\n[unified_alerting.state_history.annotations]\nmax_age =\nmax_annotations_to_keep =\n"
        out += "\n[unified_alerting.prometheus_conversion]\nrule_query_offset = 1m\ndefault_datasource_uid = ds-prometheus\n"
        out += "\n[recording_rules]\nenabled = true\ntimeout = 30s\ndefault_datasource_uid =\n"
        out += "\n[news]\nnews_feed_enabled = false\n"
        out += "\n[panels]\ndisable_sanitize_html = false\n"
        out += "\n[plugins]\nenable_alpha = true\n"
        out += "allow_loading_unsigned_plugins = victoriametrics-logs-datasource,victoriametrics-metrics-datasource\n"
        out += "plugin_admin_enabled = true\npublic_key_retrieval_disabled = true\n"
        return out
    }

    // MARK: - dashboards

    static let dashboards = """

    apiVersion: 1
    providers:
      - name: Pigsty
        orgId: 1
        type: file
        updateIntervalSeconds: 8
        allowUiUpdates: true
        options:
          path: /etc/dashboards/
          foldersFromFilesStructure: true

    """

    // MARK: - datasources

    /// A provisioning value.
    indirect enum Value: Equatable {
        case string(String)
        case int(Int)
        case bool(Bool)
        case map([Field])
    }

    struct Field: Equatable {
        let key: String
        let value: Value
        init(_ key: String, _ value: Value) {
            self.key = key
            self.value = value
        }
    }

    struct Datasource: Equatable {
        var name: String
        var uid: String
        var type: String
        var url: String?
        var user: String?
        var database: String?
        var isDefault = false
        var jsonData: [Field] = []
        var secureJsonData: [Field] = []
    }

    /// The fixed datasources, always provisioned (Pigsty deletes and recreates them on start).
    static let fixedNames = ["Metrics", "Logs", "Traces", "Meta", "Static"]
    /// Their uids, in the order of `fixedNames`.
    static let fixedUIDs = ["ds-prometheus", "ds-vlogs", "ds-vtraces", "ds-meta", "ds-static"]

    /// `postgresVersion` as Pigsty computes it: 1500 for 15 and later, `<v>00` below, 1000 unknown.
    static func postgresVersion(_ h: ResolvedHost) -> Int {
        guard h.value("pg_version")?.value != nil else { return 1000 }
        let v = Jinja.int(h.value("pg_version"))
        if v >= 15 { return 1500 }
        return v > 0 ? v * 100 : 1000
    }

    private static func port(_ h: ResolvedHost, _ param: String, _ fallback: Int) -> String {
        text(h, param, String(fallback))
    }

    /// Every datasource an infra node's Grafana has once Pigsty's playbooks ran, names unique, in
    /// order: the fixed ones of `node`, then `registered` (see `registered(_:)`). `emit` renders the
    /// same list as `fixed(on:)` followed by `shared(_:)`.
    static func datasources(on node: NodeResource, registered: [Datasource]) -> [Datasource] {
        unique(fixed(on: node) + registered)
    }

    /// `registered` as `datasources(on:registered:)` lists them after the fixed ones: the fixed
    /// datasources' names and uids are the same on every node, so this is too.
    static func shared(_ registered: [Datasource]) -> [Datasource] {
        let placeholders = fixedNames.indices.map { Datasource(name: fixedNames[$0], uid: fixedUIDs[$0], type: "") }
        return Array(unique(placeholders + registered).dropFirst(placeholders.count))
    }

    /// The datasources Pigsty provisions itself, in the order it lists them.
    static func fixed(on node: NodeResource) -> [Datasource] {
        let h = node.host
        return [
            Datasource(name: "Metrics", uid: "ds-prometheus", type: "prometheus",
                       url: "http://127.0.0.1:\(port(h, "vmetrics_port", 8428))", isDefault: true,
                       jsonData: metricsJSON),
            Datasource(name: "Meta", uid: "ds-meta", type: "postgres", url: "127.0.0.1:5432", user: "dbuser_view",
                       database: "meta",
                       jsonData: [Field("database", .string("meta")), Field("sslmode", .string("require")),
                                  Field("connMaxLifetime", .int(14400)), Field("maxIdleConns", .int(10)),
                                  Field("maxOpenConns", .int(64)), Field("postgresVersion", .int(postgresVersion(h))),
                                  Field("tlsAuth", .bool(false)), Field("tlsAuthWithCACert", .bool(false))],
                       secureJsonData: [Field("password", .string(text(h, "grafana_view_password", "DBUser.Viewer")))]),
            Datasource(name: "Logs", uid: "ds-vlogs", type: "victoriametrics-logs-datasource",
                       url: "http://127.0.0.1:\(port(h, "vlogs_port", 9428))"),
            Datasource(name: "Traces", uid: "ds-vtraces", type: "jaeger",
                       url: "http://127.0.0.1:\(port(h, "vtraces_port", 10428))/select/jaeger"),
            Datasource(name: "Static", uid: "ds-static", type: "marcusolsson-static-datasource"),
        ]
    }

    /// What Pigsty registers through the API, the same on every infra node: each infra node's
    /// Victoria datasources, then every PostgreSQL instance's databases.
    static func registered(_ graph: ResourceGraph) -> [Datasource] {
        var list: [Datasource] = []
        // roles/infra register.yml: each infra node registers its own Victoria databases on all.
        for infra in graph.nodes(inGroup: "infra") {
            let i = infra.host
            guard let seq = i.string("infra_seq") else { continue }
            if Jinja.bool(i.value("vmetrics_enabled"), default: true) {
                list.append(Datasource(name: "vmetrics-\(seq)", uid: "", type: "prometheus",
                                       url: "http://\(infra.ip):\(port(i, "vmetrics_port", 8428))", jsonData: metricsJSON))
            }
            if Jinja.bool(i.value("vlogs_enabled"), default: true) {
                list.append(Datasource(name: "vlogs-\(seq)", uid: "", type: "victoriametrics-logs-datasource",
                                       url: "http://\(infra.ip):\(port(i, "vlogs_port", 9428))"))
            }
            if Jinja.bool(i.value("vtraces_enabled"), default: true) {
                list.append(Datasource(name: "vtraces-\(seq)", uid: "", type: "jaeger",
                                       url: "http://\(infra.ip):\(port(i, "vtraces_port", 10428))/select/jaeger"))
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
                list.append(Datasource(
                    name: "\(ins.name).\(db)", uid: "", type: "postgres",
                    url: "\(ins.ip):\(port(p, "pg_port", 5432))", user: text(p, "pg_monitor_username", "dbuser_monitor"),
                    database: db,
                    jsonData: [Field("database", .string(db)), Field("connMaxLifetime", .int(3600)),
                               Field("maxIdleConns", .int(1)), Field("maxOpenConns", .int(8)),
                               Field("postgresVersion", .int(postgresVersion(p))), Field("sslmode", .string("require")),
                               Field("tlsAuth", .bool(false)), Field("tlsAuthWithCACert", .bool(false))],
                    secureJsonData: [Field("password", .string(text(p, "pg_monitor_password", "DBUser.Monitor")))]))
            }
        }
        return list
    }

    static let metricsJSON: [Field] = [
        Field("timeInterval", .string("2s")), Field("queryTimeout", .string("60s")),
        Field("tlsAuth", .bool(false)), Field("tlsAuthWithCACert", .bool(false)),
    ]

    /// One datasource per name (Pigsty's later registration of a name replaces the earlier one;
    /// `postgres` listed in `pg_databases` repeats the default entry), the first position kept;
    /// then a valid, unique uid for each.
    static func unique(_ list: [Datasource]) -> [Datasource] {
        var index: [String: Int] = [:]
        var out: [Datasource] = []
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
    static func uid(for name: String, taken: Set<String>) -> String {
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

    static func scalar(_ v: Value) -> String {
        switch v {
        case .string(let s): return Quoting.yamlDouble(s)
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .map(let fields): return fields.isEmpty ? "{}" : ""
        }
    }

    private static func fields(_ fields: [Field], indent: String) -> String {
        var out = ""
        for f in fields {
            if case .map(let inner) = f.value, !inner.isEmpty {
                out += "\(indent)\(f.key):\n" + Self.fields(inner, indent: indent + "  ")
            } else {
                out += "\(indent)\(f.key): \(scalar(f.value))\n"
            }
        }
        return out
    }

    static func render(_ list: [Datasource]) -> String {
        renderHead + renderEntries(list)
    }

    /// The provisioning file up to its first datasource.
    static let renderHead = "\napiVersion: 1\n\n# Pigsty's fixed datasources are recreated on every start\ndeleteDatasources:\n"
        + fixedNames.map { "  - { name: \($0), orgId: 1 }\n" }.joined() + "\ndatasources:\n"

    /// Datasources as entries of the `datasources` list.
    static func renderEntries(_ list: [Datasource]) -> String {
        var out = ""
        for ds in list {
            var f: [Field] = [Field("name", .string(ds.name)), Field("uid", .string(ds.uid)), Field("type", .string(ds.type)),
                              Field("orgId", .int(1))]
            if ds.url != nil { f.append(Field("access", .string("proxy"))) }
            if let url = ds.url { f.append(Field("url", .string(url))) }
            if let user = ds.user { f.append(Field("user", .string(user))) }
            if let db = ds.database { f.append(Field("database", .string(db))) }
            f.append(Field("isDefault", .bool(ds.isDefault)))
            f.append(Field("editable", .bool(true)))
            if !ds.jsonData.isEmpty { f.append(Field("jsonData", .map(ds.jsonData))) }
            if !ds.secureJsonData.isEmpty { f.append(Field("secureJsonData", .map(ds.secureJsonData))) }
            let body = fields(f, indent: "    ")
            out += "\n  - " + body.dropFirst(4)
        }
        return out
    }
}
