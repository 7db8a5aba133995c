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

    /// A scalar inside a flow collection (`{ … }`, `[ … ]`): plain when YAML reads it back as the
    /// same string and it holds no flow indicator, else quoted.
    static func flow(_ s: String) -> String {
        if PYAML.isPlainSafe(s), !s.utf8.contains(where: { $0 == 0x2C || $0 == 0x5B || $0 == 0x5D || $0 == 0x7B || $0 == 0x7D }) {
            return s
        }
        return s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) ? Quoting.yamlDouble(s) : Quoting.yamlSingle(s)
    }

    /// A block scalar (a mapping value on its own line).
    static func block(_ s: String) -> String { PYAML.scalar(s) }

    // MARK: prometheus.yml

    func prometheus(_ infra: InfraMonitor, graph: ResourceGraph) -> String {
        let vm = infra.victoria
        let path = Self.block(vm.exporterMetricsPath)
        let minioTLS = vm.minioTLS
        let pki = """
              tls_config:
                ca_file:   /etc/pki/ca.crt
                cert_file: /etc/pki/infra.crt
                key_file:  /etc/pki/infra.key

          """
        func job(_ name: String, _ metricsPath: String, _ extra: String = "") -> String {
            """

              - job_name: \(name)
                metrics_path: \(metricsPath)
                file_sd_configs:
                  - files: [ /infra/targets/\(name)/*.yml ]

            """ + extra
        }
        var out = Header.hash("VictoriaMetrics scrape configuration", node: infra.ip)
        out += """
        # every job reads its targets from /infra/targets/<job>/*.yml, which the modules register
        ---
        global:
          scrape_interval: \(Self.block(vm.scrapeInterval))
          scrape_timeout:  \(Self.block(vm.scrapeTimeout))

        scrape_configs:

          # ICMP probes through the local blackbox exporter; targets are bare addresses
          - job_name: ping
            metrics_path: /probe
            params: {module: [icmp]}
            file_sd_configs:
              - files: [ /infra/targets/ping/*.yml ]
            relabel_configs:
              - source_labels: [__address__]
                target_label: __param_target
              - source_labels: [__param_target]
                target_label: instance
              - target_label: __address__
                replacement: 127.0.0.1:9115

        """
        out += job("infra", "/metrics")
        out += job("node", path)
        out += job("docker", "/metrics", """
                relabel_configs:            # docker daemon metrics belong to the node job
                  - source_labels: [job]
                    target_label: job
                    replacement: 'node'

            """)
        out += job("etcd", "/metrics", "    scheme: https\n" + pki)
        out += job("minio", "/minio/metrics/v3", """
                scheme: \(minioTLS ? "https" : "http")
                metric_relabel_configs:     # no per-bucket series
                  - source_labels: [ bucket ]
                    regex: '.+'
                    action: drop

            """ + (minioTLS ? pki : ""))
        out += job("pgsql", path)
        if vm.patroniSSL {
            out += """

              # patroni's REST API over TLS; its targets carry job=pgsql
              - job_name: pgsql-patroni
                honor_labels: true
                metrics_path: /metrics
                scheme: https
                tls_config:
                  ca_file: /etc/pki/ca.crt
                file_sd_configs:
                  - files: [ /infra/targets/patroni/*.yml ]

            """
        }
        out += job("pgrds", path)
        out += """

          # redis_exporter multi-target scrape: targets are redis://ip:port
          - job_name: redis
            metrics_path: /scrape
            file_sd_configs:
              - files: [ /infra/targets/redis/*.yml ]
            relabel_configs:
              - source_labels: [__address__]
                target_label: __param_target
              - source_labels: [__param_target]
                regex: ^redis://(.*):(\\d+)$
                replacement: $1:$2
                target_label: instance
              - source_labels: [__param_target]
                regex: ^redis://(.*):(\\d+)$
                replacement: $1
                target_label: ip
              - source_labels: [__param_target]
                regex: ^redis://(.*):\\d+$
                replacement: \(Self.block("$1:" + vm.redisExporterPort))
                target_label: __address__

        """
        out += job("mysql", path)
        out += job("kafka", path)
        out += job("juice", "/metrics")
        out += "...\n"
        return out
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
        var out = Header.hash("agent recording rules", node: infra.ip)
        out += "# <agent>_up: the scrape status of each exporter, selected by its port or job\n---\ngroups:\n  - name: agent-rules\n    rules:\n"
        for (module, rules) in groups {
            out += "      # \(module)\n"
            for (record, expr) in rules {
                out += "      - record: \(record)\n        expr: \(Quoting.yamlSingle(expr))\n"
            }
        }
        out += "...\n"
        return out
    }

    // MARK: targets

    /// A target file's body (after its header).
    static func render(_ t: ScrapeTargets) -> String {
        let f = flow
        func node(_ l: NodeTargetLabels) -> String { "ip: \(f(l.ip)) , ins: \(f(l.ins)) , cls: \(f(l.cls))" }
        func pg(_ l: PgTargetLabels) -> String { "cls: \(f(l.cls)), ins: \(f(l.ins)), ip: \(f(l.ip))" }
        func pgHead(_ l: PgTargetLabels) -> String { "# \(l.ins) [\(l.role)] @ \(l.ip)\n" }
        switch t {
        case let .infra(ip, seq, services):
            guard !services.isEmpty else { return "--- []\n" }
            var out = "---\n"
            for s in services {
                out += "# \(s.name) @ \(ip)\n- labels: { ip: \(f(ip)), ins: \(f("\(s.name)-\(seq)")), cls: \(f(s.name)) }\n"
                    + "  targets: [ \(f("\(ip):\(s.port)")) ]\n\n"
            }
            return out + "...\n"
        case let .node(labels, addresses, keepalived):
            var body = "# \(labels.ip): node_exporter, haproxy, vector\n- labels: { \(node(labels)) }\n"
            body += addresses.isEmpty ? "  targets: []\n" : "  targets:\n" + addresses.map { "    - \(block($0))\n" }.joined()
            if let k = keepalived {
                body += "# keepalived_exporter\n- labels: { \(node(labels)), vip: \(f(k.vip)) }\n  targets: [ \(f(k.address)) ]\n"
            }
            return body
        case let .ping(labels):
            return "# \(labels.ip)\n- labels: { \(node(labels)) }\n  targets: [ \(f(labels.ip)) ]\n"
        case let .nodeVIP(labels, vip):
            return "# \(vip)@\(labels.ip)\n- labels: { \(node(labels)), vip: \(f(vip)) , job: node-vip }\n  targets: [ \(f(vip)) ]\n"
        case let .etcd(ip, ins, cls, address):
            return "# \(ins) @ \(ip)\n- labels: { ip: \(f(ip)) , ins: \(f(ins)) , cls: \(f(cls)) }\n"
                + "  targets: [ \(f(address)) ]\n"
        case let .minio(ip, ins, cls, address, flavor):
            let q = Quoting.yamlDouble
            return """
                # \(ins) @ \(ip)
                - targets: [ \(q(address)) ]
                  labels:
                    ip: \(q(ip))
                    ins: \(q(ins))
                    cls: \(q(cls))
                    instance: \(q(address))
                    flavor: \(q(flavor))

                """
        case let .pgsql(labels, addresses):
            return pgHead(labels) + "- labels: { \(pg(labels)) }\n  targets:\n\n" + addresses.map { "    - \(block($0))\n" }.joined()
        case let .patroni(labels, address):
            return pgHead(labels) + "- labels: { job: pgsql, \(pg(labels)) }\n  targets: [ \(f(address)) ]\n"
        case let .pgVIP(labels, vip):
            return "# \(vip)@\(labels.ip)\n- labels: { \(pg(labels)), vip: \(f(vip)), job: pgsql-vip }\n  targets: [ \(f(vip)) ]\n"
        case let .redis(cls, prefix, ip, ports):
            var body = "# \(prefix) @ \(ip)\n\n"
            for port in ports {
                body += "- labels: { cls: \(f(cls)), ins: \(f("\(prefix)-\(port)")), instance: \(f("\(ip):\(port)")) }\n"
                    + "  targets: [ \(f("redis://\(ip):\(port)")) ]\n\n"
            }
            return body
        case let .pgrds(cls, infraIP, entries):
            var body = "# PGRDS: remote postgres instances of \(cls), scraped through local exporters\n\n"
            for e in entries {
                body += "# \(cls)-\(e.seq) @ \(e.host):\(e.pgPort)\n"
                body += "- labels: { cls: \(f(cls)), ins: \(f("\(cls)-\(e.seq)")), ip: \(f(e.host)) }\n"
                    + "  targets: [ \(f("\(infraIP):\(e.exporterPort)")) ]\n\n"
            }
            return body
        }
    }
}
