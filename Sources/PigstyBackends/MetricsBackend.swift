import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstySchema
import PigstyYAML

/// VictoriaMetrics on every infra node: the scrape configuration `/infra/prometheus.yml`, the file-SD
/// target files every module registers under `/infra/targets/<job>/`, the service environment files
/// `/etc/default/{vmetrics,vlogs,vtraces,vmalert}` and the recording rules `/infra/rules/agent.yml`.
/// Target files are written onto every infra node, each from the variables of the host it describes;
/// `pgrds` targets only onto the infra node whose `pg_exporters` lists them.
struct MetricsBackend: Backend {
    let name = "metrics"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let infra = graph.nodes(inGroup: "infra")
        guard !infra.isEmpty else { return }
        let targets = Self.targets(graph)
        for node in infra {
            let h = node.host
            func add(_ path: String, _ content: String, mode: Int = 0o644, producer: String? = nil) {
                tree.add(GeneratedFile(path: path, content: content, owner: "victoria", group: "infra", mode: mode,
                                       producer: producer ?? "metrics:\(node.ip)"), on: node.ip)
            }
            let vmetrics = Jinja.bool(h.value("vmetrics_enabled"))
            if vmetrics {
                add("/etc/default/vmetrics", vmetricsEnv(node, graph: graph))
                add("/infra/prometheus.yml", prometheus(node, graph: graph))
                add("/infra/rules/agent.yml", agentRules(node, graph: graph))
            }
            if Jinja.bool(h.value("vlogs_enabled")) { add("/etc/default/vlogs", vlogsEnv(node, graph: graph)) }
            if Jinja.bool(h.value("vtraces_enabled")) { add("/etc/default/vtraces", vtracesEnv(node, graph: graph)) }
            if vmetrics && Jinja.bool(h.value("vmalert_enabled")) {
                add("/etc/default/vmalert", vmalertEnv(node, graph: graph))
            }
            for t in targets {
                add("/infra/targets/\(t.job)/\(t.file).yml",
                    Header.hash("\(t.job) targets (\(t.file))", node: node.ip, inventory: graph.inventoryName) + t.body,
                    mode: 0o640, producer: t.producer)
            }
            for t in pgrdsTargets(node) {
                add("/infra/targets/pgrds/\(t.file).yml",
                    Header.hash("pgrds targets (\(t.file))", node: node.ip, inventory: graph.inventoryName) + t.body,
                    mode: 0o640, producer: t.producer)
            }
        }
    }

    /// One file-SD target file, the same on every infra node.
    struct Target {
        let job: String
        let file: String
        let body: String
        let producer: String
    }

    // MARK: environment files

    func vmetricsEnv(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        return env(node, graph: graph, "VMETRICS_OPTS", "-storageDataPath=/infra/metrics -httpListenAddr=:\(v(h, "vmetrics_port"))"
                   + " -promscrape.config=/infra/prometheus.yml \(v(h, "vmetrics_options"))")
    }

    func vlogsEnv(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        return env(node, graph: graph, "VLOGS_OPTS",
                   "-storageDataPath=/infra/logs -httpListenAddr=:\(v(h, "vlogs_port")) \(v(h, "vlogs_options"))")
    }

    func vtracesEnv(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        return env(node, graph: graph, "VTRACES_OPTS",
                   "-storageDataPath=/infra/traces -httpListenAddr=:\(v(h, "vtraces_port")) \(v(h, "vtraces_options"))")
    }

    func vmalertEnv(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        let vm = "http://127.0.0.1:\(v(h, "vmetrics_port"))"
        return env(node, graph: graph, "VMALERT_OPTS",
                   "-datasource.url=\(vm) -remoteRead.url=\(vm) -remoteWrite.url=\(vm)"
                   + " -notifier.url=http://127.0.0.1:\(v(h, "alertmanager_port")) -httpListenAddr=:\(v(h, "vmalert_port"))"
                   + " -rule=/infra/rules/*.yml -evaluationInterval=\(v(h, "vmetrics_scrape_interval"))  \(v(h, "vmalert_options"))")
    }

    /// `NAME='options'`, as systemd's EnvironmentFile reads it.
    func env(_ node: NodeResource, graph: ResourceGraph, _ variable: String, _ options: String) -> String {
        Header.hash("environment of \(variable.lowercased())", node: node.ip, inventory: graph.inventoryName)
            + "\(variable)='\(options)'\n"
    }

    /// A variable as the template prints it (`{{ x }}`), empty when unset.
    func v(_ h: ResolvedHost, _ name: String) -> String { Jinja.text(h.value(name)) }
    static func v(_ h: ResolvedHost, _ name: String) -> String { Jinja.text(h.value(name)) }
    static func on(_ h: ResolvedHost, _ name: String) -> Bool { Jinja.bool(h.value(name)) }

    // MARK: prometheus.yml

    func prometheus(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        let path = v(h, "exporter_metrics_path")
        let minioTLS = Jinja.bool(h.value("minio_https"), default: true)
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
        var out = Header.hash("VictoriaMetrics scrape configuration", node: node.ip, inventory: graph.inventoryName)
        out += """
        # every job reads its targets from /infra/targets/<job>/*.yml, which the modules register
        ---
        global:
          scrape_interval: \(v(h, "vmetrics_scrape_interval"))
          scrape_timeout:  \(v(h, "vmetrics_scrape_timeout"))

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
        if Jinja.bool(h.value("patroni_ssl_enabled")) {
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
                replacement: $1:\(v(h, "redis_exporter_port"))
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
    func agentRules(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        func port(_ name: String) -> String { #"up{instance=~".*:"# + v(h, name) + #""}"# }
        let groups: [(String, [(String, String)])] = [
            ("node", [("node_up", port("node_exporter_port")), ("haproxy_up", port("haproxy_exporter_port")),
                      ("keepalived_exporter_up", port("vip_exporter_port")), ("docker_up", port("docker_exporter_port")),
                      ("vector_up", port("vector_port"))]),
            ("etcd", [("etcd_up", #"up{job="etcd"}"#)]),
            ("minio", [("minio_up", #"up{job="minio"}"#)]),
            ("pgsql", [("pg_exporter_agent_up", port("pg_exporter_port")),
                       ("pgbouncer_exporter_agent_up", port("pgbouncer_exporter_port")),
                       ("pgbackrest_exporter_agent_up", port("pgbackrest_exporter_port")),
                       ("patroni_up", port("patroni_port"))]),
            ("mysql", [("mysql_exporter_up", #"up{job="mysql"}"#)]),
            ("kafka", [("kafka_up", #"up{job="kafka",role=~".+"}"#), ("kafka_exporter_up", #"up{job="kafka",role=""}"#)]),
        ]
        var out = Header.hash("agent recording rules", node: node.ip, inventory: graph.inventoryName)
        out += "# <agent>_up: the scrape status of each exporter, selected by its port or job\n---\ngroups:\n  - name: agent-rules\n    rules:\n"
        for (module, rules) in groups {
            out += "      # \(module)\n"
            for (record, expr) in rules {
                out += "      - record: \(record)\n        expr: '\(expr)'\n"
            }
        }
        out += "...\n"
        return out
    }

    // MARK: targets

    static func targets(_ graph: ResourceGraph) -> [Target] {
        var out: [Target] = []
        var index: [String: Int] = [:]
        func put(_ t: Target) {
            let key = "\(t.job)/\(t.file)"
            if let i = index[key] { out[i] = t } else { index[key] = out.count; out.append(t) }
        }
        for node in graph.nodes(inGroup: "infra") {
            guard let seq = node.host.int("infra_seq").map(String.init) else { continue }
            put(Target(job: "infra", file: "infra-\(seq)", body: infraTargets(node.host, seq: seq), producer: "metrics:infra-\(seq)"))
        }
        for node in graph.nodes {
            let h = node.host, ip = node.ip
            let labels = "ip: \(ip) , ins: \(node.nodename) , cls: \(node.nodeCluster)"
            var body = "# \(ip): node_exporter, haproxy, vector\n- labels: { \(labels) }\n"
            let ports = [("node_exporter_enabled", "node_exporter_port"), ("haproxy_enabled", "haproxy_exporter_port"),
                         ("vector_enabled", "vector_port")].filter { on(h, $0.0) }.map { "\(ip):\(v(h, $0.1))" }
            body += ports.isEmpty ? "  targets: []\n" : "  targets:\n" + ports.map { "    - \($0)\n" }.joined()
            // The address names a file: only a well-formed IPv4 address (the checker reports others).
            let vip = h.string("vip_address").flatMap { ValueChecker.isIPv4($0) ? $0 : nil }
            if on(h, "vip_enabled"), let vip {
                body += "# keepalived_exporter\n- labels: { \(labels), vip: \(vip) }\n  targets: [ \(ip):\(v(h, "vip_exporter_port")) ]\n"
            }
            put(Target(job: "node", file: ip, body: body, producer: "metrics:node-\(ip)"))
            put(Target(job: "ping", file: ip, body: "# \(ip)\n- labels: { \(labels) }\n  targets: [ \(ip) ]\n",
                       producer: "metrics:node-\(ip)"))
            if on(h, "vip_enabled"), let vip {
                put(Target(job: "ping", file: "\(vip)---\(ip)",
                           body: "# \(vip)@\(ip)\n- labels: { \(labels), vip: \(vip) , job: node-vip }\n  targets: [ \(vip) ]\n",
                           producer: "metrics:node-\(ip)"))
            }
        }
        for node in graph.nodes(inGroup: "etcd") {
            let h = node.host
            guard let seq = h.int("etcd_seq").map(String.init) else { continue }
            let cls = h.string("etcd_cluster") ?? "etcd"
            put(Target(job: "etcd", file: "\(cls)-\(seq)",
                       body: "# \(cls)-\(seq) @ \(node.ip)\n- labels: { ip: \(node.ip) , ins: \(cls)-\(seq) , cls: \(cls) }\n"
                           + "  targets: [ \(node.ip):\(v(h, "etcd_port")) ]\n",
                       producer: "metrics:\(cls)-\(seq)"))
        }
        for cluster in graph.resolved.minioClusters {
            for i in cluster.members {
                let h = graph.resolved.hosts[i]
                guard let seq = h.int("minio_seq").map(String.init) else { continue }
                let ins = "\(cluster.name)-\(seq)", addr = "\(h.name):\(v(h, "minio_port"))"
                put(Target(job: "minio", file: ins, body: """
                    # \(ins) @ \(h.name)
                    - targets: [ "\(addr)" ]
                      labels:
                        ip: "\(h.name)"
                        ins: "\(ins)"
                        cls: "\(cluster.name)"
                        instance: "\(addr)"
                        flavor: "\(v(h, "minio_type"))"

                    """, producer: "metrics:\(ins)"))
            }
        }
        for inst in graph.pgInstances {
            let h = inst.host, ip = inst.ip
            let patroni = on(h, "patroni_enabled") && v(h, "patroni_mode") != "remove"
            let ssl = on(h, "patroni_ssl_enabled")
            var ports: [String] = []
            if on(h, "pg_exporter_enabled") { ports.append(v(h, "pg_exporter_port")) }
            if on(h, "pgbouncer_enabled") && on(h, "pgbouncer_exporter_enabled") { ports.append(v(h, "pgbouncer_exporter_port")) }
            if patroni && !ssl { ports.append(v(h, "patroni_port")) }
            if on(h, "pgbackrest_enabled") && on(h, "pgbackrest_exporter_enabled") { ports.append(v(h, "pgbackrest_exporter_port")) }
            let head = "# \(inst.name) [\(inst.role)] @ \(ip)\n"
            let labels = "cls: \(inst.cluster), ins: \(inst.name), ip: \(ip)"
            if !ports.isEmpty {
                put(Target(job: "pgsql", file: inst.name,
                           body: head + "- labels: { \(labels) }\n  targets:\n\n" + ports.map { "    - \(ip):\($0)\n" }.joined(),
                           producer: "metrics:\(inst.name)"))
            }
            if patroni && ssl {
                put(Target(job: "patroni", file: inst.name,
                           body: head + "- labels: { job: pgsql, \(labels) }\n  targets: [ \(ip):\(v(h, "patroni_port")) ]\n",
                           producer: "metrics:\(inst.name)"))
            }
            if on(h, "pg_vip_enabled"), let address = h.string("pg_vip_address"),
               let vip = address.split(separator: "/", omittingEmptySubsequences: false).first.map(String.init),
               ValueChecker.isIPv4(vip) {
                put(Target(job: "ping", file: "\(vip)---\(ip)",
                           body: "# \(vip)@\(ip)\n- labels: { \(labels), vip: \(vip), job: pgsql-vip }\n  targets: [ \(vip) ]\n",
                           producer: "metrics:\(inst.name)"))
            }
        }
        for cluster in graph.resolved.redisClusters {
            for i in cluster.members {
                let h = graph.resolved.hosts[i]
                guard let redisNode = h.int("redis_node").map(String.init), let instances = h.value("redis_instances")?.mapping else { continue }
                let prefix = "\(cluster.name)-\(redisNode)"
                var body = "# \(prefix) @ \(h.name)\n\n"
                for pair in instances {
                    guard let port = pair.key.keyName else { continue }
                    body += "- labels: { cls: \(cluster.name), ins: \(prefix)-\(port), instance: \(h.name):\(port) }\n"
                        + "  targets: [ redis://\(h.name):\(port) ]\n\n"
                }
                put(Target(job: "redis", file: prefix, body: body, producer: "metrics:\(prefix)"))
            }
        }
        return out
    }

    /// `infra-<seq>.yml`: the infra services of one infra node that are enabled there.
    static func infraTargets(_ h: ResolvedHost, seq: String) -> String {
        let ip = h.name
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
        let enabled = services.filter(\.1)
        guard !enabled.isEmpty else { return "--- []\n" }
        var out = "---\n"
        for (svc, _, port) in enabled {
            out += "# \(svc) @ \(ip)\n- labels: { ip: \(ip), ins: \(svc)-\(seq), cls: \(svc) }\n  targets: [ \(ip):\(v(h, port)) ]\n\n"
        }
        return out + "...\n"
    }

    /// `pgrds/<cluster>.yml` on one infra node: the remote instances its `pg_exporters` lists, by cluster.
    func pgrdsTargets(_ node: NodeResource) -> [Target] {
        let h = node.host
        guard let entries = h.value("pg_exporters")?.mapping else { return [] }
        // Cluster names become file names: only safe ones (the checker reports the others, PGS0780).
        let clusters = Set(entries.compactMap { $0.value["pg_cluster"].flatMap { Jinja.truthy($0) ? Jinja.str($0) : nil } })
            .filter { SafeName.pgCluster.matches($0) }.sorted()
        return clusters.map { cls in
            var body = "# PGRDS: remote postgres instances of \(cls), scraped through local exporters\n\n"
            for pair in entries {
                let conf = pair.value
                guard let c = conf["pg_cluster"], Jinja.str(c) == cls, let port = pair.key.keyName else { continue }
                let seq = Jinja.text(conf["pg_seq"]), host = Jinja.text(conf["pg_host"])
                let pgPort = conf["pg_port"].map { Jinja.str($0) } ?? v(h, "pg_port")
                body += "# \(cls)-\(seq) @ \(host):\(pgPort)\n"
                body += "- labels: { cls: \(cls), ins: \(cls)-\(seq), ip: \(host) }\n  targets: [ \(node.ip):\(port) ]\n\n"
            }
            return Target(job: "pgrds", file: cls, body: body, producer: "metrics:pgrds-\(cls)")
        }
    }
}
