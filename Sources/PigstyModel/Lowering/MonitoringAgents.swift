import PigstyInventory
import PigstyYAML

/// The agents that ship a node's logs and metrics: Vector's pipeline files on every node, the
/// pgbouncer exporter's collector file on PostgreSQL nodes, and the fixed Alertmanager and
/// blackbox exporter configurations of infra nodes.
public struct MonitoringAgents: Sendable {
    /// One entry per node with `vector_enabled`, in inventory order.
    public internal(set) var vector: [VectorNode] = []
    /// One entry per PostgreSQL instance running pgbouncer and its exporter, in inventory order.
    public internal(set) var pgbouncerExporters: [PgbouncerExporterConfig] = []
    /// The infra nodes (Ansible's order of `groups['infra']`), each getting `/etc/alertmanager.yml`
    /// and `/etc/blackbox.yml` whether or not the service is enabled, as Pigsty renders them.
    public internal(set) var infraIPs: [String] = []

    static func lower(_ graph: ResourceGraph) -> MonitoringAgents {
        var a = MonitoringAgents()
        a.infraIPs = graph.infraNodes.map(\.ip)
        let logReceivers = VectorNode.infraReceivers(graph)
        var instances: [String: PgInstanceResource] = [:]
        for ins in graph.pgInstances where instances[ins.ip] == nil { instances[ins.ip] = ins }
        let infra = Set(a.infraIPs)
        for node in graph.nodes where Jinja.bool(node.host.value("vector_enabled"), default: true) {
            a.vector.append(VectorNode(node, infraReceivers: logReceivers, instance: instances[node.ip],
                                       isInfra: infra.contains(node.ip)))
        }
        for ins in graph.pgInstances {
            let h = ins.host
            guard ins.pgbouncerEnabled, Jinja.bool(h.value("pgbouncer_exporter_enabled"), default: true) else { continue }
            a.pgbouncerExporters.append(PgbouncerExporterConfig(h, ip: ins.ip))
        }
        return a
    }
}

/// The pgbouncer exporter's collector file of one instance (`/etc/pgbouncer_exporter.yml`).
public struct PgbouncerExporterConfig: Sendable, Equatable {
    public let ip: String
    /// `pg_dbsu`, the file's owner.
    public let owner: String
    /// The second of `pg_exporter_cache_ttls` (the "normal" stage), as the template prints it:
    /// the cache time of every collector but the entry list.
    public let normalTTL: String

    init(_ h: ResolvedHost, ip: String) {
        self.ip = ip
        let dbsu = Jinja.text(h.value("pg_dbsu"))
        owner = dbsu.isEmpty ? "postgres" : dbsu
        let stages = Jinja.text(h.value("pg_exporter_cache_ttls")).split(separator: ",", omittingEmptySubsequences: false)
        normalTTL = stages.count > 1 ? String(stages[1]) : "10"
    }
}

/// Vector on one node and the pipeline files Pigsty's roles put in `/etc/vector/` there.
public struct VectorNode: Sendable, Equatable {
    public let ip: String
    public let nodename: String
    public let nodeCluster: String
    /// `vector_data`.
    public let dataDir: String
    /// `vector_port`, as printed: the Prometheus exporter sink listens on `0.0.0.0:<port>`.
    public let port: String
    /// The VictoriaLogs endpoints logs are sent to, in order (one `http` sink each).
    public let logReceivers: [String]
    /// `vector_read_from` (default `beginning`): where file sources start reading.
    public let readFrom: String
    /// The PostgreSQL instance on this node (postgres, patroni and pgbackrest logs).
    public let postgres: Postgres?
    /// `redis_cluster` of a Redis node (Redis logs).
    public let redisCluster: String?
    /// `infra_seq` of an infra node (nginx logs as `nginx-<seq>`; `1` when unset).
    public let nginxSeq: String?

    public struct Postgres: Sendable, Equatable {
        public let cluster: String
        public let seq: String
        /// `pg_log_dir`, `patroni_log_dir`, `pgbackrest_log_dir`.
        public let pgLogDir: String
        public let patroniLogDir: String
        public let pgbackrestLogDir: String
        /// `<cluster>-<seq>`.
        public var instance: String { "\(cluster)-\(seq)" }
    }

    init(_ node: NodeResource, infraReceivers: [String], instance: PgInstanceResource?, isInfra: Bool) {
        let h = node.host
        ip = node.ip
        nodename = node.nodename
        nodeCluster = node.nodeCluster
        dataDir = Jinja.text(h.value("vector_data"))
        port = Jinja.text(h.value("vector_port"))
        readFrom = h.value("vector_read_from").map { Jinja.str($0) } ?? "beginning"
        logReceivers = Self.receivers(h, infra: infraReceivers)
        if let ins = instance {
            let p = ins.host
            postgres = Postgres(cluster: ins.cluster, seq: String(ins.seq), pgLogDir: Jinja.text(p.value("pg_log_dir")),
                                patroniLogDir: Jinja.text(p.value("patroni_log_dir")),
                                pgbackrestLogDir: Jinja.text(p.value("pgbackrest_log_dir")))
        } else {
            postgres = nil
        }
        redisCluster = node.membership.redis ? h.string("redis_cluster") : nil
        nginxSeq = isInfra ? (h.value("infra_seq").map { Jinja.str($0) } ?? "1") : nil
    }

    /// `vector_log_endpoint`: `[infra]` (the default) means every infra node with VictoriaLogs
    /// enabled, at its `vlogs_port`; any other list names the endpoints, `${admin_ip}` replaced.
    static func receivers(_ h: ResolvedHost, infra: [String]) -> [String] {
        guard let v = h.value("vector_log_endpoint"), v.value != .null else { return [] }
        let items: [String]
        if let seq = v.sequence { items = seq.map { Jinja.str($0) } } else { items = [Jinja.str(v)] }
        if items.isEmpty { return [] }
        if items == ["infra"] { return infra }
        let admin = Jinja.text(h.value("admin_ip"))
        return items.map { $0.replacingOccurrences(of: "${admin_ip}", with: admin) }
    }

    /// The VictoriaLogs insert endpoints of the infra nodes, each with its own variables.
    static func infraReceivers(_ graph: ResourceGraph) -> [String] {
        graph.infraNodes.compactMap { infra in
            let i = infra.host
            guard Jinja.bool(i.value("vlogs_enabled"), default: true) else { return nil }
            let port = i.value("vlogs_port").map { Jinja.str($0) } ?? "9428"
            return "http://\(infra.ip):\(port)/insert/jsonline"
        }
    }
}
