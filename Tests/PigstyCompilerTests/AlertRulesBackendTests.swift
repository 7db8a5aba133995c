import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// The alert rule back end: which rule files exist, and thresholds taken from the inventory.
struct AlertRulesBackendTests {
    /// Every module: two infra nodes, etcd, MinIO, Redis and two PostgreSQL clusters.
    static let everything = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10: { infra_seq: 1 }
            10.10.10.11: { infra_seq: 2 }
        etcd:
          hosts: { 10.10.10.10: { etcd_seq: 1 } }
          vars: { etcd_cluster: etcd }
        minio:
          hosts: { 10.10.10.10: { minio_seq: 1 } }
          vars: { minio_cluster: minio }
        redis-ms:
          hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 6379: {}, 6380: { replica_of: '10.10.10.12 6379' } } } }
          vars: { redis_cluster: redis-ms }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-meta }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pg_exporter_port: 9700 }
          vars: { pg_cluster: pg-test, pg_rpo: 4194304 }
      vars:
        admin_ip: 10.10.10.10
        alert_node_cpu_percent: 95
        alert_pg_conn_percent: 85
    """

    static func rules(_ tree: FileTree, on node: String) -> [String] {
        tree.files(on: node).map(\.path).filter { $0.hasPrefix("/infra/rules/") }
    }

    @Test func everyDeployedModuleGetsItsFileOnEveryInfraNode() throws {
        let tree = try emit(Self.everything, [AlertRulesBackend()]).tree
        let all = ["etcd", "infra", "minio", "node", "pgsql", "redis"].map { "/infra/rules/\($0).yml" }
        for node in ["10.10.10.10", "10.10.10.11"] {
            #expect(Self.rules(tree, on: node) == all)
            for f in tree.files(on: node) {
                #expect(f.owner == "victoria" && f.group == "infra" && f.mode == 0o644)
                #expect(f.content.hasPrefix("# pigstyc: "))
                #expect(!f.content.contains("\r") && !f.content.contains("\t"))
            }
        }
        // A node outside `infra` gets no rules; agent.yml belongs to another back end.
        #expect(Self.rules(tree, on: "10.10.10.12").isEmpty)
        #expect(tree.file("/infra/rules/agent.yml", on: "10.10.10.10") == nil)
    }

    @Test func modulesNotDeployedGetNoFile() throws {
        let bare = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
          vars: { admin_ip: 10.10.10.10 }
        """, [AlertRulesBackend()]).tree
        #expect(Self.rules(bare, on: "10.10.10.10") == ["/infra/rules/infra.yml", "/infra/rules/node.yml"])

        let pg = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-meta: { hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-meta } }
          vars: { admin_ip: 10.10.10.10 }
        """, [AlertRulesBackend()]).tree
        #expect(Self.rules(pg, on: "10.10.10.10") == ["etcd", "infra", "node", "pgsql"].map { "/infra/rules/\($0).yml" })

        // No infra node: nobody runs vmalert, nothing is written.
        let none = try emit("""
        all:
          children:
            pg-meta: { hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-meta } }
          vars: { admin_ip: 10.10.10.10 }
        """, [AlertRulesBackend()]).tree
        #expect(none.fileCount == 0)
    }

    @Test func thresholdsComeFromTheInventory() throws {
        let tree = try emit(Self.everything, [AlertRulesBackend()]).tree
        let node = try #require(tree.file("/infra/rules/node.yml", on: "10.10.10.10")).content
        #expect(node.contains("(rate(node_cpu_seconds_total{mode=\"idle\"}[1m])) > 0.95'"))
        #expect(node.contains("node_memory_MemTotal_bytes > 0.9'"))  // default 90
        #expect(node.contains("up{job=\"node\", instance=~\".*:(9100)\"} < 1"))
        let pg = try #require(tree.file("/infra/rules/pgsql.yml", on: "10.10.10.10")).content
        #expect(pg.contains("pg_setting_max_connections > 0.85'"))
        // Ports of every member, sorted and distinct.
        #expect(pg.contains("up{job=\"pgsql\", instance=~\".*:(9630|9700)\"} < 1"))
        // pg_rpo differs between the clusters: one lag rule per value, each naming its clusters.
        #expect(pg.contains("pg_repl_replay_diff{cls=~\"pg-meta\", appname!~\"walreceiver|pg_receivewal\"} > 1048576"))
        #expect(pg.contains("pg_repl_replay_diff{cls=~\"pg-test\", appname!~\"walreceiver|pg_receivewal\"} > 4194304"))
        #expect(pg.components(separatedBy: "alert: PostgresReplicationLag").count == 3)
        for name in ["PostgresDown", "PatroniDown", "PgbouncerDown", "PgExporterDown", "PostgresReplicationBreak",
                     "PostgresConnUsageHigh", "PostgresXidWarpAround"] {
            #expect(pg.contains("- alert: \(name)\n"), "\(name)")
        }
        let redis = try #require(tree.file("/infra/rules/redis.yml", on: "10.10.10.11")).content
        #expect(redis.contains("(redis_memory_max_bytes > 0) > 0.9'"))
    }

    @Test func oneRpoMeansOneLagRuleWithoutClusterMatcher() throws {
        let tree = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            pg-a: { hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-a } }
            pg-b: { hosts: { 10.10.10.12: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-b, patroni_enabled: false, pgbouncer_enabled: false } }
          vars: { admin_ip: 10.10.10.10, pg_rpo: 0, alert_node_fs_percent: 75 }
        """, [AlertRulesBackend()]).tree
        let pg = try #require(tree.file("/infra/rules/pgsql.yml", on: "10.10.10.10")).content
        // pg_rpo 0 (synchronous) falls back to 1 MiB for asynchronous members.
        #expect(pg.contains("expr: 'pg_repl_replay_diff{appname!~\"walreceiver|pg_receivewal\"} > 1048576'"))
        #expect(pg.components(separatedBy: "alert: PostgresReplicationLag").count == 2)
        // pg-a still runs patroni and pgbouncer.
        #expect(pg.contains("alert: PatroniDown") && pg.contains("alert: PgbouncerDown"))
        let node = try #require(tree.file("/infra/rules/node.yml", on: "10.10.10.10")).content
        #expect(node.contains("node_filesystem_size_bytes{fstype!~\"tmpfs|devtmpfs|overlay|squashfs|nfs.*|fuse.*\"} > 0.75'"))
    }

    @Test func unusableThresholdsFallBackWithoutCrashing() throws {
        // Unchecked input: a threshold out of range and one that is not a number.
        let out = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
          vars: { admin_ip: 10.10.10.10, alert_node_cpu_percent: 250, alert_node_mem_percent: lots, node_exporter_port: nope }
        """, [AlertRulesBackend()], checked: false)
        let node = try #require(out.tree.file("/infra/rules/node.yml", on: "10.10.10.10")).content
        #expect(node.contains("> 0.8'") && node.contains("node_memory_MemTotal_bytes > 0.9'"))
        // No valid node_exporter port: no NodeDown rule rather than a broken matcher.
        #expect(!node.contains("NodeDown"))
    }

    @Test func clusterNamesAreEscapedInRegularExpressions() {
        #expect(AlertRulesBackend.alternation(["pg.a", "b"]) == #"pg\\.a|b"#)
        #expect(AlertRulesBackend.number(0.5) == "0.5" && AlertRulesBackend.number(1) == "1")
        let text = AlertRulesBackend.render(.init(name: "x", rules: [
            .init(alert: "A", expr: "it's", duration: nil, severity: .info, summary: "a\nb", description: "d: e"),
        ]))
        #expect(text.contains("expr: 'it''s'\n") && text.contains(#"summary: "a\nb""#) && text.contains("description: 'd: e'\n"))
    }
}
