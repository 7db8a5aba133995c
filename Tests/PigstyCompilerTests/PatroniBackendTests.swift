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

/// `/pg/conf/<pg_instance>.yml`: tuning arithmetic, sync mode, standby clusters, placeholders, version gates.
/// Every check reads the generated file back as YAML, so quoting mistakes fail too.
struct PatroniBackendTests {
    /// One etcd node, a two-node cluster `pg-test` (cluster vars `clusterVars`), a standby primary
    /// `pg-standby` following 10.10.10.11.
    static func inventory(_ clusterVars: String = "", standbyVars: String = "") -> String {
        func indent(_ s: String) -> String {
            s.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(separator: "\n")
        }
        return """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd:
              hosts:
                10.10.10.10: { etcd_seq: 1 }
                10.10.10.9: { etcd_seq: 2 }
              vars: { etcd_cluster: etcd }
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica, pg_upstream: 10.10.10.11 }
              vars:
                pg_cluster: pg-test
        \(indent(clusterVars))
            pg-standby:
              hosts:
                10.10.10.21: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.11 }
              vars:
                pg_cluster: pg-standby
        \(indent(standbyVars))
          vars:
            admin_ip: 10.10.10.10
        """
    }

    static let eightGig = NodeFacts(os: "el9", arch: "x86_64", cpu: 4, memMB: 8192, diskGB: 40, iface: "eth0")

    func document(_ text: String, on ip: String = "10.10.10.11", facts: NodeFacts = .standard) throws -> YAMLNode {
        let out = try emit(text, [PatroniBackend()], facts: FactsTable(defaults: facts))
        let (graph, tree, sink) = (out.graph, out.tree, out.sink)
        let name = try #require(graph.pgInstances.first { $0.ip == ip }).name
        let file = try #require(tree.file("/pg/conf/\(name).yml", on: ip), "no patroni config on \(ip)")
        #expect(file.mode == 0o640 && file.group == "postgres" && file.owner == "postgres")
        let parsed = YAML.parse(file.content, path: file.path, into: sink)
        #expect(!sink.hasErrors, "\(file.content)")
        return try #require(parsed)
    }

    func at(_ node: YAMLNode, _ path: String) -> YAMLValue? {
        var cur: YAMLNode? = node
        for key in path.split(separator: ".", omittingEmptySubsequences: false) where !key.isEmpty {
            cur = cur?[String(key)]
        }
        return cur?.value
    }

    func param(_ doc: YAMLNode, _ key: String) -> YAMLValue? {
        doc["bootstrap"]?["dcs"]?["postgresql"]?["parameters"]?[key]?.value
    }

    @Test func tuningMatchesTheWorkedExampleFor8GiB() throws {
        let doc = try document(Self.inventory("pg_default_service_dest: pgbouncer"), facts: Self.eightGig)
        let expected: [String: YAMLValue] = [
            "max_connections": .int(500), "max_locks_per_transaction": .int(500), "max_prepared_transactions": .int(0),
            "max_worker_processes": .int(24), "shared_buffers": .string("2048MB"),
            "maintenance_work_mem": .string("512MB"), "work_mem": .string("64MB"),
            "effective_cache_size": .string("6144MB"), "max_parallel_workers": .int(2),
            "max_parallel_maintenance_workers": .int(2), "max_parallel_workers_per_gather": .int(2),
            "io_method": .string("worker"), "io_workers": .int(4), "temp_file_limit": .string("2GB"),
            "min_wal_size": .string("2GB"), "max_wal_size": .string("8GB"), "max_slot_wal_keep_size": .string("12GB"),
        ]
        for (key, value) in expected { #expect(param(doc, key) == value, "\(key)") }
        #expect(at(doc, "bootstrap.dcs.ttl") == .int(30))
        #expect(at(doc, "bootstrap.dcs.loop_wait") == .int(5))
        #expect(at(doc, "bootstrap.dcs.retry_timeout") == .int(10))
        #expect(at(doc, "bootstrap.dcs.primary_start_timeout") == .int(25))
        #expect(at(doc, "bootstrap.dcs.maximum_lag_on_failover") == .int(1048576))
        #expect(at(doc, "bootstrap.dcs.synchronous_mode") == .bool(false))
        #expect(at(doc, "tags.spec") == .string("4C.8G.40G"))
    }

    @Test func tuningScalesWithCPUAndTemplate() {
        let big = PatroniTuning(template: .olap, cpu: 64, memMB: 262144, diskGB: 4000, maxConn: nil,
                                serviceDest: "postgres", libs: "timescaledb, pg_stat_statements", bufferRatio: 0.25)
        #expect(big.maxConnections == 500)
        #expect(big.maxLocksPerTransaction == 2000)
        #expect(big.sharedBuffers == 65536 && big.maintenanceWorkMem == 32768)
        #expect(big.workMem == 131)
        #expect(big.maxWorkerProcesses == 84 && big.workerProcessesBase == 76)
        #expect(big.parallelWorkers == 52 && big.parallelWorkersPerGather == 32 && big.parallelMaintenanceWorkers == 22)
        #expect(big.ioWorkers == 32)
        #expect(big.diskTwentieth == 100 && big.maxWalSizeGB == 400 && big.maxSlotWalKeepSizeGB == 600)
        let tiny = PatroniTuning(template: .tiny, cpu: 1, memMB: 1024, diskGB: 10, maxConn: nil,
                                 serviceDest: "postgres", libs: "", bufferRatio: 0.25)
        #expect(tiny.maxConnections == 250 && tiny.workMem == 16 && tiny.maxWorkerProcesses == 20)
        #expect(tiny.parallelWorkers == 1 && tiny.parallelWorkersPerGather == 0 && tiny.parallelMaintenanceWorkers == 1)
        #expect(tiny.ioWorkers == 3 && tiny.diskTwentieth == 1)
    }

    @Test func explicitMaxConnAndCitusLibs() throws {
        let doc = try document(Self.inventory("pg_max_conn: 300\npg_libs: 'citus, pg_stat_statements'"))
        #expect(param(doc, "max_connections") == .int(300))
        #expect(param(doc, "max_prepared_transactions") == .int(300))
        #expect(param(doc, "max_locks_per_transaction") == .int(600))
        #expect(param(doc, "shared_preload_libraries") == .string("citus, pg_stat_statements"))
    }

    @Test func rpoZeroTurnsOnSynchronousMode() throws {
        let on = try document(Self.inventory("pg_rpo: 0"))
        #expect(at(on, "bootstrap.dcs.synchronous_mode") == .bool(true))
        #expect(at(on, "bootstrap.dcs.synchronous_mode_strict") == .bool(false))
        let off = try document(Self.inventory())
        #expect(at(off, "bootstrap.dcs.synchronous_mode") == .bool(false))
        let crit = try document(Self.inventory("pg_conf: crit.yml"))
        #expect(at(crit, "bootstrap.dcs.synchronous_mode_strict") == .bool(true))
        #expect(at(crit, "watchdog.mode") == .string("automatic"))
        #expect(at(crit, "log.file_num") == .int(16))
    }

    @Test func rtoPlanSelectsTimeouts() throws {
        let doc = try document(Self.inventory("pg_rto: fast"))
        #expect(at(doc, "bootstrap.dcs.ttl") == .int(20))
        #expect(at(doc, "bootstrap.dcs.retry_timeout") == .int(5))
        #expect(at(doc, "watchdog.safety_margin") == .int(5))
    }

    @Test func standbyClusterLeaderFollowsItsUpstreamWithDelay() throws {
        let doc = try document(Self.inventory(standbyVars: "pg_delay: 1h"), on: "10.10.10.21")
        let standby = try #require(doc["bootstrap"]?["dcs"]?["standby_cluster"])
        #expect(standby["host"]?.value == .string("10.10.10.11"))
        #expect(standby["port"]?.value == .int(5432))
        #expect(standby["recovery_min_apply_delay"]?.value == .string("1h"))
        #expect(standby["create_replica_methods"]?.sequence?.map(\.value) == [.string("basebackup")])
        // Without a delay (the default 0) the key is left out; a plain primary has no standby block.
        let noDelay = try document(Self.inventory(), on: "10.10.10.21")
        #expect(noDelay["bootstrap"]?["dcs"]?["standby_cluster"]?["recovery_min_apply_delay"] == nil)
        #expect(noDelay["bootstrap"]?["dcs"]?["standby_cluster"] != nil)
        let primary = try document(Self.inventory())
        #expect(primary["bootstrap"]?["dcs"]?["standby_cluster"] == nil)
    }

    @Test func replicaWithUpstreamGetsReplicatefromTag() throws {
        let replica = try document(Self.inventory(), on: "10.10.10.12")
        #expect(at(replica, "tags.replicatefrom") == .string("10.10.10.11"))
        #expect(replica["bootstrap"]?["dcs"]?["standby_cluster"] == nil)
        let primary = try document(Self.inventory())
        #expect(primary["tags"]?["replicatefrom"] == nil)
        #expect(at(primary, "tags.version") == .string("18"))
    }

    @Test func listenPlaceholdersAreSubstituted() throws {
        let doc = try document(Self.inventory("pg_listen: '${ip},${vip},${lo}'\npg_vip_enabled: true\npg_vip_address: 10.10.10.3/24"))
        #expect(at(doc, "postgresql.listen") == .string("10.10.10.11,10.10.10.3,127.0.0.1:5432"))
        #expect(at(doc, "postgresql.connect_address") == .string("10.10.10.11:5432"))
        // Without an enabled VIP `${vip}` stays as written.
        let noVip = try document(Self.inventory("pg_listen: '${ip},${vip}'"))
        #expect(at(noVip, "postgresql.listen") == .string("10.10.10.11,${vip}:5432"))
    }

    @Test func etcdHostsAndAllowlistAreStringSorted() throws {
        let doc = try document(Self.inventory())
        #expect(at(doc, "etcd3.hosts") == .string("10.10.10.10:2379,10.10.10.9:2379"))
        #expect(at(doc, "etcd3.username") == .string("pg-test"))
        #expect(doc["restapi"]?["allowlist"]?.sequence?.map(\.value)
                == [.string("10.10.10.10"), .string("10.10.10.11"), .string("10.10.10.12")])
    }

    @Test func versionGates() throws {
        let v18 = try document(Self.inventory())
        #expect(param(v18, "file_copy_method") == .string("clone"))
        #expect(param(v18, "io_workers") == .int(4))
        #expect(param(v18, "sync_replication_slots") == .bool(true))
        #expect(param(v18, "wal_compression") == .string("lz4"))
        #expect(v18["bootstrap"]?["initdb"]?.sequence?.first?.value == .string("data-checksums"))
        let v17 = try document(Self.inventory("pg_version: 17\npg_checksum: false"))
        #expect(param(v17, "io_method") == nil && param(v17, "file_copy_method") == nil)
        #expect(param(v17, "sync_replication_slots") == .bool(true))
        #expect(v17["bootstrap"]?["initdb"]?.sequence?.first?["encoding"]?.value == .string("UTF8"))
        let v14 = try document(Self.inventory("pg_version: 14\npg_conf: crit.yml"))
        #expect(param(v14, "wal_compression") == nil && param(v14, "sync_replication_slots") == nil)
        #expect(param(v14, "vacuum_defer_cleanup_age") == .int(500000))
        #expect(param(v14, "log_connections") == .string("on"))
        let initdb = v14["bootstrap"]?["initdb"]?.sequence ?? []
        #expect(initdb.contains { $0["locale"]?.value == .string("C") })
        #expect(!initdb.contains { $0["locale-provider"] != nil })
        let v18NoSum = try document(Self.inventory("pg_checksum: false"))
        #expect(v18NoSum["bootstrap"]?["initdb"]?.sequence?.first?.value == .string("no-data-checksums"))
    }

    @Test func quotedStringsSurviveReparsing() {
        for s in ["on", "off", "0640", "1.5", "~", "", "a: b", "#x", "it's", "yes", "null", "1e3", "- x"] {
            let doc = YAML.parse("k: " + PYAML.scalar(s) + "\n", into: DiagnosticSink())
            #expect(doc?["k"]?.value == .string(s), "\(s)")
        }
    }
}
