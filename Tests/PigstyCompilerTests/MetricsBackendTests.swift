import Testing
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// The metrics back end: scrape configuration, file-SD targets, Victoria environment files and agent rules.
struct MetricsBackendTests {
    static func tree(_ text: String, checked: Bool = true) throws -> FileTree {
        try emit(text, [MetricsBackend()], checked: checked).tree
    }

    static func content(_ tree: FileTree, _ path: String, on node: String = "10.10.10.10") throws -> String {
        try #require(tree.file(path, on: node), "\(path) missing on \(node)").content
    }

    /// The file parsed as YAML (the header comment is a comment).
    static func yaml(_ tree: FileTree, _ path: String, on node: String = "10.10.10.10") throws -> YAMLNode {
        let text = try content(tree, path, on: node)
        let sink = DiagnosticSink()
        return try #require(YAML.parse(text, path: path, into: sink), "\(path) does not parse")
    }

    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10:
              infra_seq: 1
              pg_exporters:
                20002: { pg_cluster: pg-rds, pg_seq: 2, pg_host: 10.10.10.32, pg_port: 5433 }
                20001: { pg_cluster: pg-rds, pg_seq: 1, pg_host: 10.10.10.31 }
                20003: { pg_cluster: pg-abc, pg_seq: 1, pg_host: rds.example.com }
            10.10.10.2: { infra_seq: 2, grafana_enabled: false }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pgbouncer_enabled: false, pg_exporter_enabled: false }
          vars: { pg_cluster: pg-test, pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24 }
        redis-ms:
          hosts: { 10.10.10.13: { redis_node: 1, redis_instances: { 6379: { }, 6380: { replica_of: '10.10.10.13 6379' } } } }
          vars: { redis_cluster: redis-ms }
        minio:
          hosts: { 10.10.10.14: { minio_seq: 1 } }
          vars: { minio_cluster: minio, node_cluster: s3, vip_enabled: true, vip_vrid: 9, vip_address: 10.10.10.9, vip_role: master }
      vars:
        admin_ip: 10.10.10.10
    """

    @Test func infraTargetsFollowEnabledServices() throws {
        let t = try Self.tree(Self.inventory)
        let one = try Self.content(t, "/infra/targets/infra/infra-1.yml")
        for svc in ["nginx-1", "vmetrics-1", "vlogs-1", "vtraces-1", "vmalert-1", "alertmanager-1", "blackbox-1", "grafana-1"] {
            #expect(one.contains("ins: \(svc),"), "\(svc)")
        }
        #expect(one.contains("targets: [ 10.10.10.10:9113 ]"))
        // infra-2 describes 10.10.10.2 and is written onto both infra nodes.
        let two = try Self.content(t, "/infra/targets/infra/infra-2.yml", on: "10.10.10.10")
        #expect(!two.contains("grafana"))
        #expect(two.contains("targets: [ 10.10.10.2:8428 ]"))
        #expect(t.file("/infra/targets/infra/infra-1.yml", on: "10.10.10.2") != nil)
        // Nothing for nodes outside the infra group.
        #expect(t.files(on: "10.10.10.11").isEmpty)
    }

    @Test func nodeAndPingTargetsWithNodeVip() throws {
        let t = try Self.tree(Self.inventory)
        let node = try Self.content(t, "/infra/targets/node/10.10.10.11.yml")
        #expect(node.contains("- labels: { ip: 10.10.10.11 , ins: pg-test-1 , cls: pg-test }\n  targets:\n    - 10.10.10.11:9100\n    - 10.10.10.11:9101\n    - 10.10.10.11:9598\n"))
        let minio = try Self.content(t, "/infra/targets/node/10.10.10.14.yml")
        #expect(minio.contains("cls: s3, vip: 10.10.10.9 }\n  targets: [ 10.10.10.14:9650 ]"))
        let ping = try Self.content(t, "/infra/targets/ping/10.10.10.9---10.10.10.14.yml")
        #expect(ping.contains("vip: 10.10.10.9 , job: node-vip }\n  targets: [ 10.10.10.9 ]"))
        #expect(t.file("/infra/targets/ping/10.10.10.11.yml", on: "10.10.10.2") != nil)
    }

    @Test func disabledNodeExportersLeaveAnEmptyTargetList() throws {
        let text = Self.inventory.replacingOccurrences(of: "admin_ip: 10.10.10.10",
            with: "admin_ip: 10.10.10.10\n    node_exporter_enabled: false\n    haproxy_enabled: false\n    vector_enabled: false")
        let t = try Self.tree(text)
        let node = try Self.yaml(t, "/infra/targets/node/10.10.10.11.yml")
        #expect(node.sequence?.first?["targets"]?.sequence?.isEmpty == true)
        let partial = try Self.tree(Self.inventory.replacingOccurrences(of: "admin_ip: 10.10.10.10",
            with: "admin_ip: 10.10.10.10\n    haproxy_enabled: false"))
        let l = try Self.content(partial, "/infra/targets/node/10.10.10.11.yml")
        #expect(l.contains("  targets:\n    - 10.10.10.11:9100\n    - 10.10.10.11:9598\n"))
    }

    @Test func pgsqlTargetsPerEnabledExporterAndVipPing() throws {
        let t = try Self.tree(Self.inventory)
        let primary = try Self.content(t, "/infra/targets/pgsql/pg-test-1.yml")
        #expect(primary.contains("# pg-test-1 [primary] @ 10.10.10.11\n- labels: { cls: pg-test, ins: pg-test-1, ip: 10.10.10.11 }\n  targets:\n\n    - 10.10.10.11:9630\n    - 10.10.10.11:9631\n    - 10.10.10.11:8008\n    - 10.10.10.11:9854\n"))
        let replica = try Self.content(t, "/infra/targets/pgsql/pg-test-2.yml")
        #expect(replica.hasSuffix("  targets:\n\n    - 10.10.10.12:8008\n    - 10.10.10.12:9854\n"))
        #expect(t.file("/infra/targets/patroni/pg-test-1.yml", on: "10.10.10.10") == nil)
        let vip = try Self.content(t, "/infra/targets/ping/10.10.10.3---10.10.10.12.yml")
        #expect(vip.contains("{ cls: pg-test, ins: pg-test-2, ip: 10.10.10.12, vip: 10.10.10.3, job: pgsql-vip }"))
        // Every exporter off: no pgsql target file at all.
        let off = try Self.tree(Self.inventory.replacingOccurrences(of: "pgbouncer_enabled: false, pg_exporter_enabled: false",
            with: "pgbouncer_enabled: false, pg_exporter_enabled: false, patroni_enabled: false, pgbackrest_enabled: false"))
        #expect(off.file("/infra/targets/pgsql/pg-test-2.yml", on: "10.10.10.10") == nil)
    }

    @Test func patroniSSLMovesPatroniToItsOwnJob() throws {
        let text = Self.inventory.replacingOccurrences(of: "admin_ip: 10.10.10.10", with: "admin_ip: 10.10.10.10\n    patroni_ssl_enabled: true")
        let t = try Self.tree(text)
        let pg = try Self.content(t, "/infra/targets/pgsql/pg-test-1.yml")
        #expect(!pg.contains(":8008"))
        let patroni = try Self.content(t, "/infra/targets/patroni/pg-test-1.yml")
        #expect(patroni.contains("- labels: { job: pgsql, cls: pg-test, ins: pg-test-1, ip: 10.10.10.11 }\n  targets: [ 10.10.10.11:8008 ]\n"))
        let jobs = try Self.yaml(t, "/infra/prometheus.yml")["scrape_configs"]?.sequence?.compactMap { $0["job_name"]?.string } ?? []
        #expect(jobs == ["ping", "infra", "node", "docker", "etcd", "minio", "pgsql", "pgsql-patroni", "pgrds", "redis", "mysql", "kafka", "juice"])
        let plain = try Self.yaml(Self.tree(Self.inventory), "/infra/prometheus.yml")["scrape_configs"]?.sequence?.compactMap { $0["job_name"]?.string } ?? []
        #expect(!plain.contains("pgsql-patroni"))
    }

    @Test func minioSchemeFollowsMinioHTTPS() throws {
        func minioJob(_ t: FileTree) throws -> YAMLNode? {
            try Self.yaml(t, "/infra/prometheus.yml")["scrape_configs"]?.sequence?.first { $0["job_name"]?.string == "minio" }
        }
        let tls = try #require(try minioJob(Self.tree(Self.inventory)))
        #expect(tls["scheme"]?.string == "https")
        #expect(tls["tls_config"]?["ca_file"]?.string == "/etc/pki/ca.crt")
        let http = try #require(try minioJob(Self.tree(Self.inventory.replacingOccurrences(of: "admin_ip: 10.10.10.10",
            with: "admin_ip: 10.10.10.10\n    minio_https: false"))))
        #expect(http["scheme"]?.string == "http")
        #expect(http["tls_config"] == nil)
        let t = try Self.tree(Self.inventory)
        let target = try Self.content(t, "/infra/targets/minio/minio-1.yml")
        #expect(target.contains("- targets: [ \"10.10.10.14:9000\" ]\n  labels:\n    ip: \"10.10.10.14\"\n    ins: \"minio-1\"\n    cls: \"minio\"\n    instance: \"10.10.10.14:9000\"\n    flavor: \"silo\"\n"))
    }

    @Test func redisTargetsOnePerPortInOrder() throws {
        let t = try Self.tree(Self.inventory)
        let r = try Self.content(t, "/infra/targets/redis/redis-ms-1.yml")
        #expect(r.contains("# redis-ms-1 @ 10.10.10.13\n\n- labels: { cls: redis-ms, ins: redis-ms-1-6379, instance: 10.10.10.13:6379 }\n  targets: [ redis://10.10.10.13:6379 ]\n\n- labels: { cls: redis-ms, ins: redis-ms-1-6380, instance: 10.10.10.13:6380 }\n  targets: [ redis://10.10.10.13:6380 ]\n\n"))
        let prom = try Self.content(t, "/infra/prometheus.yml")
        #expect(prom.contains("replacement: $1:9121\n"))
    }

    @Test func pgrdsTargetsOnlyOnTheInfraNodeListingThem() throws {
        let t = try Self.tree(Self.inventory)
        let rds = try Self.content(t, "/infra/targets/pgrds/pg-rds.yml")
        // Entries in pg_exporters order; targets are the local exporter ports.
        #expect(rds.contains("# pg-rds-2 @ 10.10.10.32:5433\n- labels: { cls: pg-rds, ins: pg-rds-2, ip: 10.10.10.32 }\n  targets: [ 10.10.10.10:20002 ]\n\n# pg-rds-1 @ 10.10.10.31:5432\n- labels: { cls: pg-rds, ins: pg-rds-1, ip: 10.10.10.31 }\n  targets: [ 10.10.10.10:20001 ]\n"))
        let abc = try Self.content(t, "/infra/targets/pgrds/pg-abc.yml")
        #expect(abc.contains("ip: rds.example.com }\n  targets: [ 10.10.10.10:20003 ]"))
        #expect(t.file("/infra/targets/pgrds/pg-rds.yml", on: "10.10.10.2") == nil)
    }

    @Test func unsafeNamesNeverBecomeFileNames() throws {
        // Unchecked input (the checker refuses it: PGS0780, PGS0302): no file is named from it.
        let text = Self.inventory
            .replacingOccurrences(of: "pg_cluster: pg-abc", with: "pg_cluster: ../../etc/x")
            .replacingOccurrences(of: "vip_address: 10.10.10.9", with: "vip_address: ../x")
        let t = try emit(text, [MetricsBackend()], checked: false).tree
        let paths = t.files(on: "10.10.10.10").map(\.path)
        #expect(!paths.contains { $0.contains("..") || $0.contains("/etc/x") })
        #expect(paths.contains("/infra/targets/pgrds/pg-rds.yml"))
        #expect(!paths.contains { $0.hasPrefix("/infra/targets/ping/") && $0.contains("---10.10.10.14") })
    }

    /// Labels from the inventory are scalars of the flow mapping, whatever they hold (unchecked
    /// input): flow indicators, `: `, ` #` and line breaks do not change the document's structure.
    @Test func hostileLabelsStayScalarsOfTheFlowMapping() throws {
        let cls = "s3, {x}: [y] #z\nw'\""
        let text = Self.inventory.replacingOccurrences(of: "node_cluster: s3", with: "node_cluster: \(Quoting.yamlDouble(cls))")
        let t = try emit(text, [MetricsBackend()], checked: false).tree
        let node = try Self.yaml(t, "/infra/targets/node/10.10.10.14.yml")
        let groups = try #require(node.sequence)
        #expect(groups.count == 2)
        for g in groups {
            #expect(g["labels"]?["cls"]?.value == .string(cls))
            #expect(g["labels"]?["ip"]?.value == .string("10.10.10.14"))
        }
        #expect(groups.last?["labels"]?["vip"]?.value == .string("10.10.10.9"))
        let ping = try Self.yaml(t, "/infra/targets/ping/10.10.10.14.yml")
        #expect(ping.sequence?.first?["labels"]?["cls"]?.value == .string(cls))
        // A line break in a value written into a comment starts another comment line, not a node.
        let host = "rds.example.com\n- injected: 1"
        let rds = try emit(Self.inventory.replacingOccurrences(of: "pg_host: rds.example.com", with: "pg_host: \(Quoting.yamlDouble(host))"),
                           [MetricsBackend()], checked: false).tree
        let abc = try Self.yaml(rds, "/infra/targets/pgrds/pg-abc.yml")
        #expect(abc.sequence?.count == 1)
        #expect(abc.sequence?.first?["labels"]?["ip"]?.value == .string(host))
    }

    @Test func envFilesAndTheirSwitches() throws {
        let t = try Self.tree(Self.inventory)
        #expect(try Self.content(t, "/etc/default/vmetrics").hasSuffix("VMETRICS_OPTS='-storageDataPath=/infra/metrics -httpListenAddr=:8428 -promscrape.config=/infra/prometheus.yml -retentionPeriod=15d -promscrape.fileSDCheckInterval=5s'\n"))
        #expect(try Self.content(t, "/etc/default/vmalert").hasSuffix("VMALERT_OPTS='-datasource.url=http://127.0.0.1:8428 -remoteRead.url=http://127.0.0.1:8428 -remoteWrite.url=http://127.0.0.1:8428 -notifier.url=http://127.0.0.1:9059 -httpListenAddr=:8880 -rule=/infra/rules/*.yml -evaluationInterval=10s  '\n"))
        #expect(try Self.content(t, "/etc/default/vtraces").contains("-httpListenAddr=:10428 -retentionPeriod=15d"))
        #expect(try Self.content(t, "/etc/default/vlogs").contains("VLOGS_OPTS='-storageDataPath=/infra/logs -httpListenAddr=:9428 "))
        // vmetrics off: no scrape config, rules, vmetrics or vmalert env; targets are still registered.
        let off = try Self.tree(Self.inventory.replacingOccurrences(of: "admin_ip: 10.10.10.10",
            with: "admin_ip: 10.10.10.10\n    vmetrics_enabled: false\n    vlogs_enabled: false"))
        for path in ["/infra/prometheus.yml", "/infra/rules/agent.yml", "/etc/default/vmetrics", "/etc/default/vmalert", "/etc/default/vlogs"] {
            #expect(off.file(path, on: "10.10.10.10") == nil, "\(path)")
        }
        #expect(off.file("/etc/default/vtraces", on: "10.10.10.10") != nil)
        #expect(off.file("/infra/targets/node/10.10.10.11.yml", on: "10.10.10.10") != nil)
    }

    @Test func agentRulesUseTheConfiguredPorts() throws {
        let text = Self.inventory.replacingOccurrences(of: "admin_ip: 10.10.10.10",
            with: "admin_ip: 10.10.10.10\n    node_exporter_port: 9200\n    patroni_port: 8018")
        let rules = try Self.yaml(Self.tree(text), "/infra/rules/agent.yml")
        let group = try #require(rules["groups"]?.sequence?.first)
        #expect(group["name"]?.string == "agent-rules")
        let records = (group["rules"]?.sequence ?? []).compactMap { r in r["record"]?.string.map { ($0, r["expr"]?.string ?? "") } }
        #expect(records.map(\.0) == ["node_up", "haproxy_up", "keepalived_exporter_up", "docker_up", "vector_up", "etcd_up",
                                     "minio_up", "pg_exporter_agent_up", "pgbouncer_exporter_agent_up",
                                     "pgbackrest_exporter_agent_up", "patroni_up", "mysql_exporter_up", "kafka_up", "kafka_exporter_up"])
        #expect(records.first?.1 == #"up{instance=~".*:9200"}"#)
        #expect(records.first { $0.0 == "patroni_up" }?.1 == #"up{instance=~".*:8018"}"#)
        #expect(records.first { $0.0 == "etcd_up" }?.1 == #"up{job="etcd"}"#)
    }
}
