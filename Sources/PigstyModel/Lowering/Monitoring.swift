import PigstyInventory
import PigstySchema

/// The typed resources of scrape targets, VictoriaMetrics/vmalert/Grafana settings, alert rules, datasources.
public struct MonitoringModel: Sendable {
    /// One entry per infra node (`graph.infraNodes`, Ansible's order): the settings of the
    /// services running there.
    public internal(set) var infra: [InfraMonitor] = []
    /// The file-SD target files every module registers, the same on every infra node; one per
    /// `<job>/<file>` (a later registration of the same file replaces the earlier one, first position kept).
    public internal(set) var targets: [ScrapeTargetFile] = []
    /// Which alert rule modules the inventory deploys and the facts their rules read.
    public internal(set) var alerts = AlertFacts()
    /// What Pigsty registers in Grafana through its API, the same on every infra node, in order,
    /// before names are merged (see `GrafanaDatasources.shared`).
    public internal(set) var registeredDatasources: [GrafanaDatasource] = []
    /// `registeredDatasources` as they follow the fixed ones in every node's provisioning file:
    /// names merged, uids derived (computed once for all infra nodes).
    public internal(set) var sharedDatasources: [GrafanaDatasource] = []
    /// Vector on every node, the pgbouncer exporter's collectors, Alertmanager and blackbox
    /// (`MonitoringAgents.swift`).
    public internal(set) var agents = MonitoringAgents()

    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> MonitoringModel {
        var m = MonitoringModel()
        m.agents = MonitoringAgents.lower(graph)
        // Everything else lands on infra nodes: nothing more to lower without one.
        guard !graph.infraNodes.isEmpty else { return m }
        m.targets = ScrapeTargetFile.lower(graph)
        m.alerts = AlertFacts.lower(graph)
        m.registeredDatasources = GrafanaDatasources.registered(graph)
        m.sharedDatasources = GrafanaDatasources.shared(m.registeredDatasources)
        m.infra = graph.infraNodes.map { InfraMonitor.lower($0) }
        return m
    }
}

// MARK: - per infra node

/// The monitoring services of one infra node.
public struct InfraMonitor: Sendable {
    public let ip: String
    public let victoria: VictoriaSettings
    public let thresholds: AlertThresholds
    public let grafana: GrafanaSettings
    /// `pgrds/<cluster>.yml`: the remote instances this node's `pg_exporters` lists, by cluster.
    public let pgrds: [ScrapeTargetFile]

    static func lower(_ node: NodeResource) -> InfraMonitor {
        let h = node.host
        return InfraMonitor(ip: node.ip, victoria: VictoriaSettings(h), thresholds: AlertThresholds(h),
                            grafana: GrafanaSettings(node), pgrds: ScrapeTargetFile.pgrds(node))
    }
}

/// A variable as a template prints it (`{{ x }}`), empty when unset.
private func text(_ h: ResolvedHost, _ name: String) -> String { Jinja.text(h.value(name)) }
private func on(_ h: ResolvedHost, _ name: String) -> Bool { Jinja.bool(h.value(name)) }

/// VictoriaMetrics, VictoriaLogs, VictoriaTraces and vmalert on an infra node. Ports, options and
/// intervals are the text the templates print.
public struct VictoriaSettings: Sendable, Equatable {
    public let vmetricsEnabled: Bool
    public let vlogsEnabled: Bool
    public let vtracesEnabled: Bool
    /// `vmalert_enabled`, and only where VictoriaMetrics runs too.
    public let vmalertEnabled: Bool
    public let vmetricsPort: String
    public let vmetricsOptions: String
    public let vlogsPort: String
    public let vlogsOptions: String
    public let vtracesPort: String
    public let vtracesOptions: String
    public let vmalertPort: String
    public let vmalertOptions: String
    public let alertmanagerPort: String
    public let scrapeInterval: String
    public let scrapeTimeout: String
    /// `exporter_metrics_path`.
    public let exporterMetricsPath: String
    /// `minio_https` (default true): the minio job scrapes over TLS with the infra certificate.
    public let minioTLS: Bool
    /// `patroni_ssl_enabled`: the pgsql-patroni job exists.
    public let patroniSSL: Bool
    public let redisExporterPort: String
    /// Exporter ports the agent recording rules select by (`node_exporter_port`, …).
    public let agentPorts: AgentPorts

    init(_ h: ResolvedHost) {
        vmetricsEnabled = on(h, "vmetrics_enabled")
        vlogsEnabled = on(h, "vlogs_enabled")
        vtracesEnabled = on(h, "vtraces_enabled")
        vmalertEnabled = vmetricsEnabled && on(h, "vmalert_enabled")
        vmetricsPort = text(h, "vmetrics_port")
        vmetricsOptions = text(h, "vmetrics_options")
        vlogsPort = text(h, "vlogs_port")
        vlogsOptions = text(h, "vlogs_options")
        vtracesPort = text(h, "vtraces_port")
        vtracesOptions = text(h, "vtraces_options")
        vmalertPort = text(h, "vmalert_port")
        vmalertOptions = text(h, "vmalert_options")
        alertmanagerPort = text(h, "alertmanager_port")
        scrapeInterval = text(h, "vmetrics_scrape_interval")
        scrapeTimeout = text(h, "vmetrics_scrape_timeout")
        exporterMetricsPath = text(h, "exporter_metrics_path")
        minioTLS = Jinja.bool(h.value("minio_https"), default: true)
        patroniSSL = on(h, "patroni_ssl_enabled")
        redisExporterPort = text(h, "redis_exporter_port")
        agentPorts = AgentPorts(
            nodeExporter: text(h, "node_exporter_port"), haproxyExporter: text(h, "haproxy_exporter_port"),
            vipExporter: text(h, "vip_exporter_port"), dockerExporter: text(h, "docker_exporter_port"),
            vector: text(h, "vector_port"), pgExporter: text(h, "pg_exporter_port"),
            pgbouncerExporter: text(h, "pgbouncer_exporter_port"), pgbackrestExporter: text(h, "pgbackrest_exporter_port"),
            patroni: text(h, "patroni_port"))
    }
}

/// The exporter ports of an infra node's variables, as the templates print them.
public struct AgentPorts: Sendable, Equatable {
    public let nodeExporter, haproxyExporter, vipExporter, dockerExporter, vector: String
    public let pgExporter, pgbouncerExporter, pgbackrestExporter, patroni: String
}

/// The `alert_*` percentages (1–100) of the infra node writing the rules; the built-in value where
/// the inventory's is not a usable integer.
public struct AlertThresholds: Sendable, Equatable {
    public let nodeCPU, nodeMem, nodeFS, pgConn, pgXid, etcdQuota, redisMem: Int

    init(_ h: ResolvedHost) {
        func percent(_ name: String, _ fallback: Int) -> Int {
            let p = h.int(name) ?? fallback
            return p < 1 || p > 100 ? fallback : p
        }
        nodeCPU = percent("alert_node_cpu_percent", 80)
        nodeMem = percent("alert_node_mem_percent", 90)
        nodeFS = percent("alert_node_fs_percent", 90)
        pgConn = percent("alert_pg_conn_percent", 70)
        pgXid = percent("alert_pg_xid_percent", 80)
        etcdQuota = percent("alert_etcd_quota_percent", 90)
        redisMem = percent("alert_redis_mem_percent", 90)
    }
}

// MARK: - alert facts

/// What the alert rules read from the whole inventory.
public struct AlertFacts: Sendable, Equatable {
    public var pgsqlDeployed = false
    public var etcdDeployed = false
    public var minioDeployed = false
    public var redisDeployed = false
    /// Distinct valid exporter ports (1–65535), in inventory order, of the members running the exporter.
    public var nodeExporterPorts: [Int] = []
    public var haproxyExporterPorts: [Int] = []
    public var pgExporterPorts: [Int] = []
    public var patroniPorts: [Int] = []
    /// Whether some instance runs pgbouncer.
    public var pgbouncerDeployed = false
    public var pgbouncerExporterPorts: [Int] = []
    /// Each PostgreSQL cluster's replication lag budget in bytes (`pg_rpo` of its first instance;
    /// 1 MiB when unset or not positive), in cluster order.
    public var clusterRPO: [ClusterRPO] = []

    public struct ClusterRPO: Sendable, Equatable {
        public let cluster: String
        public let bytes: Int
    }

    static func ports(_ hosts: [ResolvedHost], _ param: String) -> [Int] {
        var ports: [Int] = []
        for h in hosts {
            guard let p = h.int(param), p > 0, p < 65536, !ports.contains(p) else { continue }
            ports.append(p)
        }
        return ports
    }

    static func lower(_ graph: ResourceGraph) -> AlertFacts {
        var a = AlertFacts()
        a.pgsqlDeployed = !graph.pgInstances.isEmpty
        a.etcdDeployed = !graph.nodes(inGroup: "etcd").isEmpty
        a.minioDeployed = !graph.resolved.minioClusters.isEmpty
        a.redisDeployed = !graph.resolved.redisClusters.isEmpty
        let hosts = graph.nodes.map(\.host)
        a.nodeExporterPorts = ports(hosts.filter { Jinja.bool($0.value("node_exporter_enabled"), default: true) }, "node_exporter_port")
        a.haproxyExporterPorts = ports(hosts.filter { Jinja.bool($0.value("haproxy_enabled"), default: true) }, "haproxy_exporter_port")
        let instances = graph.pgInstances.map(\.host)
        a.pgExporterPorts = ports(instances.filter { Jinja.bool($0.value("pg_exporter_enabled"), default: true) }, "pg_exporter_port")
        a.patroniPorts = ports(instances.filter { Jinja.bool($0.value("patroni_enabled"), default: true) }, "patroni_port")
        let pgbouncer = instances.filter { Jinja.bool($0.value("pgbouncer_enabled"), default: true) }
        a.pgbouncerDeployed = !pgbouncer.isEmpty
        a.pgbouncerExporterPorts = ports(pgbouncer.filter { Jinja.bool($0.value("pgbouncer_exporter_enabled"), default: true) },
                                         "pgbouncer_exporter_port")
        a.clusterRPO = graph.pgClusters.map { c in
            var rpo = c.instances.first?.host.int("pg_rpo") ?? 1_048_576
            if rpo <= 0 { rpo = 1_048_576 }  // synchronous clusters: lag of asynchronous members past 1 MiB
            return ClusterRPO(cluster: c.name, bytes: rpo)
        }
        return a
    }
}
