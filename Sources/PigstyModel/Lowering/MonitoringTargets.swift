import PigstyInventory
import PigstySchema

/// One file-SD target file under `/infra/targets/<job>/<file>.yml`.
public struct ScrapeTargetFile: Sendable, Equatable {
    public let job: String
    public let file: String
    public let producer: String
    public let content: ScrapeTargets
}

/// The identity labels of a node (`ip`, `ins` = node name, `cls` = node cluster).
public struct NodeTargetLabels: Sendable, Equatable {
    public let ip: String
    public let ins: String
    public let cls: String
}

/// The identity labels of a PostgreSQL instance.
public struct PgTargetLabels: Sendable, Equatable {
    public let cls: String
    public let ins: String
    public let ip: String
    public let role: String
}

/// An infra service scraped on an infra node.
public struct InfraService: Sendable, Equatable {
    public let name: String
    /// The port as the template prints it.
    public let port: String
}

/// A remote PostgreSQL instance scraped through a local exporter (`pg_exporters`).
public struct PgrdsEntry: Sendable, Equatable {
    public let seq: String
    public let host: String
    public let pgPort: String
    /// The local exporter's port (the `pg_exporters` key).
    public let exporterPort: String
}

/// What a target file holds, by job. Addresses are `<ip>:<port>`, ports the text the templates print.
public enum ScrapeTargets: Sendable, Equatable {
    /// `infra/infra-<seq>`: the services enabled on one infra node.
    case infra(ip: String, seq: String, services: [InfraService])
    /// `node/<ip>`: node_exporter, haproxy, vector addresses; keepalived_exporter with its VIP.
    case node(NodeTargetLabels, addresses: [String], keepalived: (vip: String, address: String)?)
    /// `ping/<ip>`: the node itself.
    case ping(NodeTargetLabels)
    /// `ping/<vip>---<ip>`: a node's keepalived VIP.
    case nodeVIP(NodeTargetLabels, vip: String)
    case etcd(ip: String, ins: String, cls: String, address: String)
    case minio(ip: String, ins: String, cls: String, address: String, flavor: String)
    /// `pgsql/<ins>`: the instance's exporter addresses.
    case pgsql(PgTargetLabels, addresses: [String])
    /// `patroni/<ins>`: patroni's REST API over TLS.
    case patroni(PgTargetLabels, address: String)
    /// `ping/<vip>---<ip>`: a PostgreSQL cluster's L2 VIP as one member sees it.
    case pgVIP(PgTargetLabels, vip: String)
    /// `redis/<cls>-<node>`: the instances of one redis node, by port.
    case redis(cls: String, prefix: String, ip: String, ports: [String])
    /// `pgrds/<cls>` on one infra node.
    case pgrds(cls: String, infraIP: String, entries: [PgrdsEntry])

    public static func == (a: ScrapeTargets, b: ScrapeTargets) -> Bool {
        switch (a, b) {
        case let (.infra(a1, a2, a3), .infra(b1, b2, b3)): return a1 == b1 && a2 == b2 && a3 == b3
        case let (.node(a1, a2, a3), .node(b1, b2, b3)):
            return a1 == b1 && a2 == b2 && a3?.vip == b3?.vip && a3?.address == b3?.address
        case let (.ping(a1), .ping(b1)): return a1 == b1
        case let (.nodeVIP(a1, a2), .nodeVIP(b1, b2)): return a1 == b1 && a2 == b2
        case let (.etcd(a1, a2, a3, a4), .etcd(b1, b2, b3, b4)): return a1 == b1 && a2 == b2 && a3 == b3 && a4 == b4
        case let (.minio(a1, a2, a3, a4, a5), .minio(b1, b2, b3, b4, b5)):
            return a1 == b1 && a2 == b2 && a3 == b3 && a4 == b4 && a5 == b5
        case let (.pgsql(a1, a2), .pgsql(b1, b2)): return a1 == b1 && a2 == b2
        case let (.patroni(a1, a2), .patroni(b1, b2)): return a1 == b1 && a2 == b2
        case let (.pgVIP(a1, a2), .pgVIP(b1, b2)): return a1 == b1 && a2 == b2
        case let (.redis(a1, a2, a3, a4), .redis(b1, b2, b3, b4)): return a1 == b1 && a2 == b2 && a3 == b3 && a4 == b4
        case let (.pgrds(a1, a2, a3), .pgrds(b1, b2, b3)): return a1 == b1 && a2 == b2 && a3 == b3
        default: return false
        }
    }
}

private func text(_ h: ResolvedHost, _ name: String) -> String { Jinja.text(h.value(name)) }
private func on(_ h: ResolvedHost, _ name: String) -> Bool { Jinja.bool(h.value(name)) }

extension ScrapeTargetFile {
    /// The target files every module registers, the same on every infra node.
    static func lower(_ graph: ResourceGraph) -> [ScrapeTargetFile] {
        var out: [ScrapeTargetFile] = []
        var index: [String: Int] = [:]
        func put(_ job: String, _ file: String, _ producer: String, _ content: ScrapeTargets) {
            let t = ScrapeTargetFile(job: job, file: file, producer: producer, content: content)
            let key = "\(job)/\(file)"
            if let i = index[key] { out[i] = t } else { index[key] = out.count; out.append(t) }
        }
        for node in graph.infraNodes {
            let h = node.host
            guard let seq = h.int("infra_seq").map(String.init) else { continue }
            let services: [(String, Bool, String)] = [
                ("nginx", on(h, "nginx_enabled"), "nginx_exporter_port"),
                ("vmetrics", on(h, "vmetrics_enabled"), "vmetrics_port"),
                ("vlogs", on(h, "vlogs_enabled"), "vlogs_port"),
                ("vtraces", on(h, "vtraces_enabled"), "vtraces_port"),
                ("vmalert", on(h, "vmalert_enabled") && on(h, "vmetrics_enabled"), "vmalert_port"),
                ("alertmanager", on(h, "alertmanager_enabled"), "alertmanager_port"),
                ("blackbox", on(h, "blackbox_enabled"), "blackbox_port"),
                ("grafana", on(h, "grafana_enabled"), "grafana_port"),
            ]
            put("infra", "infra-\(seq)", "metrics:infra-\(seq)",
                .infra(ip: node.ip, seq: seq, services: services.filter(\.1).map { InfraService(name: $0.0, port: text(h, $0.2)) }))
        }
        for node in graph.nodes {
            let h = node.host, ip = node.ip
            let labels = NodeTargetLabels(ip: ip, ins: node.nodename, cls: node.nodeCluster)
            let addresses = [("node_exporter_enabled", "node_exporter_port"), ("haproxy_enabled", "haproxy_exporter_port"),
                             ("vector_enabled", "vector_port")].filter { on(h, $0.0) }.map { "\(ip):\(text(h, $0.1))" }
            // The address names a file: only a well-formed IPv4 address (the checker reports others).
            let vip = on(h, "vip_enabled") ? h.string("vip_address").flatMap { ValueChecker.isIPv4($0) ? $0 : nil } : nil
            put("node", ip, "metrics:node-\(ip)",
                .node(labels, addresses: addresses, keepalived: vip.map { ($0, "\(ip):\(text(h, "vip_exporter_port"))") }))
            put("ping", ip, "metrics:node-\(ip)", .ping(labels))
            if let vip { put("ping", "\(vip)---\(ip)", "metrics:node-\(ip)", .nodeVIP(labels, vip: vip)) }
        }
        for node in graph.nodes(inGroup: "etcd") {
            let h = node.host
            guard let seq = h.int("etcd_seq").map(String.init) else { continue }
            let cls = h.string("etcd_cluster") ?? "etcd"
            put("etcd", "\(cls)-\(seq)", "metrics:\(cls)-\(seq)",
                .etcd(ip: node.ip, ins: "\(cls)-\(seq)", cls: cls, address: "\(node.ip):\(text(h, "etcd_port"))"))
        }
        for cluster in graph.resolved.minioClusters {
            for i in cluster.members {
                let h = graph.resolved.hosts[i]
                guard let seq = h.int("minio_seq").map(String.init) else { continue }
                let ins = "\(cluster.name)-\(seq)"
                put("minio", ins, "metrics:\(ins)",
                    .minio(ip: h.name, ins: ins, cls: cluster.name, address: "\(h.name):\(text(h, "minio_port"))",
                           flavor: text(h, "minio_type")))
            }
        }
        for inst in graph.pgInstances {
            let h = inst.host, ip = inst.ip
            let patroni = on(h, "patroni_enabled") && text(h, "patroni_mode") != "remove"
            let ssl = on(h, "patroni_ssl_enabled")
            var ports: [String] = []
            if on(h, "pg_exporter_enabled") { ports.append(text(h, "pg_exporter_port")) }
            if on(h, "pgbouncer_enabled") && on(h, "pgbouncer_exporter_enabled") { ports.append(text(h, "pgbouncer_exporter_port")) }
            if patroni && !ssl { ports.append(text(h, "patroni_port")) }
            if on(h, "pgbackrest_enabled") && on(h, "pgbackrest_exporter_enabled") { ports.append(text(h, "pgbackrest_exporter_port")) }
            let labels = PgTargetLabels(cls: inst.cluster, ins: inst.name, ip: ip, role: inst.role)
            let producer = "metrics:\(inst.name)"
            if !ports.isEmpty { put("pgsql", inst.name, producer, .pgsql(labels, addresses: ports.map { "\(ip):\($0)" })) }
            if patroni && ssl { put("patroni", inst.name, producer, .patroni(labels, address: "\(ip):\(text(h, "patroni_port"))")) }
            if on(h, "pg_vip_enabled"), let address = h.string("pg_vip_address"),
               let vip = address.split(separator: "/", omittingEmptySubsequences: false).first.map(String.init),
               ValueChecker.isIPv4(vip) {
                put("ping", "\(vip)---\(ip)", producer, .pgVIP(labels, vip: vip))
            }
        }
        for cluster in graph.resolved.redisClusters {
            for i in cluster.members {
                let h = graph.resolved.hosts[i]
                guard let redisNode = h.int("redis_node").map(String.init), let instances = h.value("redis_instances")?.mapping else { continue }
                let prefix = "\(cluster.name)-\(redisNode)"
                put("redis", prefix, "metrics:\(prefix)",
                    .redis(cls: cluster.name, prefix: prefix, ip: h.name, ports: instances.compactMap { $0.key.keyName }))
            }
        }
        return out
    }

    /// `pgrds/<cluster>.yml` on one infra node: the remote instances its `pg_exporters` lists, by cluster.
    static func pgrds(_ node: NodeResource) -> [ScrapeTargetFile] {
        let h = node.host
        guard let entries = h.value("pg_exporters")?.mapping else { return [] }
        // Cluster names become file names: only safe ones (the checker reports the others, PGS0780).
        let clusters = Set(entries.compactMap { $0.value["pg_cluster"].flatMap { Jinja.truthy($0) ? Jinja.str($0) : nil } })
            .filter { SafeName.pgCluster.matches($0) }.sorted()
        return clusters.map { cls in
            var list: [PgrdsEntry] = []
            for pair in entries {
                let conf = pair.value
                guard let c = conf["pg_cluster"], Jinja.str(c) == cls, let port = pair.key.keyName else { continue }
                list.append(PgrdsEntry(seq: Jinja.text(conf["pg_seq"]), host: Jinja.text(conf["pg_host"]),
                                       pgPort: conf["pg_port"].map { Jinja.str($0) } ?? text(h, "pg_port"), exporterPort: port))
            }
            return ScrapeTargetFile(job: "pgrds", file: cls, producer: "metrics:pgrds-\(cls)",
                                    content: .pgrds(cls: cls, infraIP: node.ip, entries: list))
        }
    }
}
