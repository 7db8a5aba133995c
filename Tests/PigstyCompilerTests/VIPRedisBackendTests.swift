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

/// The vip (vip-manager, keepalived) and redis back ends, on small inline inventories.
struct VIPRedisBackendTests {
    /// Checks (or, with `checked: false`, only loads) an inventory and runs one back end on it. Unchecked
    /// loading reaches values the checker refuses but Pigsty's templates handle (a VIP without a mask,
    /// an empty `redis_bind_address`).
    static func emit(_ text: String, _ backend: any Backend, facts: FactsTable = FactsTable(),
                     checked: Bool = true) throws -> FileTree {
        try PigstyCompilerTests.emit(text, [backend], facts: facts, checked: checked).tree
    }

    static func lines(_ tree: FileTree, _ path: String, on node: String) throws -> [String] {
        let file = try #require(tree.file(path, on: node), "\(path) missing on \(node)")
        return file.content.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    // MARK: vip-manager

    static let pgVIP = """
    all:
      children:
        etcd:
          hosts:
            10.10.10.10: { etcd_seq: 1 }
            10.10.10.2: { etcd_seq: 2 }
          vars: { etcd_cluster: etcd }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pg_vip_interface: bond0 }
          vars:
            pg_cluster: pg-test
            pg_vip_enabled: true
            pg_vip_address: 10.10.10.3
        pg-plain:
          hosts: { 10.10.10.13: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-plain }
      vars:
        admin_ip: 10.10.10.10
    """

    @Test func vipManagerInterfaceFromFactsNetmaskDefaultAndEndpoints() throws {
        var facts = FactsTable()
        facts.hosts["10.10.10.11"] = NodeFacts(os: "el9", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "ens192")
        let tree = try Self.emit(Self.pgVIP, VIPBackend(), facts: facts, checked: false)
        let l = try Self.lines(tree, "/etc/default/vip-manager.yml", on: "10.10.10.11")
        #expect(l.contains(#"trigger-key: "/pg/pg-test/leader""#))
        #expect(l.contains(#"trigger-value: "pg-test-1""#))
        #expect(l.contains("ip: 10.10.10.3"))
        #expect(l.contains("netmask: 24"))
        #expect(l.contains("interface: ens192"))
        #expect(l.contains(#"etcd-user: "pg-test""#))
        #expect(l.contains(#"etcd-password: "pg-test""#))
        // groups['etcd'] sorted as strings: 10.10.10.10 before 10.10.10.2.
        let i = try #require(l.firstIndex(of: "dcs-endpoints:"))
        #expect(Array(l[i + 1...i + 2]) == ["  - https://10.10.10.10:2379", "  - https://10.10.10.2:2379"])
        let replica = try Self.lines(tree, "/etc/default/vip-manager.yml", on: "10.10.10.12")
        #expect(replica.contains("interface: bond0"))
        #expect(replica.contains(#"trigger-value: "pg-test-2""#))
        let file = try #require(tree.file("/etc/default/vip-manager.yml", on: "10.10.10.12"))
        #expect(file.owner == "root" && file.group == "postgres" && file.mode == 0o600)
        // No VIP without pg_vip_enabled.
        #expect(tree.file("/etc/default/vip-manager.yml", on: "10.10.10.13") == nil)
    }

    @Test func vipManagerCitusTriggerKeyAndExplicitMask() throws {
        let text = """
        all:
          children:
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-citus1:
              hosts:
                10.10.10.21: { pg_seq: 1, pg_role: primary }
              vars: { pg_cluster: pg-citus1, pg_group: 1, pg_vip_address: 10.10.10.29/28 }
          vars:
            admin_ip: 10.10.10.10
            pg_mode: citus
            pg_shard: pg-citus
            pg_vip_enabled: true
            pg_etcd_password: Etcd.Secret
        """
        let l = try Self.lines(try Self.emit(text, VIPBackend()), "/etc/default/vip-manager.yml", on: "10.10.10.21")
        #expect(l.contains(#"trigger-key: "/pg/pg-citus/1/leader""#))
        #expect(l.contains(#"trigger-value: "pg-citus1-1""#))
        #expect(l.contains("ip: 10.10.10.29"))
        #expect(l.contains("netmask: 28"))
        #expect(l.contains(#"etcd-user: "pg-citus""#))
        #expect(l.contains(#"etcd-password: "Etcd.Secret""#))
    }

    // MARK: keepalived

    static let nodeVIP = """
    all:
      children:
        web:
          hosts:
            10.10.10.21: { vip_role: master }
            10.10.10.22: { }
            10.10.10.23: { vip_preempt: true, vip_interface: eth1 }
          vars: { node_cluster: web, vip_enabled: true, vip_vrid: 42, vip_address: 10.10.10.20 }
        other:
          hosts: { 10.10.10.24: { vip_address: 10.10.10.20 }, 10.10.10.25: { vip_address: 10.10.10.30 } }
          vars: { node_cluster: other }
      vars:
        admin_ip: 10.10.10.21
    """

    @Test func keepalivedPeersPriorityPreemptAndAuthPass() throws {
        let tree = try Self.emit(Self.nodeVIP, VIPBackend())
        let master = try Self.lines(tree, "/etc/keepalived/keepalived.conf", on: "10.10.10.21")
        #expect(master.contains("  router_id web"))
        #expect(master.contains("vrrp_instance web {"))
        #expect(master.contains("  state MASTER"))
        #expect(master.contains("  interface eth0"))
        #expect(master.contains("  virtual_router_id 42"))
        #expect(master.contains("  priority 128"))
        #expect(master.contains("  nopreempt"))
        #expect(master.contains("  unicast_src_ip 10.10.10.21"))
        // Every other inventory host with the same vip_address, in inventory order (10.10.10.24 too).
        let p = try #require(master.firstIndex(of: "  unicast_peer {"))
        #expect(Array(master[p + 1...p + 4]) == ["    10.10.10.22", "    10.10.10.23", "    10.10.10.24", "  }"])
        #expect(master.contains("    auth_pass web-42"))
        #expect(master.contains("    10.10.10.20"))
        let backup = try Self.lines(tree, "/etc/keepalived/keepalived.conf", on: "10.10.10.23")
        #expect(backup.contains("  state BACKUP"))
        #expect(backup.contains("  priority 100"))
        #expect(backup.contains("  interface eth1"))
        #expect(!backup.contains("  nopreempt"))
        #expect(tree.file("/etc/keepalived/keepalived.conf", on: "10.10.10.23")?.mode == 0o600)
        #expect(tree.file("/etc/keepalived/keepalived.conf", on: "10.10.10.24") == nil)

        let custom = Self.nodeVIP.replacingOccurrences(of: "vip_address: 10.10.10.20 }\n", with: "vip_address: 10.10.10.20, vip_auth_pass: S3cret }\n")
        let withPass = try Self.lines(try Self.emit(custom, VIPBackend()), "/etc/keepalived/keepalived.conf", on: "10.10.10.22")
        #expect(withPass.contains("    auth_pass S3cret"))
    }

    // MARK: redis

    static let redis = """
    all:
      children:
        redis-ms:
          hosts: { 10.10.10.10: { redis_node: 1, redis_instances: { 6379: { }, 6380: { replica_of: '10.10.10.10 6379' } } } }
          vars:
            redis_cluster: redis-ms
            redis_password: redis.ms
            redis_max_memory: 64MB
            redis_rename_commands: { FLUSHALL: 'f1', KEYS: 'k2' }
            redis_rdb_save: [ '900 1', '300 10' ]
        redis-meta:
          hosts: { 10.10.10.11: { redis_node: 1, redis_instances: { 26379: { } } } }
          vars: { redis_cluster: redis-meta, redis_mode: sentinel }
        redis-test:
          hosts:
            10.10.10.12: { redis_node: 1, redis_instances: { 6379: { } } }
            10.10.10.13: { redis_node: 2, redis_instances: { 6379: { } } }
          vars: { redis_cluster: redis-test, redis_mode: cluster, redis_aof_enabled: true }
      vars:
        admin_ip: 10.10.10.10
    """

    @Test func redisStandaloneAndReplica() throws {
        let tree = try Self.emit(Self.redis, RedisBackend())
        let primary = try Self.lines(tree, "/etc/redis/redis-ms-1-6379.conf", on: "10.10.10.10")
        #expect(primary.contains("bind 0.0.0.0"))
        #expect(primary.contains("port 6379"))
        #expect(primary.contains("pidfile /var/run/redis/redis-ms-1-6379.pid"))
        #expect(primary.contains("logfile /var/log/redis/redis-ms-1-6379.log"))
        #expect(primary.contains("dbfilename redis-ms-1-6379.rdb"))
        #expect(primary.contains("dir /data/redis/redis-ms-1-6379"))
        #expect(primary.filter { $0.hasPrefix("save ") } == ["save 900 1", "save 300 10"])
        #expect(primary.contains("masterauth redis.ms"))
        #expect(primary.contains("requirepass redis.ms"))
        #expect(primary.filter { $0.hasPrefix("rename-command") } == [#"rename-command FLUSHALL "f1""#, #"rename-command KEYS "k2""#])
        #expect(primary.contains("maxmemory 64MB"))
        #expect(primary.contains("maxmemory-policy allkeys-lru"))
        #expect(primary.contains("appendonly no"))
        #expect(primary.contains(#"appendfilename "redis-ms-1-6379.aof""#))
        #expect(primary.contains("cluster-enabled no"))
        #expect(!primary.contains { $0.hasPrefix("replicaof") || $0.hasPrefix("cluster-config-file") })
        let replica = try Self.lines(tree, "/etc/redis/redis-ms-1-6380.conf", on: "10.10.10.10")
        #expect(replica.contains("replicaof 10.10.10.10 6379"))
        let file = try #require(tree.file("/etc/redis/redis-ms-1-6380.conf", on: "10.10.10.10"))
        #expect(file.owner == "redis" && file.group == "redis" && file.mode == 0o600)
    }

    @Test func redisSentinelAndNativeCluster() throws {
        // An empty redis_bind_address binds the inventory address.
        let text = Self.redis.replacingOccurrences(of: "redis_mode: sentinel }", with: "redis_mode: sentinel, redis_bind_address: '' }")
        let tree = try Self.emit(text, RedisBackend(), checked: false)
        let sentinel = try Self.lines(tree, "/etc/redis/redis-meta-1-26379.conf", on: "10.10.10.11")
        let directives = sentinel.filter { !$0.isEmpty && !$0.hasPrefix("#") }
        #expect(directives == [
            "protected-mode no", "bind 10.10.10.11", "port 26379", "daemonize no",
            "pidfile /var/run/redis/redis-meta-1-26379.pid", "logfile /var/log/redis/redis-meta-1-26379.log",
            "dir /data/redis/redis-meta-1-26379", "acllog-max-len 128", "sentinel deny-scripts-reconfig yes",
            "SENTINEL resolve-hostnames no", "SENTINEL announce-hostnames no",
        ])
        let node2 = try Self.lines(tree, "/etc/redis/redis-test-2-6379.conf", on: "10.10.10.13")
        #expect(node2.contains("cluster-enabled yes"))
        #expect(node2.contains("cluster-config-file nodes-6379.conf"))
        #expect(node2.contains("appendonly yes"))
        #expect(node2.contains("dir /data/redis/redis-test-2-6379"))
        #expect(!node2.contains { $0.hasPrefix("requirepass") || $0.hasPrefix("masterauth") })
        #expect(tree.file("/etc/redis/redis-test-1-6379.conf", on: "10.10.10.12") != nil)
    }
}
