import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyYAML

/// Grafana on every infra node: `/etc/grafana/grafana.ini`, the dashboard provider, Pigsty's
/// provisioning file of the fixed Metrics, Logs, Traces, Meta and Static datasources, and the
/// datasources Pigsty registers at run time through Grafana's HTTP API
/// (`vmetrics|vlogs|vtraces-<infra_seq>` per infra node, `<pg_cluster>-<pg_seq>.<db>` per
/// PostgreSQL instance and database): their registration files `/infra/datasources/<name>.json`,
/// and, so that Grafana loads them without the API, a second provisioning file `registered.yml`.
struct GrafanaBackend: Backend {
    let name = "grafana"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let monitoring = graph.monitoring
        // The registered datasources are the same on every infra node: rendered once.
        let shared = monitoring.sharedDatasources
        let registered = monitoring.infra.isEmpty || shared.isEmpty ? "" : Self.renderRegistered(shared)
        let registeredSecrets = shared.flatMap(\.secrets)
        let records = monitoring.infra.isEmpty ? [] : shared.map { (path: "/infra/datasources/\($0.name).json",
                                                                    content: Self.record($0) + "\n", secrets: $0.secrets) }
        let restart = ApplyClass.in(.infra, .restart("grafana-server"))
        for infra in monitoring.infra {
            let producer = "\(name):\(infra.ip)"
            // grafana.ini holds the admin password, the datasources the monitor and viewer
            // passwords: readable by root and the grafana group only.
            tree.add(GeneratedFile(path: "/etc/grafana/grafana.ini",
                                   content: Header.hash("Grafana configuration", node: infra.ip)
                                       + Self.ini(infra.grafana, ip: infra.ip),
                                   owner: "root", group: "grafana", mode: 0o640, producer: producer, apply: restart,
                                   secrets: [infra.grafana.adminPassword]), on: infra.ip)
            tree.add(GeneratedFile(path: "/etc/grafana/provisioning/dashboards/pigsty.yml",
                                   content: Header.hash("Grafana dashboard provider", node: infra.ip)
                                       + Self.dashboards,
                                   owner: "grafana", group: "grafana", mode: 0o644, producer: producer, apply: restart), on: infra.ip)
            let fixed = infra.grafana.fixedDatasources
            tree.add(GeneratedFile(path: "/etc/grafana/provisioning/datasources/pigsty.yml",
                                   content: Header.hash("Grafana datasources", node: infra.ip)
                                       + Self.renderHead + Self.renderEntries(fixed),
                                   owner: "root", group: "grafana", mode: 0o640, producer: producer, apply: restart,
                                   secrets: fixed.flatMap(\.secrets)), on: infra.ip)
            if !registered.isEmpty {
                tree.add(GeneratedFile(path: "/etc/grafana/provisioning/datasources/registered.yml",
                                       content: Header.hash("Grafana datasources registered by the inventory's nodes", node: infra.ip)
                                           + registered,
                                       owner: "root", group: "grafana", mode: 0o640, producer: producer, apply: restart,
                                       secrets: registeredSecrets), on: infra.ip)
            }
            // Pigsty's registration records: what its API calls post, kept for the operator.
            for r in records {
                tree.add(GeneratedFile(path: r.path, content: r.content, mode: 0o600, producer: producer,
                                       apply: .in(.register), secrets: r.secrets), on: infra.ip)
            }
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

    /// Only the settings that differ from Grafana's defaults, with the values Pigsty's template gives.
    static func ini(_ g: GrafanaSettings, ip: String) -> String {
        var out = "\n[paths]\nprovisioning = /etc/grafana/provisioning\n"
        out += "\n[server]\n"
        out += "http_port = \(iniValue(g.port))\n"
        out += "root_url = /ui/\nserve_from_sub_path = true\n"
        out += "\n[database]\n"
        if let url = g.databaseURL {
            out += "type = postgres\nurl = \(iniValue(url))\n"
        }
        out += "wal = true\n"
        out += "\n[analytics]\nreporting_enabled = false\ncheck_for_updates = false\ncheck_for_plugin_updates = false\n"
        out += "\n[security]\n"
        out += "admin_user = \(iniValue(g.adminUser))\n"
        out += "admin_password = \(iniValue(g.adminPassword))\n"
        out += "allow_embedding = true\n"
        out += "csrf_trusted_origins = localhost i.pigsty \(ip) 127.0.0.1\n"
        out += "\n[dashboards]\nversions_to_keep = 100\nmin_refresh_interval = 100ms\n"
        out += "\n[sql_datasources]\nmax_open_conns_default = 32\n"
        out += "\n[users]\ndefault_theme = light\n"
        out += "default_language = \(g.defaultLanguage)\n"
        out += "\n[auth.anonymous]\nenabled = true\norg_name = Pigsty\n"
        if g.authProxy {
            out += "\n[auth.proxy]\nenabled = true\nheader_name = X-WEBAUTH-USER\nheader_property = username\n"
            out += "whitelist = 127.0.0.1, \(ip), localhost, ::1\nenable_login_token = true\n"
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

    static let dashboards = PYAML.document(.block([
        .blank,
        .pair("apiVersion", .raw("1")),
        .pair("providers", .items([.node(.block([
            .pair("name", .str("Pigsty")), .pair("orgId", .raw("1")), .pair("type", .str("file")),
            .pair("updateIntervalSeconds", .raw("8")), .pair("allowUiUpdates", .raw("true")),
            .pair("options", .block([.pair("path", .str("/etc/dashboards/")), .pair("foldersFromFilesStructure", .raw("true"))])),
        ]))])),
    ]))

    // MARK: - datasources (typed in `GrafanaDatasource`, lowered in PigstyModel)

    typealias Value = GrafanaValue
    typealias Field = GrafanaField
    typealias Datasource = GrafanaDatasource

    static func node(_ v: Value) -> PYNode {
        switch v {
        case .string(let s): return .quoted(s)
        case .int(let i): return .raw(String(i))
        case .bool(let b): return .raw(b ? "true" : "false")
        case .map(let fields): return .block(fields.map { .pair($0.key, node($0.value)) })
        }
    }

    /// Pigsty's provisioning file with `list` as its datasources (`renderHead` + `renderEntries`).
    static func render(_ list: [Datasource]) -> String {
        renderHead + renderEntries(list)
    }

    /// Pigsty's provisioning file up to its first datasource: the fixed datasources are deleted
    /// and recreated on every start, then `datasources:`, its items following.
    static let renderHead = PYAML.render([
        .blank,
        .pair("apiVersion", .raw("1")),
        .blank,
        .comment("Pigsty's fixed datasources are recreated on every start"),
        .pair("deleteDatasources", .items(GrafanaDatasources.fixedNames.map {
            .node(.flowMap([PYFlowPair("name", .str($0)), PYFlowPair("orgId", .raw("1"))], padded: true))
        })),
        .blank,
        .pair("datasources", .raw("")),
    ])

    /// The provisioning file of the registered datasources.
    static func renderRegistered(_ list: [Datasource]) -> String {
        PYAML.render([
            .blank,
            .comment("What Pigsty registers through Grafana's API (see /infra/datasources/), provisioned"),
            .pair("apiVersion", .raw("1")),
            .blank,
            .pair("datasources", .raw("")),
        ]) + renderEntries(list)
    }

    /// Datasources as items of the `datasources` list, each after a blank line: the keys Pigsty's
    /// provisioning file writes (`isDefault` only when true), every one editable.
    static func renderEntries(_ list: [Datasource]) -> String {
        var items: [PYItem] = []
        items.reserveCapacity(list.count * 2)
        for ds in list {
            var f: [PYEntry] = [.pair("name", .quoted(ds.name)), .pair("uid", .quoted(ds.uid)), .pair("type", .quoted(ds.type))]
            if let url = ds.url { f.append(.pair("access", .quoted("proxy"))); f.append(.pair("url", .quoted(url))) }
            if let user = ds.user { f.append(.pair("user", .quoted(user))) }
            if let db = ds.database { f.append(.pair("database", .quoted(db))) }
            if ds.isDefault { f.append(.pair("isDefault", .raw("true"))) }
            f.append(.pair("editable", .raw("true")))
            if let v = ds.version { f.append(.pair("version", .raw(String(v)))) }
            if !ds.jsonData.isEmpty { f.append(.pair("jsonData", node(.map(ds.jsonData)))) }
            if let secure = ds.secureJsonData { f.append(.pair("secureJsonData", node(.map(secure)))) }
            items.append(.blank)
            items.append(.node(.block(f)))
        }
        return PYAML.renderItems(items, indent: 2)
    }

    // MARK: - registration records

    static func json(_ v: Value) -> JSONWriter.Value {
        switch v {
        case .string(let s): return .string(s)
        case .int(let i): return .int(i)
        case .bool(let b): return .bool(b)
        case .map(let fields): return .object(fields.map { ($0.key, json($0.value)) })
        }
    }

    /// A datasource as Pigsty's `/infra/datasources/<name>.json` describes it for the API (no uid:
    /// Grafana assigns one).
    static func record(_ ds: Datasource) -> String {
        var o: [(String, JSONWriter.Value)] = [("name", .string(ds.name)), ("type", .string(ds.type))]
        if let url = ds.url { o.append(("access", .string("proxy"))); o.append(("url", .string(url))) }
        if let user = ds.user { o.append(("user", .string(user))) }
        if let db = ds.database { o.append(("database", .string(db))) }
        o += ds.apiFields.map { ($0.key, json($0.value)) }
        o.append(("isDefault", .bool(ds.isDefault)))
        if let e = ds.editable { o.append(("editable", .bool(e))) }
        if !ds.jsonData.isEmpty { o.append(("jsonData", json(.map(ds.jsonData)))) }
        if let secure = ds.secureJsonData { o.append(("secureJsonData", json(.map(secure)))) }
        return JSONWriter.render(.object(o))
    }
}
