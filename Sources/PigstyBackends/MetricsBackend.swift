import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyYAML

/// VictoriaMetrics on every infra node: the scrape configuration `/infra/prometheus.yml`, the file-SD
/// target files every module registers under `/infra/targets/<job>/`, the service environment files
/// `/etc/default/{vmetrics,vlogs,vtraces,vmalert}` and the recording rules `/infra/rules/agent.yml`.
/// Target files are written onto every infra node, each from the variables of the host it describes;
/// `pgrds` targets only onto the infra node whose `pg_exporters` lists them.
struct MetricsBackend: Backend {
    let name = "metrics"
    static let infraTargetApply = ApplyClass.in(.infra)
    static let targetApply = ApplyClass.in(.register)

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let monitoring = graph.monitoring
        guard !monitoring.infra.isEmpty else { return }
        // The registered targets are the same on every infra node: rendered once.
        let shared = monitoring.targets.map { ($0, Self.render($0.content)) }
        for infra in monitoring.infra {
            let vm = infra.victoria
            func add(_ path: String, _ content: String, mode: Int = 0o644, producer: String? = nil, apply: ApplyClass) {
                tree.add(GeneratedFile(path: path, content: content, owner: "victoria", group: "infra", mode: mode,
                                       producer: producer ?? "metrics:\(infra.ip)", apply: apply), on: infra.ip)
            }
            if vm.vmetricsEnabled {
                add("/etc/default/vmetrics", vmetricsEnv(infra, graph: graph), apply: .in(.infra, .restart("vmetrics")))
                add("/infra/prometheus.yml", prometheus(infra, graph: graph), apply: .in(.infra, .reload("vmetrics")))
                add("/infra/rules/agent.yml", agentRules(infra, graph: graph), apply: .in(.infra, .reload("vmalert")))
            }
            if vm.vlogsEnabled {
                add("/etc/default/vlogs", vlogsEnv(infra, graph: graph), apply: .in(.infra, .restart("vlogs")))
            }
            if vm.vtracesEnabled {
                add("/etc/default/vtraces", vtracesEnv(infra, graph: graph), apply: .in(.infra, .restart("vtraces")))
            }
            if vm.vmalertEnabled {
                add("/etc/default/vmalert", vmalertEnv(infra, graph: graph), apply: .in(.infra, .restart("vmalert")))
            }
            for (t, body) in shared + infra.pgrds.map({ ($0, Self.render($0.content)) }) {
                // file_sd directories are watched: the infra job's own files need nothing; the
                // others are registrations of their modules.
                add("/infra/targets/\(t.job)/\(t.file).yml",
                    Header.hash("\(t.job) targets (\(t.file))", node: infra.ip) + body,
                    mode: 0o640, producer: t.producer, apply: t.job == "infra" ? Self.infraTargetApply : Self.targetApply)
            }
        }
    }

    // MARK: environment files

    func vmetricsEnv(_ infra: InfraMonitor, graph: ResourceGraph) -> String {
        let vm = infra.victoria
        return env(infra, graph: graph, "VMETRICS_OPTS", "-storageDataPath=/infra/metrics -httpListenAddr=:\(vm.vmetricsPort)"
                   + " -promscrape.config=/infra/prometheus.yml \(vm.vmetricsOptions)")
    }

    func vlogsEnv(_ infra: InfraMonitor, graph: ResourceGraph) -> String {
        let vm = infra.victoria
        return env(infra, graph: graph, "VLOGS_OPTS",
                   "-storageDataPath=/infra/logs -httpListenAddr=:\(vm.vlogsPort) \(vm.vlogsOptions)")
    }

    func vtracesEnv(_ infra: InfraMonitor, graph: ResourceGraph) -> String {
        let vm = infra.victoria
        return env(infra, graph: graph, "VTRACES_OPTS",
                   "-storageDataPath=/infra/traces -httpListenAddr=:\(vm.vtracesPort) \(vm.vtracesOptions)")
    }

    func vmalertEnv(_ infra: InfraMonitor, graph: ResourceGraph) -> String {
        let v = infra.victoria
        let vm = "http://127.0.0.1:\(v.vmetricsPort)"
        return env(infra, graph: graph, "VMALERT_OPTS",
                   "-datasource.url=\(vm) -remoteRead.url=\(vm) -remoteWrite.url=\(vm)"
                   + " -notifier.url=http://127.0.0.1:\(v.alertmanagerPort) -httpListenAddr=:\(v.vmalertPort)"
                   + " -rule=/infra/rules/*.yml -evaluationInterval=\(v.scrapeInterval)  \(v.vmalertOptions)")
    }

    /// `NAME='options'`, as systemd's EnvironmentFile reads it (quoting by `EnvFileWriter`).
    func env(_ infra: InfraMonitor, graph: ResourceGraph, _ variable: String, _ options: String) -> String {
        var w = EnvFileWriter()
        w.verbatim(Header.hash("environment of \(variable.lowercased())", node: infra.ip))
        w.set(variable, options)
        return w.text
    }

    // MARK: prometheus.yml

    /// `- files: [ /infra/targets/<job>/*.yml ]`.
    static func fileSD(_ job: String) -> PYNode {
        .items([.node(.block([.pair("files", .flowList([.str("/infra/targets/\(job)/*.yml")], padded: true))]))])
    }

    /// `tls_config` with the infra node's certificate, values aligned.
    static let pki: PYEntry = .pair("tls_config", .block([
        .styled("ca_file", .str("/etc/pki/ca.crt"), .aligned(11)),
        .styled("cert_file", .str("/etc/pki/infra.crt"), .aligned(11)),
        .styled("key_file", .str("/etc/pki/infra.key"), .aligned(11)),
    ]))

    /// `- source_labels: [label]` with the rest of a relabel rule.
    static func relabel(_ source: String?, _ rest: [PYEntry], padded: Bool = false) -> PYItem {
        .node(.block((source.map { [PYEntry.pair("source_labels", .flowList([.str($0)], padded: padded))] } ?? []) + rest))
    }

    func prometheus(_ infra: InfraMonitor, graph: ResourceGraph) -> String {
        let vm = infra.victoria
        let path = PYNode.str(vm.exporterMetricsPath)
        func job(_ name: String, _ metricsPath: PYNode, _ extra: [PYEntry] = []) -> [PYItem] {
            [.blank, .node(.block([.pair("job_name", .str(name)), .pair("metrics_path", metricsPath),
                                   .pair("file_sd_configs", Self.fileSD(name))] + extra))]
        }
        var jobs: [PYItem] = [
            .blank,
            .comment("ICMP probes through the local blackbox exporter; targets are bare addresses"),
            .node(.block([
                .pair("job_name", .str("ping")), .pair("metrics_path", .str("/probe")),
                .pair("params", .flowMap([PYFlowPair("module", .flowList([.str("icmp")], padded: false))], padded: false)),
                .pair("file_sd_configs", Self.fileSD("ping")),
                .pair("relabel_configs", .items([
                    Self.relabel("__address__", [.pair("target_label", .str("__param_target"))]),
                    Self.relabel("__param_target", [.pair("target_label", .str("instance"))]),
                    Self.relabel(nil, [.pair("target_label", .str("__address__")), .pair("replacement", .str("127.0.0.1:9115"))]),
                ])),
            ])),
        ]
        jobs += job("infra", .str("/metrics"))
        jobs += job("node", path)
        jobs += job("docker", .str("/metrics"), [
            .styled("relabel_configs", .items([
                Self.relabel("job", [.pair("target_label", .str("job")), .pair("replacement", .single("node"))]),
            ]), .comment("docker daemon metrics belong to the node job", at: 28)),
        ])
        jobs += job("etcd", .str("/metrics"), [.pair("scheme", .str("https")), Self.pki])
        jobs += job("minio", .str("/minio/metrics/v3"), [
            .pair("scheme", .str(vm.minioTLS ? "https" : "http")),
            .styled("metric_relabel_configs", .items([
                Self.relabel("bucket", [.pair("regex", .single(".+")), .pair("action", .str("drop"))], padded: true),
            ]), .comment("no per-bucket series", at: 28)),
        ] + (vm.minioTLS ? [Self.pki] : []))
        jobs += job("pgsql", path)
        if vm.patroniSSL {
            jobs += [
                .blank,
                .comment("patroni's REST API over TLS; its targets carry job=pgsql"),
                .node(.block([
                    .pair("job_name", .str("pgsql-patroni")), .pair("honor_labels", .raw("true")),
                    .pair("metrics_path", .str("/metrics")), .pair("scheme", .str("https")),
                    .pair("tls_config", .block([.pair("ca_file", .str("/etc/pki/ca.crt"))])),
                    .pair("file_sd_configs", Self.fileSD("patroni")),
                ])),
            ]
        }
        jobs += job("pgrds", path)
        let redisAddress = #"^redis://(.*):(\d+)$"#
        jobs += [
            .blank,
            .comment("redis_exporter multi-target scrape: targets are redis://ip:port"),
            .node(.block([
                .pair("job_name", .str("redis")), .pair("metrics_path", .str("/scrape")),
                .pair("file_sd_configs", Self.fileSD("redis")),
                .pair("relabel_configs", .items([
                    Self.relabel("__address__", [.pair("target_label", .str("__param_target"))]),
                    Self.relabel("__param_target", [.pair("regex", .str(redisAddress)), .pair("replacement", .str("$1:$2")),
                                                    .pair("target_label", .str("instance"))]),
                    Self.relabel("__param_target", [.pair("regex", .str(redisAddress)), .pair("replacement", .str("$1")),
                                                    .pair("target_label", .str("ip"))]),
                    Self.relabel("__param_target", [.pair("regex", .str(#"^redis://(.*):\d+$"#)),
                                                    .pair("replacement", .str("$1:" + vm.redisExporterPort)),
                                                    .pair("target_label", .str("__address__"))]),
                ])),
            ])),
        ]
        jobs += job("mysql", path)
        jobs += job("kafka", path)
        jobs += job("juice", .str("/metrics"))
        let doc = PYNode.block([
            .pair("global", .block([
                .styled("scrape_interval", .str(vm.scrapeInterval), .aligned(17)),
                .styled("scrape_timeout", .str(vm.scrapeTimeout), .aligned(17)),
            ])),
            .blank,
            .pair("scrape_configs", .items(jobs)),
        ])
        return Header.hash("VictoriaMetrics scrape configuration", node: infra.ip)
            + PYAML.document(doc, preamble: ["every job reads its targets from /infra/targets/<job>/*.yml, which the modules register"],
                             start: true, end: true)
    }

    // MARK: agent.yml

    /// `<x>_up` recording rules over `up`, by exporter port or by job.
    func agentRules(_ infra: InfraMonitor, graph: ResourceGraph) -> String {
        let p = infra.victoria.agentPorts
        func port(_ port: String) -> String { #"up{instance=~".*:"# + port + #""}"# }
        let groups: [(String, [(String, String)])] = [
            ("node", [("node_up", port(p.nodeExporter)), ("haproxy_up", port(p.haproxyExporter)),
                      ("keepalived_exporter_up", port(p.vipExporter)), ("docker_up", port(p.dockerExporter)),
                      ("vector_up", port(p.vector))]),
            ("etcd", [("etcd_up", #"up{job="etcd"}"#)]),
            ("minio", [("minio_up", #"up{job="minio"}"#)]),
            ("pgsql", [("pg_exporter_agent_up", port(p.pgExporter)),
                       ("pgbouncer_exporter_agent_up", port(p.pgbouncerExporter)),
                       ("pgbackrest_exporter_agent_up", port(p.pgbackrestExporter)),
                       ("patroni_up", port(p.patroni))]),
            ("mysql", [("mysql_exporter_up", #"up{job="mysql"}"#)]),
            ("kafka", [("kafka_up", #"up{job="kafka",role=~".+"}"#), ("kafka_exporter_up", #"up{job="kafka",role=""}"#)]),
        ]
        var rules: [PYItem] = []
        for (module, records) in groups {
            rules.append(.comment(module))
            for (record, expr) in records {
                rules.append(.node(.block([.pair("record", .str(record)), .pair("expr", .single(expr))])))
            }
        }
        let doc = PYNode.block([
            .pair("groups", .items([.node(.block([.pair("name", .str("agent-rules")), .pair("rules", .items(rules))]))])),
        ])
        return Header.hash("agent recording rules", node: infra.ip)
            + PYAML.document(doc, preamble: ["<agent>_up: the scrape status of each exporter, selected by its port or job"],
                             start: true, end: true)
    }

    // MARK: targets

    /// `{ ip: …, ins: …, cls: … }` pairs of a node, spaced as Pigsty writes them.
    static func nodeLabels(_ l: NodeTargetLabels) -> [PYFlowPair] {
        [PYFlowPair("ip", .str(l.ip), spaced: true), PYFlowPair("ins", .str(l.ins), spaced: true), PYFlowPair("cls", .str(l.cls))]
    }

    static func pgLabels(_ l: PgTargetLabels) -> [PYFlowPair] {
        [PYFlowPair("cls", .str(l.cls)), PYFlowPair("ins", .str(l.ins)), PYFlowPair("ip", .str(l.ip))]
    }

    /// `- labels: { … }` and its `targets`.
    static func group(_ labels: [PYFlowPair], _ targets: PYNode) -> PYItem {
        .node(.block([.pair("labels", .flowMap(labels, padded: true)), .pair("targets", targets)]))
    }

    /// `[ address ]`.
    static func one(_ address: String) -> PYNode { .flowList([.str(address)], padded: true) }

    /// A target file's body (after its header).
    static func render(_ t: ScrapeTargets) -> String {
        switch t {
        case let .infra(ip, seq, services):
            guard !services.isEmpty else { return PYAML.document(.flowList([], padded: false), start: true) }
            var items: [PYItem] = []
            items.reserveCapacity(services.count * 3)
            for s in services {
                items.append(.comment("\(s.name) @ \(ip)"))
                items.append(group([PYFlowPair("ip", .str(ip)), PYFlowPair("ins", .str("\(s.name)-\(seq)")), PYFlowPair("cls", .str(s.name))],
                                   one("\(ip):\(s.port)")))
                items.append(.blank)
            }
            return PYAML.document(.items(items), start: true, end: true)
        case let .node(labels, addresses, keepalived):
            var items: [PYItem] = [.comment("\(labels.ip): node_exporter, haproxy, vector"),
                                   group(nodeLabels(labels), .items(addresses.map { .node(.str($0)) }))]
            if let k = keepalived {
                items.append(.comment("keepalived_exporter"))
                items.append(group(nodeLabels(labels) + [PYFlowPair("vip", .str(k.vip))], one(k.address)))
            }
            return PYAML.document(.items(items))
        case let .ping(labels):
            return PYAML.document(.items([.comment(labels.ip), group(nodeLabels(labels), one(labels.ip))]))
        case let .nodeVIP(labels, vip):
            return PYAML.document(.items([
                .comment("\(vip)@\(labels.ip)"),
                group(nodeLabels(labels) + [PYFlowPair("vip", .str(vip), spaced: true), PYFlowPair("job", .str("node-vip"))], one(vip)),
            ]))
        case let .etcd(ip, ins, cls, address):
            return PYAML.document(.items([
                .comment("\(ins) @ \(ip)"),
                group([PYFlowPair("ip", .str(ip), spaced: true), PYFlowPair("ins", .str(ins), spaced: true), PYFlowPair("cls", .str(cls))],
                      one(address)),
            ]))
        case let .minio(ip, ins, cls, address, flavor):
            return PYAML.document(.items([
                .comment("\(ins) @ \(ip)"),
                .node(.block([
                    .pair("targets", .flowList([.quoted(address)], padded: true)),
                    .pair("labels", .block([.pair("ip", .quoted(ip)), .pair("ins", .quoted(ins)), .pair("cls", .quoted(cls)),
                                            .pair("instance", .quoted(address)), .pair("flavor", .quoted(flavor))])),
                ])),
            ]))
        case let .pgsql(labels, addresses):
            return PYAML.document(.items([
                .comment("\(labels.ins) [\(labels.role)] @ \(labels.ip)"),
                group(pgLabels(labels), .items([.blank] + addresses.map { .node(.str($0)) })),
            ]))
        case let .patroni(labels, address):
            return PYAML.document(.items([
                .comment("\(labels.ins) [\(labels.role)] @ \(labels.ip)"),
                group([PYFlowPair("job", .str("pgsql"))] + pgLabels(labels), one(address)),
            ]))
        case let .pgVIP(labels, vip):
            return PYAML.document(.items([
                .comment("\(vip)@\(labels.ip)"),
                group(pgLabels(labels) + [PYFlowPair("vip", .str(vip)), PYFlowPair("job", .str("pgsql-vip"))], one(vip)),
            ]))
        case let .redis(cls, prefix, ip, ports):
            var items: [PYItem] = [.comment("\(prefix) @ \(ip)"), .blank]
            items.reserveCapacity(2 + ports.count * 2)
            for port in ports {
                items.append(group([PYFlowPair("cls", .str(cls)), PYFlowPair("ins", .str("\(prefix)-\(port)")),
                                    PYFlowPair("instance", .str("\(ip):\(port)"))],
                                   one("redis://\(ip):\(port)")))
                items.append(.blank)
            }
            return PYAML.document(.items(items))
        case let .pgrds(cls, infraIP, entries):
            var items: [PYItem] = [.comment("PGRDS: remote postgres instances of \(cls), scraped through local exporters"), .blank]
            for e in entries {
                items.append(.comment("\(cls)-\(e.seq) @ \(e.host):\(e.pgPort)"))
                items.append(group([PYFlowPair("cls", .str(cls)), PYFlowPair("ins", .str("\(cls)-\(e.seq)")), PYFlowPair("ip", .str(e.host))],
                                   one("\(infraIP):\(e.exporterPort)")))
                items.append(.blank)
            }
            return PYAML.document(.items(items))
        }
    }
}
