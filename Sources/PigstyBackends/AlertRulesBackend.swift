import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyYAML

/// Alert rules: `/infra/rules/<module>.yml` on every infra node, one file per module the
/// inventory deploys (node and infra always; pgsql, etcd, minio, redis when present). vmalert
/// loads `/infra/rules/*.yml`. The alert names follow Pigsty's where the meaning is the same;
/// every expression reads raw exporter metrics (no recording rules), so each file stands alone.
/// Thresholds come from the inventory: `pg_rpo` per cluster, exporter ports per member, and the
/// `alert_*` percentages of the infra node writing the file.
struct AlertRulesBackend: Backend {
    let name = "alerts"
    static let rulesApply = ApplyClass.in(.infra, .reload("vmalert"))

    enum Severity: String {
        case critical, warning, info
        var level: Int {
            switch self {
            case .critical: return 0
            case .warning: return 1
            case .info: return 2
            }
        }
    }

    struct Rule {
        let alert: String
        let expr: String
        let duration: String?
        let severity: Severity
        let summary: String
        let description: String
    }

    struct Module {
        /// File stem and `category` label: `node`, `pgsql`, ….
        let name: String
        let rules: [Rule]
    }

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let facts = graph.monitoring.alerts
        for infra in graph.monitoring.infra {
            for module in Self.modules(facts, thresholds: infra.thresholds) where !module.rules.isEmpty {
                let content = Header.hash("\(module.name) alert rules", node: infra.ip)
                    + Self.render(module)
                tree.add(GeneratedFile(path: "/infra/rules/\(module.name).yml", content: content, owner: "victoria",
                                       group: "infra", mode: 0o644, producer: "\(name):\(module.name)",
                                       apply: Self.rulesApply), on: infra.ip)
            }
        }
    }

    // MARK: - which modules

    /// The rule modules this inventory needs, in a fixed order. `thresholds` are those of the infra
    /// node writing the files.
    static func modules(_ facts: AlertFacts, thresholds s: AlertThresholds) -> [Module] {
        var out = [Module(name: "infra", rules: infraRules()),
                   Module(name: "node", rules: nodeRules(facts, s))]
        if facts.pgsqlDeployed { out.append(Module(name: "pgsql", rules: pgsqlRules(facts, s))) }
        if facts.etcdDeployed { out.append(Module(name: "etcd", rules: etcdRules(s))) }
        if facts.minioDeployed { out.append(Module(name: "minio", rules: minioRules())) }
        if facts.redisDeployed { out.append(Module(name: "redis", rules: redisRules(s))) }
        return out
    }

    // MARK: - thresholds

    /// An `alert_*` percentage (1–100) as a ratio for PromQL.
    static func ratio(_ percent: Int) -> String { number(Double(percent) / 100) }

    /// A number as PromQL reads it, without a trailing `.0`.
    static func number(_ d: Double) -> String {
        if d == d.rounded(), abs(d) < 1e15 { return String(Int(d)) }
        return String(d)
    }

    /// `instance=~".*:(p1|p2)"` for distinct valid ports, nil when none.
    static func portMatcher(_ ports: [Int]) -> String? {
        guard !ports.isEmpty else { return nil }
        return "instance=~\".*:(\(ports.sorted().map(String.init).joined(separator: "|")))\""
    }

    /// A PromQL regular expression matching exactly one of `names` (RE2 metacharacters escaped,
    /// written inside a double-quoted PromQL string).
    static func alternation(_ names: [String]) -> String {
        names.map { name in
            var out = ""
            for c in name {
                if "\\.+*?()|[]{}^$".contains(c) { out += "\\\\" }
                if c == "\"" { out += "\\" }
                out.append(c)
            }
            return out
        }.joined(separator: "|")
    }

    // MARK: - rules per module

    static func infraRules() -> [Rule] {
        [
            Rule(alert: "InfraDown", expr: "up{job=\"infra\"} < 1", duration: "1m", severity: .critical,
                 summary: "infra component {{ $labels.ins }} is down",
                 description: "{{ $labels.instance }} of {{ $labels.ins }} has not answered the scrape for a minute."),
            Rule(alert: "AlertmanagerNotifyFailed",
                 expr: "rate(alertmanager_notifications_failed_total[5m]) > 0", duration: "5m", severity: .warning,
                 summary: "alertmanager on {{ $labels.ins }} fails to send notifications",
                 description: "Notifications through {{ $labels.integration }} fail on {{ $labels.instance }}; alerts may go unseen."),
        ]
    }

    static func nodeRules(_ facts: AlertFacts, _ s: AlertThresholds) -> [Rule] {
        var rules: [Rule] = []
        if let port = portMatcher(facts.nodeExporterPorts) {
            rules.append(Rule(alert: "NodeDown", expr: "up{job=\"node\", \(port)} < 1", duration: "1m", severity: .critical,
                              summary: "node {{ $labels.ins }} is down",
                              description: "node_exporter on {{ $labels.instance }} has not answered for a minute: the node or its agent is gone."))
        }
        if let port = portMatcher(facts.haproxyExporterPorts) {
            rules.append(Rule(alert: "HaproxyDown", expr: "up{job=\"node\", \(port)} < 1", duration: "1m", severity: .critical,
                              summary: "haproxy on {{ $labels.ins }} is down",
                              description: "The haproxy metrics endpoint {{ $labels.instance }} has not answered for a minute."))
        }
        let fs = "fstype!~\"tmpfs|devtmpfs|overlay|squashfs|nfs.*|fuse.*\""
        rules += [
            Rule(alert: "NodeCpuHigh",
                 expr: "1 - avg without (cpu, mode) (rate(node_cpu_seconds_total{mode=\"idle\"}[1m])) > \(ratio(s.nodeCPU))",
                 duration: "3m", severity: .warning,
                 summary: "CPU of {{ $labels.ins }} is busy",
                 description: "CPU usage of {{ $labels.ins }} is {{ $value | humanizePercentage }}."),
            Rule(alert: "NodeMemHigh",
                 expr: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes > \(ratio(s.nodeMem))",
                 duration: "3m", severity: .warning,
                 summary: "memory of {{ $labels.ins }} is nearly used up",
                 description: "Memory usage of {{ $labels.ins }} is {{ $value | humanizePercentage }}."),
            Rule(alert: "NodeFsSpaceFull",
                 expr: "1 - node_filesystem_avail_bytes{\(fs)} / node_filesystem_size_bytes{\(fs)} > \(ratio(s.nodeFS))",
                 duration: "1m", severity: .warning,
                 summary: "file system {{ $labels.mountpoint }} of {{ $labels.ins }} is filling up",
                 description: "{{ $labels.mountpoint }} ({{ $labels.device }}) on {{ $labels.ins }} is {{ $value | humanizePercentage }} full."),
            Rule(alert: "NodeFsFilesFull",
                 expr: "1 - node_filesystem_files_free{\(fs)} / node_filesystem_files{\(fs)} > \(ratio(s.nodeFS))",
                 duration: "1m", severity: .warning,
                 summary: "inodes of {{ $labels.mountpoint }} on {{ $labels.ins }} are running out",
                 description: "{{ $value | humanizePercentage }} of the inodes of {{ $labels.mountpoint }} on {{ $labels.ins }} are in use."),
            Rule(alert: "NodeFdFull", expr: "node_filefd_allocated / node_filefd_maximum > 0.9", duration: "1m", severity: .warning,
                 summary: "{{ $labels.ins }} is running out of file descriptors",
                 description: "{{ $value | humanizePercentage }} of the kernel's file descriptors are allocated on {{ $labels.ins }}."),
            Rule(alert: "NodeLoadHigh",
                 expr: "node_load5 / count without (cpu, mode) (node_cpu_seconds_total{mode=\"idle\"}) > 2",
                 duration: "5m", severity: .info,
                 summary: "{{ $labels.ins }} is overloaded",
                 description: "The 5-minute load of {{ $labels.ins }} is {{ $value | printf \"%.2f\" }} per CPU."),
            Rule(alert: "NodeTimeDrift", expr: "node_timex_sync_status != 1", duration: "5m", severity: .warning,
                 summary: "clock of {{ $labels.ins }} is not synchronised",
                 description: "The kernel reports the clock of {{ $labels.ins }} as unsynchronised; check chronyd."),
        ]
        return rules
    }

    static func pgsqlRules(_ facts: AlertFacts, _ s: AlertThresholds) -> [Rule] {
        var rules: [Rule] = [
            Rule(alert: "PostgresDown", expr: "pg_up < 1", duration: "1m", severity: .critical,
                 summary: "postgres {{ $labels.ins }} is down",
                 description: "pg_exporter on {{ $labels.instance }} cannot reach postgres {{ $labels.ins }} of cluster {{ $labels.cls }}."),
        ]
        if let port = portMatcher(facts.pgExporterPorts) {
            rules.append(Rule(alert: "PgExporterDown", expr: "up{job=\"pgsql\", \(port)} < 1", duration: "1m", severity: .critical,
                              summary: "pg_exporter of {{ $labels.ins }} is down",
                              description: "{{ $labels.instance }} has not answered for a minute; {{ $labels.ins }} is not monitored."))
        }
        if let port = portMatcher(facts.patroniPorts) {
            rules.append(Rule(alert: "PatroniDown", expr: "up{job=~\"pgsql|pgsql-patroni\", \(port)} < 1", duration: "1m",
                              severity: .critical, summary: "patroni of {{ $labels.ins }} is down",
                              description: "The patroni REST API {{ $labels.instance }} has not answered for a minute: no automatic failover for {{ $labels.ins }}."))
        }
        if facts.pgbouncerDeployed {
            rules.append(Rule(alert: "PgbouncerDown", expr: "pgbouncer_up < 1", duration: "1m", severity: .critical,
                              summary: "pgbouncer {{ $labels.ins }} is down",
                              description: "pgbouncer_exporter on {{ $labels.instance }} cannot reach pgbouncer of {{ $labels.ins }}."))
            if let port = portMatcher(facts.pgbouncerExporterPorts) {
                rules.append(Rule(alert: "PgbouncerExporterDown", expr: "up{job=\"pgsql\", \(port)} < 1", duration: "1m",
                                  severity: .critical, summary: "pgbouncer_exporter of {{ $labels.ins }} is down",
                                  description: "{{ $labels.instance }} has not answered for a minute; pgbouncer of {{ $labels.ins }} is not monitored."))
            }
        }
        rules.append(Rule(alert: "PostgresRestart", expr: "pg_uptime < 300", duration: nil, severity: .info,
                          summary: "postgres {{ $labels.ins }} restarted",
                          description: "postgres {{ $labels.ins }} has been up for {{ $value | humanizeDuration }} only."))
        rules.append(Rule(alert: "PostgresReplicationBreak",
                          expr: "delta(pg_downstream_count{state=\"streaming\"}[5m]) < 0", duration: nil, severity: .critical,
                          summary: "a replica of {{ $labels.ins }} stopped streaming",
                          description: "The number of streaming downstream replicas of {{ $labels.ins }} dropped in the last 5 minutes."))
        // One lag rule per distinct pg_rpo, naming its clusters when they differ.
        var byThreshold: [(Int, [String])] = []
        for c in facts.clusterRPO {
            if let i = byThreshold.firstIndex(where: { $0.0 == c.bytes }) { byThreshold[i].1.append(c.cluster) } else {
                byThreshold.append((c.bytes, [c.cluster]))
            }
        }
        for (rpo, clusters) in byThreshold.sorted(by: { $0.0 < $1.0 }) {
            let cls = byThreshold.count > 1 ? "cls=~\"\(alternation(clusters))\", " : ""
            rules.append(Rule(alert: "PostgresReplicationLag",
                              expr: "pg_repl_replay_diff{\(cls)appname!~\"walreceiver|pg_receivewal\"} > \(rpo)",
                              duration: "1m", severity: .warning,
                              summary: "replica {{ $labels.appname }} of {{ $labels.ins }} lags",
                              description: "{{ $labels.appname }} replays {{ $value | humanize1024 }}B behind {{ $labels.ins }}, more than pg_rpo (\(rpo) bytes) allows to lose in a failover."))
        }
        rules += [
            Rule(alert: "PostgresConnUsageHigh",
                 expr: "sum without (datname) (pg_db_numbackends) / pg_setting_max_connections > \(ratio(s.pgConn))",
                 duration: "3m", severity: .warning,
                 summary: "connections of {{ $labels.ins }} are nearly used up",
                 description: "{{ $value | humanizePercentage }} of max_connections are in use on {{ $labels.ins }}."),
            Rule(alert: "PostgresXidWarpAround",
                 expr: "pg_db_age{datname!~\"template[0-9]\"} / 2147483648 > \(ratio(s.pgXid))",
                 duration: "1m", severity: .warning,
                 summary: "database {{ $labels.datname }} of {{ $labels.ins }} approaches XID wraparound",
                 description: "The oldest transaction ID of {{ $labels.datname }} on {{ $labels.ins }} has used {{ $value | humanizePercentage }} of the 2^31 budget; vacuum it."),
        ]
        return rules
    }

    static func etcdRules(_ s: AlertThresholds) -> [Rule] {
        [
            Rule(alert: "EtcdServerDown", expr: "up{job=\"etcd\"} < 1", duration: "1m", severity: .critical,
                 summary: "etcd {{ $labels.ins }} is down",
                 description: "etcd member {{ $labels.instance }} has not answered for a minute."),
            Rule(alert: "EtcdNoLeader", expr: "min by (cls) (etcd_server_has_leader) < 1", duration: "15s", severity: .critical,
                 summary: "etcd cluster {{ $labels.cls }} has no leader",
                 description: "A member of {{ $labels.cls }} sees no leader: the cluster cannot accept writes (patroni leader keys expire)."),
            Rule(alert: "EtcdQuotaFull",
                 expr: "etcd_mvcc_db_total_size_in_bytes / etcd_server_quota_backend_bytes > \(ratio(s.etcdQuota))",
                 duration: "1m", severity: .warning,
                 summary: "etcd {{ $labels.ins }} approaches its space quota",
                 description: "The backend of {{ $labels.ins }} uses {{ $value | humanizePercentage }} of its quota; compact and defragment."),
            Rule(alert: "EtcdWalFsyncSlow",
                 expr: "histogram_quantile(0.95, sum without (instance_id) (rate(etcd_disk_wal_fsync_duration_seconds_bucket[5m]))) > 0.05",
                 duration: "5m", severity: .warning,
                 summary: "WAL fsync of etcd {{ $labels.ins }} is slow",
                 description: "95% of WAL fsyncs on {{ $labels.ins }} take up to {{ $value | humanizeDuration }}; the disk is too slow for etcd."),
        ]
    }

    static func minioRules() -> [Rule] {
        [
            Rule(alert: "MinioServerDown", expr: "up{job=\"minio\"} < 1", duration: "1m", severity: .critical,
                 summary: "minio {{ $labels.ins }} is down",
                 description: "minio server {{ $labels.instance }} has not answered for a minute."),
            Rule(alert: "MinioNodeOffline", expr: "max by (cls) (minio_cluster_health_nodes_offline_count) > 0", duration: "3m",
                 severity: .critical, summary: "minio cluster {{ $labels.cls }} has offline nodes",
                 description: "{{ $value }} node(s) of {{ $labels.cls }} are offline."),
            Rule(alert: "MinioDiskOffline", expr: "max by (cls) (minio_cluster_health_drives_offline_count) > 0", duration: "3m",
                 severity: .warning, summary: "minio cluster {{ $labels.cls }} has offline drives",
                 description: "{{ $value }} drive(s) of {{ $labels.cls }} are offline."),
        ]
    }

    static func redisRules(_ s: AlertThresholds) -> [Rule] {
        [
            Rule(alert: "RedisDown", expr: "redis_up < 1", duration: "1m", severity: .critical,
                 summary: "redis {{ $labels.ins }} is down",
                 description: "redis_exporter cannot reach {{ $labels.instance }}."),
            Rule(alert: "RedisRejectConn", expr: "rate(redis_rejected_connections_total[1m]) > 0", duration: nil,
                 severity: .warning, summary: "redis {{ $labels.ins }} rejects connections",
                 description: "{{ $labels.ins }} refuses clients: maxclients is reached."),
            Rule(alert: "RedisMemHigh",
                 expr: "redis_memory_used_bytes / (redis_memory_max_bytes > 0) > \(ratio(s.redisMem))",
                 duration: "1m", severity: .warning,
                 summary: "redis {{ $labels.ins }} nearly reached maxmemory",
                 description: "{{ $labels.ins }} uses {{ $value | humanizePercentage }} of its maxmemory."),
        ]
    }

    // MARK: - rendering

    static func render(_ module: Module) -> String {
        var rules: [PYItem] = []
        rules.reserveCapacity(module.rules.count * 2)
        let category = PYEntry.pair("category", .str(module.name))
        for r in module.rules {
            var entries: [PYEntry] = [.pair("alert", .str(r.alert)), .pair("expr", .single(r.expr))]
            if let d = r.duration { entries.append(.pair("for", .str(d))) }
            entries.append(.pair("labels", .block([
                .pair("severity", .str(r.severity.rawValue)), .pair("level", .single(String(r.severity.level))), category,
            ])))
            entries.append(.pair("annotations", .block([
                .pair("summary", .single(r.summary)), .pair("description", .single(r.description)),
            ])))
            rules.append(.blank)
            rules.append(.node(.block(entries)))
        }
        return PYAML.document(.block([
            .pair("groups", .items([.node(.block([.pair("name", .str("\(module.name)-alert")), .pair("rules", .items(rules))]))])),
        ]))
    }
}
