import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy

/// Effects that follow what changed (etcd bootstrap settings, PostgreSQL parameter contexts,
/// major upgrades) and plans that never apply two members of a quorum or HA group at once.
struct DiffSemanticsTests {
    static func etcd(_ seqs: [Int]) -> String {
        let hosts = seqs.map { "10.10.10.\(10 + $0): { etcd_seq: \($0) }" }.joined(separator: ", ")
        return """
        all:
          children:
            etcd: { hosts: { \(hosts) }, vars: { etcd_cluster: etcd } }
          vars: { version: v4.5.0 }
        """
    }

    @Test func addingAnEtcdMemberRestartsNoExistingMember() throws {
        let old = try emit(Self.etcd([1, 2, 3, 4]), Backends.all).tree
        let new = try emit(Self.etcd([1, 2, 3, 4, 5]), Backends.all).tree
        let report = ChangeReport(diff: TreeDiff(old: old, new: new), mask: SecretMask([])).render(withContent: false)
        // The existing members restart nothing; the new one (a new file) starts etcd.
        let existing = report.components(separatedBy: "== 10.10.10.15")[0]
        #expect(!existing.contains("restart etcd"), "\(report)")
        #expect(report.contains("only settings read at bootstrap changed (initial-cluster): no restart"), "\(report)")
        // Any other change still restarts.
        let other = try emit(Self.etcd([1, 2, 3, 4]).replacingOccurrences(of: "etcd_cluster: etcd", with: "etcd_cluster: etcd, etcd_election_timeout: 2000"), Backends.all).tree
        let report2 = ChangeReport(diff: TreeDiff(old: old, new: other), mask: SecretMask([])).render(withContent: false)
        #expect(report2.contains("restart etcd"), "\(report2)")
    }

    static func pg(_ vars: String) -> String {
        """
        all:
          children:
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
                10.10.10.13: { pg_seq: 3, pg_role: replica }
              vars: { pg_cluster: pg-test\(vars) }
          vars: { version: v4.5.0 }
        """
    }

    @Test func postgresParametersNameTheirEffect() throws {
        let old = try emit(Self.pg(", pg_parameters: { work_mem: 64MB, max_connections: 100 }"), Backends.all).tree
        let new = try emit(Self.pg(", pg_parameters: { work_mem: 128MB, max_connections: 200 }"), Backends.all).tree
        let report = ChangeReport(diff: TreeDiff(old: old, new: new), mask: SecretMask([])).render(withContent: false)
        #expect(report.contains("max_connections: restart (pending restart)"), "\(report)")
        #expect(report.contains("work_mem: reload"), "\(report)")
        #expect(report.contains("reload patroni"), "\(report)")
    }

    @Test func aVersionChangeIsAMajorUpgradeNotAReload() throws {
        let old = try emit(Self.pg(", pg_version: 17"), Backends.all).tree
        let new = try emit(Self.pg(", pg_version: 18"), Backends.all).tree
        let r = ChangeReport(diff: TreeDiff(old: old, new: new), mask: SecretMask([]))
        let report = r.render(withContent: false)
        #expect(report.contains("major upgrade (pg_version 17 → 18): not applied"), "\(report)")
        #expect(r.refusals.count == 3)
        #expect(!report.contains("/pg/conf/pg-test-1.yml\n   reload"), "\(report)")
    }

    @Test func contextsFollowTheVersion() {
        #expect(PostgresParameterContexts.context("shared_buffers", version: 15) == .postmaster)
        #expect(PostgresParameterContexts.context("autovacuum_max_workers", version: 17) == .postmaster)
        #expect(PostgresParameterContexts.context("autovacuum_max_workers", version: 18) == .sighup)
        #expect(PostgresParameterContexts.context("io_method", version: 17) == nil)
        #expect(PostgresParameterContexts.context("work_mem", version: 13) == .user)
    }
}

struct QuorumPlanTests {
    @Test func etcdMembersApplyOneAtATimeWithAHealthCheck() throws {
        let e = try emit(DiffSemanticsTests.etcd([1, 2, 3, 4, 5]), Backends.all)
        let plan = try #require(ApplyPlan.make(e.graph, tree: e.tree, sink: DiagnosticSink()))
        let etcd = plan.waves.filter { $0.steps == [.etcd] }
        #expect(etcd.map(\.name) == ["etcd.1", "etcd.2", "etcd.3", "etcd.4", "etcd.5"])
        #expect(etcd.allSatisfy { $0.nodes.count == 1 })
        #expect(etcd[0].health["10.10.10.11"]?.contains("etcdctl") == true)
        #expect(etcd[0].health["10.10.10.11"]?.contains("endpoint health") == true)
    }

    @Test func replicasOfOneClusterApplyOneAtATime() throws {
        let e = try emit(DiffSemanticsTests.pg(""), Backends.all)
        let plan = try #require(ApplyPlan.make(e.graph, tree: e.tree, sink: DiagnosticSink()))
        let names = plan.waves.map(\.name)
        #expect(names.contains("pgsql-primary"))
        #expect(names.contains("pgsql-replica.1") && names.contains("pgsql-replica.2"), "\(names)")
        let r1 = try #require(plan.waves.first { $0.name == "pgsql-replica.1" })
        #expect(r1.nodes == ["10.10.10.12"])
        #expect(r1.health["10.10.10.12"]?.contains("/health") == true)
    }

    /// A Redis primary/replica cluster across nodes and a sentinel quorum: members one node at a
    /// time, replicas' nodes before the primary's, each followed by a check of its instances.
    @Test func redisNodesApplyOneAtATimeReplicasFirst() throws {
        let text = """
        all:
          children:
            redis-ms:
              hosts:
                10.10.10.10: { redis_node: 1, redis_instances: { 6379: {} } }
                10.10.10.11: { redis_node: 2, redis_instances: { 6379: { replica_of: '10.10.10.10 6379' }, 6380: { replica_of: '10.10.10.10 6379' } } }
              vars: { redis_cluster: redis-ms }
            redis-sentinel:
              hosts:
                10.10.10.12: { redis_node: 1, redis_instances: { 26379: {} } }
                10.10.10.13: { redis_node: 2, redis_instances: { 26379: {} } }
              vars: { redis_cluster: redis-sentinel, redis_mode: sentinel }
            redis-one:
              hosts: { 10.10.10.14: { redis_node: 1, redis_instances: { 6379: {} } } }
              vars: { redis_cluster: redis-one }
          vars: { version: v4.5.0, admin_ip: 10.10.10.10 }
        """
        let e = try emit(text, Backends.all)
        let plan = try #require(ApplyPlan.make(e.graph, tree: e.tree, sink: DiagnosticSink()))
        let redis = plan.waves.filter { $0.steps == [.redis] }
        #expect(redis.map(\.name) == ["redis.1", "redis.2"], "\(redis.map(\.name))")
        // First: the replica node of redis-ms, the first sentinel and the lone node; then the rest.
        #expect(redis.first?.nodes == ["10.10.10.11", "10.10.10.12", "10.10.10.14"], "\(redis.map(\.nodes))")
        #expect(redis.last?.nodes == ["10.10.10.10", "10.10.10.13"])
        let check = try #require(redis.first?.health["10.10.10.11"])
        #expect(check == "systemctl is-active --quiet 'redis-ms-2-6379' && systemctl is-active --quiet 'redis-ms-2-6380'", "\(check)")
        #expect(redis.first?.health["10.10.10.14"] == nil)
    }

    /// MinIO members apply one at a time, each checked by the unit pigstyc writes (`silo`).
    @Test func minioMembersAreCheckedBySilo() throws {
        let e = try emit(MinIOProvisionTests.text, Backends.all)
        let plan = try #require(ApplyPlan.make(e.graph, tree: e.tree, sink: DiagnosticSink()))
        let minio = plan.waves.filter { $0.name.hasPrefix("minio") }
        #expect(minio.map(\.name) == ["minio.1", "minio.2"], "\(plan.waves.map(\.name))")
        #expect(minio.first?.health.values.first == "systemctl is-active --quiet silo")
        #expect(e.tree.file("/etc/systemd/system/silo.service", on: "10.10.10.9") != nil)
    }
}
