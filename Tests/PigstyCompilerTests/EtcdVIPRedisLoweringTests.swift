import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// What lowering computes for etcd, vip-manager, keepalived and Redis (`graph.etcd`, `graph.vip`,
/// `graph.redis`), and the files rendered from it.
struct EtcdVIPRedisLoweringTests {
    static func graph(_ text: String, checked: Bool = true) throws -> ResourceGraph {
        try emit(text, [], checked: checked).graph
    }

    @Test func etcdMembersWithSchemaDefaultsAndStringSortedInitialCluster() throws {
        let g = try Self.graph("""
        all:
          children:
            etcd:
              hosts:
                10.10.10.10: { etcd_seq: 1 }
                10.10.10.2: { etcd_seq: 2, etcd_init: existing }
              vars: { etcd_cluster: etcd, etcd_heartbeat_interval: 150 }
          vars: { admin_ip: 10.10.10.10 }
        """)
        let m = g.etcd.members
        #expect(m.map(\.name) == ["etcd-1", "etcd-2"])
        let first = try #require(m.first)
        #expect(first.dataDir == "/data/etcd")
        #expect(first.initialClusterState == "new")
        #expect(m[1].initialClusterState == "existing")
        #expect(first.electionTimeout == 1000 && first.heartbeatInterval == 150)
        #expect(first.peerURL == "https://10.10.10.10:2380")
        #expect(first.listenClientURLs == ["https://10.10.10.10:2379", "https://127.0.0.1:2379"])
        #expect(first.advertiseClientURL == "https://10.10.10.10:2379")
        #expect(first.rootPassword == "Etcd.Root")
        #expect(first.initialClusterText == "etcd-1=https://10.10.10.10:2380,etcd-2=https://10.10.10.2:2380")
    }

    static let vipInventory = """
    all:
      children:
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
          vars: { pg_cluster: pg-test, pg_vip_enabled: true, pg_vip_address: 10.10.10.3/26, pg_vip_interface: eth1 }
        web:
          hosts:
            10.10.10.21: { vip_role: master }
            10.10.10.22: { }
          vars: { node_cluster: web, vip_enabled: true, vip_vrid: 42, vip_address: 10.10.10.20 }
      vars: { admin_ip: 10.10.10.10 }
    """

    @Test func vipManagerAndKeepalivedFacts() throws {
        let g = try Self.graph(Self.vipInventory)
        let m = try #require(g.vip.managers.first)
        #expect(g.vip.managers.count == 1)
        #expect(m.ip == "10.10.10.11" && m.instance == "pg-test-1")
        #expect(m.triggerKey == "/pg/pg-test/leader" && m.triggerValue == "pg-test-1")
        #expect(m.address == "10.10.10.3" && m.netmask == "26" && m.interface == "eth1")
        #expect(m.dcsEndpoints == ["https://10.10.10.10:2379"])
        #expect(m.etcdUser == "pg-test" && m.etcdPassword == "pg-test")
        #expect(g.vip.keepalived.map(\.ip) == ["10.10.10.21", "10.10.10.22"])
        let k = g.vip.keepalived[0]
        #expect(k.state == "MASTER" && k.priority == 128 && k.virtualRouterID == "42")
        #expect(k.peers == ["10.10.10.22"] && k.authPass == "web-42" && !k.preempt)
        #expect(g.vip.keepalived[1].state == "BACKUP" && g.vip.keepalived[1].priority == 100)
    }

    @Test func filesDeclareTheirApplyStep() throws {
        let e = try emit(Self.vipInventory + "\n", [EtcdBackend(), VIPBackend()])
        for file in e.tree.nodes.values.flatMap(\.values) {
            #expect(file.apply == ExpectedApply.classify(path: file.path, producer: file.producer), "\(file.path)")
        }
        let r = try emit(RedisBackendFixture.inventory, [RedisBackend()])
        let files = r.tree.nodes.values.flatMap(\.values)
        #expect(!files.isEmpty)
        for file in files {
            let stem = String(file.path.split(separator: "/").last!.dropLast(".conf".count))
            #expect(file.apply == .in(.redis, .restart(stem)), "\(file.path)")
            #expect(file.apply == ExpectedApply.classify(path: file.path, producer: file.producer), "\(file.path)")
        }
    }

    @Test func redisInstanceFacts() throws {
        let g = try Self.graph(RedisBackendFixture.inventory)
        let byName = Dictionary(uniqueKeysWithValues: g.redis.instances.map { ($0.name, $0) })
        let primary = try #require(byName["redis-test-1-6379"])
        #expect(primary.path == "/etc/redis/redis-test-1-6379.conf" && primary.unit == "redis-test-1-6379")
        #expect(primary.mode == .standalone && primary.bind == "0.0.0.0")
        #expect(primary.dir == "/data/redis/redis-test-1-6379")
        #expect(primary.password == nil && primary.replicaOf == nil)
        #expect(primary.maxMemory == "1GB" && primary.memPolicy == "allkeys-lru" && !primary.appendOnly)
        let replica = try #require(byName["redis-test-1-6380"])
        #expect(replica.replicaOf == "10.10.10.41 6379")
        let sentinel = try #require(byName["redis-sen-1-26379"])
        #expect(sentinel.mode == .sentinel && sentinel.password == "Redis.Sen")
    }

    /// A real bug: with a password holding `"` and `\`, vip-manager.yml said `etcd-password: "pa"ss\word"`,
    /// which no YAML parser reads. It is now escaped and reads back as exactly the password.
    @Test func vipManagerPasswordWithQuoteAndBackslashParses() throws {
        let password = #"pa"ss\word"#
        let text = Self.vipInventory.replacingOccurrences(
            of: "vars: { admin_ip: 10.10.10.10 }",
            with: "vars: { admin_ip: 10.10.10.10, pg_etcd_password: 'pa\"ss\\word' }")
        let e = try emit(text, [VIPBackend()])
        #expect(e.graph.vip.managers.first?.etcdPassword == password)
        let file = try #require(e.tree.file("/etc/default/vip-manager.yml", on: "10.10.10.11"))
        #expect(file.content.contains(#"etcd-password: "pa\"ss\\word""#))
        let sink = DiagnosticSink()
        let root = try #require(YAML.parse(file.content, into: sink), "\(sink.diagnostics.map(\.message))")
        #expect(root["etcd-password"]?.value == .string(password))
        #expect(root["etcd-user"]?.value == .string("pg-test"))
        #expect(root["dcs-endpoints"]?.sequence?.map(\.value) == [.string("https://10.10.10.10:2379")])
        // PyYAML (the YAML library of the Pigsty toolchain) reads the same password.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vipmgr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("vip-manager.yml")
        try file.content.write(to: path, atomically: false, encoding: .utf8)
        let r = try runTool("/usr/bin/unshare", ["-n", "/usr/bin/python3", "-c",
            "import yaml,sys; sys.stdout.write(yaml.safe_load(open(sys.argv[1]))['etcd-password'])", path.path])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output == password)
    }
}

enum RedisBackendFixture {
    static let inventory = """
    all:
      children:
        redis-test:
          hosts:
            10.10.10.41: { redis_node: 1, redis_instances: { 6379: { }, 6380: { replica_of: '10.10.10.41 6379' } } }
          vars: { redis_cluster: redis-test }
        redis-sen:
          hosts:
            10.10.10.42: { redis_node: 1, redis_instances: { 26379: { } } }
          vars: { redis_cluster: redis-sen, redis_mode: sentinel, redis_password: Redis.Sen }
      vars: { admin_ip: 10.10.10.41 }
    """
}
