import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// Redis: `/etc/redis/<cluster>-<node>-<port>.conf` for every entry of `redis_instances` on every host with a
/// `redis_cluster`, as Pigsty's redis role writes them: a server config for standalone, replica and native
/// cluster instances, a sentinel config when `redis_mode` is `sentinel`. A custom `redis_conf` template is
/// not known to pigstyc; the built-in server config is written for it. Renders `graph.redis`.
struct RedisBackend: Backend {
    let name = "redis"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for r in graph.redis.instances {
            let content = r.mode == .sentinel ? sentinelConf(r, graph: graph) : serverConf(r, graph: graph)
            tree.add(GeneratedFile(path: r.path, content: content, owner: "redis", group: "redis", mode: 0o600,
                                   producer: "redis:\(r.name)", apply: .in(.redis, .restart(r.unit))),
                     on: r.ip)
        }
    }

    func serverConf(_ r: RedisInstanceConfig, graph: ResourceGraph) -> String {
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
        for save in r.rdbSave { line("save \(save)") }
        line("stop-writes-on-bgsave-error no")
        line("rdbcompression yes")
        line("rdbchecksum yes")
        line("dbfilename \(r.name).rdb")
        line("rdb-del-sync-files no")
        line("dir \(r.dir)")

        section("replication")
        if let upstream = r.replicaOf { line("replicaof \(upstream)") }
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
        for rename in r.renameCommands { line("rename-command \(rename.command) \"\(rename.to)\"") }

        section("memory")
        line("maxclients 6000")
        line("maxmemory \(r.maxMemory)")
        line("maxmemory-policy \(r.memPolicy)")
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
        line("appendonly \(r.appendOnly ? "yes" : "no")")
        line("appendfilename \"\(r.name).aof\"")
        line("appendfsync everysec")
        line("no-appendfsync-on-rewrite no")
        line("auto-aof-rewrite-percentage 100")
        line("auto-aof-rewrite-min-size 64mb")
        line("aof-load-truncated yes")
        line("aof-use-rdb-preamble yes")
        line("lua-time-limit 5000")

        section("cluster")
        line("cluster-enabled \(r.clustered ? "yes" : "no")")
        if r.clustered { line("cluster-config-file nodes-\(r.port).conf") }
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

    func sentinelConf(_ r: RedisInstanceConfig, graph: ResourceGraph) -> String {
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
