import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// The configuration files of the monitoring agents Pigsty configures with fixed content:
/// `/etc/alertmanager.yml` and `/etc/blackbox.yml` on every infra node, and the pgbouncer
/// exporter's collectors, `/etc/pgbouncer_exporter.yml`, on every PostgreSQL instance running
/// pgbouncer and the exporter. All three daemons re-read their file on SIGHUP
/// (`systemctl reload`). pg_exporter's own collector file, a large static file, is not generated.
struct ExporterConfigBackend: Backend {
    let name = "exporters"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let agents = graph.monitoring.agents
        for ip in agents.infraIPs {
            let producer = "\(name):\(ip)"
            tree.add(GeneratedFile(path: "/etc/alertmanager.yml",
                                   content: Header.hash("Alertmanager configuration", node: ip) + Self.alertmanager,
                                   owner: "prometheus", group: "infra", mode: 0o644, producer: producer,
                                   apply: .in(.infra, .reload("alertmanager"))), on: ip)
            tree.add(GeneratedFile(path: "/etc/blackbox.yml",
                                   content: Header.hash("blackbox exporter probe modules", node: ip) + Self.blackbox,
                                   owner: "prometheus", group: "infra", mode: 0o644, producer: producer,
                                   apply: .in(.infra, .reload("blackbox_exporter"))), on: ip)
        }
        // The collectors differ only in their cache time: rendered once per value.
        var rendered: [String: String] = [:]
        for e in agents.pgbouncerExporters {
            let body = rendered[e.normalTTL] ?? Self.pgbouncerCollectors(normalTTL: e.normalTTL)
            rendered[e.normalTTL] = body
            tree.add(GeneratedFile(path: "/etc/pgbouncer_exporter.yml",
                                   content: Header.hash("pgbouncer exporter collectors", node: e.ip) + body,
                                   owner: e.owner, group: "postgres", mode: 0o644, producer: "\(name):\(e.ip)",
                                   apply: .in(.pgbouncer, .reload("pgbouncer_exporter"))), on: e.ip)
        }
    }

    // MARK: - Alertmanager

    /// Pigsty's routing: every alert to a receiver that notifies nobody until one is configured,
    /// grouped by name; a node that is down mutes the other alerts of that node.
    static let alertmanager = PYAML.document([
        .blank,
        .pair("global", .block([.pair("resolve_timeout", .str("5m"))])),
        .blank,
        .comment("add notification settings (email_configs, webhook_configs, …) to a receiver to be told"),
        .pair("route", .block([
            .pair("receiver", .str("default")),
            .pair("group_by", .flowList([.str("alertname")], padded: true)),
            .pair("group_wait", .str("30s")),
            .pair("group_interval", .str("5m")),
            .pair("repeat_interval", .str("4h")),
        ])),
        .blank,
        .pair("receivers", .items([.node(.block([.pair("name", .str("default"))]))])),
        .blank,
        .pair("inhibit_rules", .items([.node(.block([
            .pair("source_matchers", .flowList([.single("alertname=\"NodeDown\"")], padded: true)),
            .pair("target_matchers", .flowList([.single("category=\"node\"")], padded: true)),
            .pair("equal", .flowList([.str("ip")], padded: true)),
        ]))])),
    ])

    // MARK: - blackbox exporter

    /// The probe modules: ICMP (plain and with TTL 5), HTTP GET and POST expecting 2xx, and TCP connect.
    static let blackbox = PYAML.document([
        .blank,
        .pair("modules", .block([
            .pair("icmp", .block([.pair("prober", .str("icmp"))])),
            .pair("icmp_ttl5", .block([.pair("prober", .str("icmp")), .pair("timeout", .str("5s")),
                                       .pair("icmp", .block([.pair("ttl", .raw("5"))]))])),
            .pair("http_2xx", .block([.pair("prober", .str("http"))])),
            .pair("http_post_2xx", .block([.pair("prober", .str("http")),
                                           .pair("http", .block([.pair("method", .str("POST"))]))])),
            .pair("tcp_connect", .block([.pair("prober", .str("tcp"))])),
        ])),
    ])

    // MARK: - pgbouncer exporter

    static func pgbouncerCollectors(normalTTL: String) -> String {
        var entries: [PYEntry] = []
        for c in PgbouncerCollectors.all {
            var f: [PYEntry] = [.pair("name", .str(c.name)), .pair("desc", .str(c.desc)), .pair("query", .str(c.query))]
            switch c.ttl {
            case .fixed(let s): f.append(.pair("ttl", .raw(String(s))))
            case .normal: f.append(.pair("ttl", .raw(normalTTL)))
            }
            f.append(.pair("min_version", .raw(String(c.minVersion))))
            if let max = c.maxVersion { f.append(.pair("max_version", .raw(String(max)))) }
            if c.fatal { f.append(.pair("fatal", .raw("true"))) }
            f.append(.pair("tags", .flowList([.str("pgbouncer")], padded: true)))
            f.append(.pair("metrics", .items(c.columns.map { col in
                var spec = [PYFlowPair("usage", .str(col.usage.rawValue))]
                if let r = col.rename { spec.append(PYFlowPair("rename", .str(r))) }
                if let s = col.scale { spec.append(PYFlowPair("scale", .raw(s))) }
                if let d = col.description { spec.append(PYFlowPair("description", .str(d))) }
                return .node(.block([.pair(col.name, .flowMap(spec, padded: true))]))
            })))
            entries.append(.blank)
            entries.append(.pair(c.key, .block(f)))
        }
        return PYAML.document(entries)
    }
}
