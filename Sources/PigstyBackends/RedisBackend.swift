import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// Redis: `/etc/redis/<cluster>-<node>-<port>.conf` for every entry of `redis_instances` on every host with a
/// `redis_cluster`, as Pigsty's redis role writes them: a server config for standalone, replica and native
/// cluster instances, a sentinel config when `redis_mode` is `sentinel`. A custom `redis_conf` template is
/// not known to pigstyc; the built-in server config is written for it.
struct RedisBackend: Backend {
    let name = "redis"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for cluster in graph.resolved.redisClusters {
            for index in cluster.members {
                let h = graph.resolved.hosts[index]
                guard let node = graph.node(h.name), let redisNode = h.string("redis_node"),
                      let instances = h.value("redis_instances")?.mapping else { continue }
                for pair in instances {
                    guard let port = pair.key.keyName else { continue }
                    let instance = RedisInstance(host: h, cluster: cluster.name, node: redisNode, port: port, options: pair.value)
                    let content = h.string("redis_mode") == "sentinel"
                        ? sentinelConf(instance, graph: graph) : serverConf(instance, graph: graph)
                    tree.add(GeneratedFile(path: "/etc/redis/\(instance.name).conf", content: content,
                                           owner: "redis", group: "redis", mode: 0o600, producer: "redis:\(instance.name)"),
                             on: node.ip)
                }
            }
        }
    }

    struct RedisInstance {
        let host: ResolvedHost
        let cluster: String
        let node: String
        let port: String
        /// The instance's dict in `redis_instances` (only `replica_of` is read).
        let options: YAMLNode
        /// `<redis_cluster>-<redis_node>-<port>`: names the data dir, pid, log, rdb and aof files.
        var name: String { "\(cluster)-\(node)-\(port)" }
        var ip: String { host.name }

        /// `bind`: `redis_bind_address`, or the inventory address when it is empty.
        var bind: String {
            let b = host.value("redis_bind_address")
            return Jinja.truthy(b) ? Jinja.text(b) : ip
        }
        var dir: String { "\(Jinja.text(host.value("redis_fs_main")))/\(name)" }
        /// The password, or nil when it is the empty string (auth disabled).
        var password: String? {
            let p = host.value("redis_password")
            return p?.value == .string("") ? nil : Jinja.text(p)
        }
    }

    func serverConf(_ r: RedisInstance, graph: ResourceGraph) -> String {
        let h = r.host
        var out = Header.hash("redis server configuration (\(r.name))", node: r.ip, inventory: graph.inventoryName)
        func line(_ s: String = "") { out += s + "\n" }
        func section(_ title: String) { line(); line("# \(title)") }

        section("network")
        line("bind \(r.bind)")
        line("protected-mode no")
        line("port \(r.port)")
        line("tcp-backlog 1024")
        line("timeout 0")
        line("tcp-keepalive 300")

        section("process")
        line("daemonize no")
        line("supervised systemd")
        line("pidfile /var/run/redis/\(r.name).pid")
        line("loglevel notice")
        line("logfile /var/log/redis/\(r.name).log")
        line("databases 16")
        line("always-show-logo no")
        line("set-proc-title yes")
        line("proc-title-template \"{title} {listen-addr} {server-mode} \(r.name)\"")

        section("snapshots")
        for save in h.value("redis_rdb_save")?.sequence ?? [] { line("save \(Jinja.text(save))") }
        line("stop-writes-on-bgsave-error no")
        line("rdbcompression yes")
        line("rdbchecksum yes")
        line("dbfilename \(r.name).rdb")
        line("rdb-del-sync-files no")
        line("dir \(r.dir)")

        section("replication")
        let upstream = r.options["replica_of"]
        if let upstream, !upstream.isNull, upstream.value != .string("") {
            line("replicaof \(Jinja.text(upstream))")
        }
        if let pass = r.password { line("masterauth \(pass)") }
        line("replica-serve-stale-data yes")
        line("replica-read-only yes")
        line("repl-diskless-sync no")
        line("repl-diskless-sync-delay 5")
        line("repl-diskless-load disabled")
        line("repl-disable-tcp-nodelay no")
        line("replica-priority 100")

        section("security")
        line("acllog-max-len 128")
        if let pass = r.password { line("requirepass \(pass)") }
        for pair in h.value("redis_rename_commands")?.mapping ?? [] {
            line("rename-command \(pair.key.keyName ?? "") \"\(Jinja.text(pair.value))\"")
        }

        section("memory")
        line("maxclients 6000")
        line("maxmemory \(h.value("redis_max_memory").map { Jinja.text($0) } ?? "1GB")")
        line("maxmemory-policy \(h.value("redis_mem_policy").map { Jinja.text($0) } ?? "noeviction")")
        line("lazyfree-lazy-eviction no")
        line("lazyfree-lazy-expire no")
        line("lazyfree-lazy-server-del no")
        line("replica-lazy-flush no")
        line("lazyfree-lazy-user-del no")
        line("lazyfree-lazy-user-flush no")
        line("oom-score-adj no")
        line("oom-score-adj-values 0 200 800")
        line("disable-thp yes")

        section("append only file")
        line("appendonly \(Jinja.truthy(h.value("redis_aof_enabled")) ? "yes" : "no")")
        line("appendfilename \"\(r.name).aof\"")
        line("appendfsync everysec")
        line("no-appendfsync-on-rewrite no")
        line("auto-aof-rewrite-percentage 100")
        line("auto-aof-rewrite-min-size 64mb")
        line("aof-load-truncated yes")
        line("aof-use-rdb-preamble yes")
        line("lua-time-limit 5000")

        section("cluster")
        let clustered = h.string("redis_mode") == "cluster"
        line("cluster-enabled \(clustered ? "yes" : "no")")
        if clustered { line("cluster-config-file nodes-\(r.port).conf") }
        line("cluster-migration-barrier 10")
        line("cluster-require-full-coverage no")

        section("monitoring")
        line("slowlog-log-slower-than 10000")
        line("slowlog-max-len 128")
        line("latency-monitor-threshold 0")
        line("notify-keyspace-events \"\"")

        section("data structures")
        line("hash-max-ziplist-entries 512")
        line("hash-max-ziplist-value 64")
        line("list-max-ziplist-size -2")
        line("list-compress-depth 0")
        line("set-max-intset-entries 512")
        line("zset-max-ziplist-entries 128")
        line("zset-max-ziplist-value 64")
        line("hll-sparse-max-bytes 3000")
        line("stream-node-max-bytes 4096")
        line("stream-node-max-entries 100")
        line("activerehashing yes")

        section("clients and background work")
        line("client-output-buffer-limit normal 0 0 0")
        line("client-output-buffer-limit replica 256mb 64mb 60")
        line("client-output-buffer-limit pubsub 32mb 8mb 60")
        line("hz 10")
        line("dynamic-hz yes")
        line("aof-rewrite-incremental-fsync yes")
        line("rdb-save-incremental-fsync yes")
        line("jemalloc-bg-thread yes")
        return out
    }

    func sentinelConf(_ r: RedisInstance, graph: ResourceGraph) -> String {
        var out = Header.hash("redis sentinel configuration (\(r.name))", node: r.ip, inventory: graph.inventoryName)
        func line(_ s: String = "") { out += s + "\n" }
        // Masters to monitor are added at run time (SENTINEL MONITOR from redis_sentinel_monitor).
        line()
        line("protected-mode no")
        line("bind \(r.bind)")
        line("port \(r.port)")
        line("daemonize no")
        line("pidfile /var/run/redis/\(r.name).pid")
        line("logfile /var/log/redis/\(r.name).log")
        line("dir \(r.dir)")
        line("acllog-max-len 128")
        if let pass = r.password { line("requirepass \(pass)") }
        line("sentinel deny-scripts-reconfig yes")
        line("SENTINEL resolve-hostnames no")
        line("SENTINEL announce-hostnames no")
        return out
    }
}
