import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// Vector's pipeline files in `/etc/vector/` (Vector runs with `--config-dir /etc/vector` and
/// merges them): on every node with `vector_enabled`, `vector.yaml` (data directory, API,
/// internal metrics, the Prometheus exporter sink and one VictoriaLogs sink per log endpoint) and
/// `node.yaml` (journald); then what the node's modules register: `postgres.yaml`,
/// `patroni.yaml`, `pgbackrest.yaml` on PostgreSQL nodes, `redis.yaml` on Redis nodes,
/// `nginx.yaml` on infra nodes. Sinks take every source or transform whose id ends in
/// `_metrics` or `_logs`; each file's ids are its own. Vector reloads its configuration on SIGHUP
/// (`systemctl reload vector`), new files included.
struct VectorBackend: Backend {
    let name = "vector"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for v in graph.monitoring.agents.vector {
            let producer = "\(name):\(v.ip)"
            func add(_ file: String, _ what: String, _ content: String, mode: Int, step: ApplyStep) {
                tree.add(GeneratedFile(path: "/etc/vector/\(file)",
                                       content: Header.hash("Vector \(what)", node: v.ip) + content,
                                       mode: mode, producer: producer, apply: .in(step, .reload("vector"))), on: v.ip)
            }
            tree.addDirectory(NodeDirectory(path: "/etc/vector", mode: 0o700, producer: producer, step: .node), on: v.ip)
            if v.dataDir.hasPrefix("/") {
                tree.addDirectory(NodeDirectory(path: v.dataDir, mode: 0o700, producer: producer, step: .node), on: v.ip)
            }
            add("vector.yaml", "main configuration", Self.main(v), mode: 0o644, step: .node)
            add("node.yaml", "journald log pipeline", Self.journald(v), mode: 0o600, step: .node)
            if let pg = v.postgres {
                add("postgres.yaml", "PostgreSQL log pipeline", Self.postgres(v, pg), mode: 0o600, step: .pgsql)
                add("patroni.yaml", "Patroni log pipeline", Self.patroni(v, pg), mode: 0o600, step: .pgsql)
                add("pgbackrest.yaml", "pgBackRest log pipeline", Self.pgbackrest(v, pg), mode: 0o600, step: .pgsql)
            }
            if let cluster = v.redisCluster {
                add("redis.yaml", "Redis log pipeline", Self.redis(v, cluster: cluster), mode: 0o600, step: .redis)
            }
            if let seq = v.nginxSeq {
                add("nginx.yaml", "nginx log pipeline", Self.nginx(v, seq: seq), mode: 0o600, step: .infra)
            }
        }
    }

    // MARK: - building blocks

    static func doc(_ entries: [PYEntry]) -> String { PYAML.document([.blank] + entries) }

    /// A `remap` transform of one input.
    static func remap(_ input: String, abort: Bool? = nil, _ program: String) -> PYNode {
        var f: [PYEntry] = [.pair("type", .str("remap")), .pair("inputs", .flowList([.str(input)], padded: false))]
        if let abort { f.append(.pair("drop_on_abort", .raw(abort ? "true" : "false"))) }
        f.append(.pair("source", .literal(program)))
        return .block(f)
    }

    /// A `file` source reading `paths`.
    static func file(_ paths: [String], readFrom: String, extra: [PYEntry] = []) -> PYNode {
        .block([.pair("type", .str("file")), .pair("read_from", .str(readFrom)),
                .pair("include", .items(paths.map { .node(.str($0)) }))] + extra)
    }

    /// Lines that start a new event (the rest are merged into it) as Vector's `multiline` reads them.
    static func multiline(_ start: String) -> PYEntry {
        .pair("multiline", .block([
            .pair("start_pattern", .single(start)), .pair("mode", .str("halt_before")),
            .pair("condition_pattern", .single(start)), .pair("timeout_ms", .raw("1000")),
        ]))
    }

    static let byInode: PYEntry = .pair("fingerprint", .block([.pair("strategy", .str("device_and_inode"))]))

    // MARK: - vector.yaml

    static func main(_ v: VectorNode) -> String {
        var sinks: [PYEntry] = [
            .comment("internal and custom metrics, scraped by VictoriaMetrics"),
            .pair("vmetrics", .block([
                .pair("type", .str("prometheus_exporter")),
                .pair("inputs", .flowList([.quoted("*_metrics")], padded: false)),
                .pair("address", .str("0.0.0.0:\(v.port)")),
                .pair("default_namespace", .str("vector")),
            ])),
        ]
        if !v.logReceivers.isEmpty { sinks.append(.comment("every log stream, to each VictoriaLogs endpoint")) }
        for (i, uri) in v.logReceivers.enumerated() {
            sinks.append(.pair(v.logReceivers.count > 1 ? "vlogs\(i + 1)" : "vlogs", .block([
                .pair("type", .str("http")),
                .pair("inputs", .flowList([.quoted("*_logs")], padded: false)),
                .pair("uri", .str(uri)),
                .pair("encoding", .block([.pair("codec", .str("json"))])),
                .pair("framing", .block([.pair("method", .str("newline_delimited"))])),
                .pair("compression", .str("gzip")),
                .pair("healthcheck", .block([.pair("enabled", .raw("false"))])),
                .pair("request", .block([.pair("headers", .block([
                    .pair("VL-Stream-Fields", .str("job,ins,ip")),
                    .pair("VL-Msg-Field", .str("message")),
                    .pair("VL-Time-Field", .str("_time")),
                    .pair("VL-Ignore-Fields", .str("timestamp,file")),
                    .pair("AccountID", .quoted("0")),
                    .pair("ProjectID", .quoted("0")),
                ]))])),
            ])))
        }
        return doc([
            .pair("data_dir", .str(v.dataDir)),
            .blank,
            .pair("api", .block([.pair("enabled", .raw("true"))])),
            .blank,
            .pair("sources", .block([
                .pair("internal_metrics", .block([.pair("type", .str("internal_metrics")), .pair("scrape_interval_secs", .raw("15"))])),
            ])),
            .blank,
            .pair("sinks", .block(sinks)),
        ])
    }

    // MARK: - node.yaml

    static func journald(_ v: VectorNode) -> String {
        doc([
            .pair("sources", .block([
                .comment("the systemd journal of the current boot"),
                .pair("syslog_raw", .block([.pair("type", .str("journald")), .pair("current_boot_only", .raw("true")),
                                            .pair("since_now", .raw("false"))])),
            ])),
            .blank,
            .pair("transforms", .block([
                .pair("syslog_logs", remap("syslog_raw", VectorPrograms.syslog(ip: v.ip, ins: v.nodename, cls: v.nodeCluster))),
            ])),
        ])
    }

    // MARK: - PostgreSQL

    static func postgres(_ v: VectorNode, _ pg: VectorNode.Postgres) -> String {
        // A CSV record may span lines: a new one starts with its timestamp.
        let start = #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3} UTC,(?:"|,)"#
        return doc([
            .pair("sources", .block([
                .comment("PostgreSQL's CSV log"),
                .pair("pglog_raw", file(["\(pg.pgLogDir)/*.csv"], readFrom: v.readFrom, extra: [multiline(start)])),
            ])),
            .blank,
            .pair("transforms", .block([
                .pair("pglog_logs", remap("pglog_raw", abort: true,
                                          VectorPrograms.postgres(ip: v.ip, ins: pg.instance, cls: pg.cluster))),
            ])),
        ])
    }

    static func patroni(_ v: VectorNode, _ pg: VectorNode.Postgres) -> String {
        // Tracebacks continue the line that starts with a timestamp and zone offset.
        let start = #"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4} "#
        return doc([
            .pair("sources", .block([
                .comment("Patroni's log, from its end"),
                .pair("patroni_raw", file(["\(pg.patroniLogDir)/patroni.log"], readFrom: "end", extra: [byInode, multiline(start)])),
            ])),
            .blank,
            .pair("transforms", .block([
                .pair("patroni_logs", remap("patroni_raw", VectorPrograms.patroni(ip: v.ip, ins: pg.instance, cls: pg.cluster))),
            ])),
        ])
    }

    static func pgbackrest(_ v: VectorNode, _ pg: VectorNode.Postgres) -> String {
        doc([
            .pair("sources", .block([
                .comment("pgBackRest's logs, one file per command and stanza"),
                .pair("pgbackrest_raw", file(["\(pg.pgbackrestLogDir)/*.log"], readFrom: v.readFrom, extra: [byInode])),
            ])),
            .blank,
            .pair("transforms", .block([
                .pair("pgbackrest_logs", remap("pgbackrest_raw", VectorPrograms.pgbackrest(
                    ip: v.ip, ins: pg.instance, cls: pg.cluster, logDir: pg.pgbackrestLogDir))),
            ])),
        ])
    }

    // MARK: - Redis and nginx

    static func redis(_ v: VectorNode, cluster: String) -> String {
        doc([
            .pair("sources", .block([
                .comment("every Redis instance's log"),
                .pair("redis_raw", .block([
                    .pair("type", .str("file")), .pair("read_from", .str(v.readFrom)),
                    .pair("include", .flowList([.quoted("/var/log/redis/*.log")], padded: true)),
                    .pair("ignore_not_found", .raw("true")),
                ])),
            ])),
            .blank,
            .pair("transforms", .block([
                .pair("redis_logs", remap("redis_raw", VectorPrograms.redis(ip: v.ip, cls: cluster))),
            ])),
        ])
    }

    static func nginx(_ v: VectorNode, seq: String) -> String {
        let quiet: [PYEntry] = [.pair("ignore_not_found", .raw("true")), .pair("glob_minimum_cooldown_ms", .raw("10000"))]
        let ins = "nginx-\(seq)"
        return doc([
            .pair("sources", .block([
                .comment("access logs of every server (combined format)"),
                .pair("nginx_access_raw", file(["/var/log/nginx/*.log"], readFrom: v.readFrom, extra: quiet)),
                .comment("the error log"),
                .pair("nginx_error_raw", file(["/var/log/nginx-error.log"], readFrom: v.readFrom, extra: quiet)),
            ])),
            .blank,
            .pair("transforms", .block([
                .pair("nginx_access_logs", remap("nginx_access_raw", abort: false, VectorPrograms.nginxAccess(ip: v.ip, ins: ins))),
                .blank,
                .pair("nginx_error_logs", remap("nginx_error_raw", abort: false, VectorPrograms.nginxError(ip: v.ip, ins: ins))),
            ])),
        ])
    }
}
