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
                                   producer: "redis:\(r.name)", apply: .in(.redis, .restart(r.unit)), secrets: r.password.map { [$0] } ?? []),
                     on: r.ip)
        }
    }

    func serverConf(_ r: RedisInstanceConfig, graph: ResourceGraph) -> String {
        var w = RedisConfWriter(capacity: 4096)
        w.verbatim(Header.hash("redis server configuration (\(r.name))", node: r.ip))
        func section(_ title: String) { w.blank(); w.comment(title) }

        section("network")
        w.directive("bind", words(r.bind))
        w.directive("protected-mode", "no")
        w.directive("port", "\(r.port)")
        w.directive("tcp-backlog", "1024")
        w.directive("timeout", "0")
        w.directive("tcp-keepalive", "300")

        section("process")
        w.directive("daemonize", "no")
        w.directive("supervised", "systemd")
        w.directive("pidfile", "/var/run/redis/\(r.name).pid")
        w.directive("loglevel", "notice")
        w.directive("logfile", "/var/log/redis/\(r.name).log")
        w.directive("databases", "16")
        w.directive("always-show-logo", "no")
        w.directive("set-proc-title", "yes")
        w.directive("proc-title-template", [.quoted("{title} {listen-addr} {server-mode} \(r.name)")])

        section("snapshots")
        for save in r.rdbSave { w.directive("save", words(save)) }
        w.directive("stop-writes-on-bgsave-error", "no")
        w.directive("rdbcompression", "yes")
        w.directive("rdbchecksum", "yes")
        w.directive("dbfilename", "\(r.name).rdb")
        w.directive("rdb-del-sync-files", "no")
        w.directive("dir", "\(r.dir)")

        section("replication")
        if let upstream = r.replicaOf { w.directive("replicaof", words(upstream)) }
        if let pass = r.password { w.directive("masterauth", "\(pass)") }
        w.directive("replica-serve-stale-data", "yes")
        w.directive("replica-read-only", "yes")
        w.directive("repl-diskless-sync", "no")
        w.directive("repl-diskless-sync-delay", "5")
        w.directive("repl-diskless-load", "disabled")
        w.directive("repl-disable-tcp-nodelay", "no")
        w.directive("replica-priority", "100")

        section("security")
        w.directive("acllog-max-len", "128")
        if let pass = r.password { w.directive("requirepass", "\(pass)") }
        for rename in r.renameCommands { w.directive("rename-command", [.word(rename.command), .quoted(rename.to)]) }

        section("memory")
        w.directive("maxclients", "6000")
        w.directive("maxmemory", "\(r.maxMemory)")
        w.directive("maxmemory-policy", "\(r.memPolicy)")
        w.directive("lazyfree-lazy-eviction", "no")
        w.directive("lazyfree-lazy-expire", "no")
        w.directive("lazyfree-lazy-server-del", "no")
        w.directive("replica-lazy-flush", "no")
        w.directive("lazyfree-lazy-user-del", "no")
        w.directive("lazyfree-lazy-user-flush", "no")
        w.directive("oom-score-adj", "no")
        w.directive("oom-score-adj-values", "0", "200", "800")
        w.directive("disable-thp", "yes")

        section("append only file")
        w.directive("appendonly", r.appendOnly ? "yes" : "no")
        w.directive("appendfilename", [.quoted("\(r.name).aof")])
        w.directive("appendfsync", "everysec")
        w.directive("no-appendfsync-on-rewrite", "no")
        w.directive("auto-aof-rewrite-percentage", "100")
        w.directive("auto-aof-rewrite-min-size", "64mb")
        w.directive("aof-load-truncated", "yes")
        w.directive("aof-use-rdb-preamble", "yes")
        w.directive("lua-time-limit", "5000")

        section("cluster")
        w.directive("cluster-enabled", r.clustered ? "yes" : "no")
        if r.clustered { w.directive("cluster-config-file", "nodes-\(r.port).conf") }
        w.directive("cluster-migration-barrier", "10")
        w.directive("cluster-require-full-coverage", "no")

        section("monitoring")
        w.directive("slowlog-log-slower-than", "10000")
        w.directive("slowlog-max-len", "128")
        w.directive("latency-monitor-threshold", "0")
        w.directive("notify-keyspace-events", [.quoted("")])

        section("data structures")
        w.directive("hash-max-ziplist-entries", "512")
        w.directive("hash-max-ziplist-value", "64")
        w.directive("list-max-ziplist-size", "-2")
        w.directive("list-compress-depth", "0")
        w.directive("set-max-intset-entries", "512")
        w.directive("zset-max-ziplist-entries", "128")
        w.directive("zset-max-ziplist-value", "64")
        w.directive("hll-sparse-max-bytes", "3000")
        w.directive("stream-node-max-bytes", "4096")
        w.directive("stream-node-max-entries", "100")
        w.directive("activerehashing", "yes")

        section("clients and background work")
        w.directive("client-output-buffer-limit", "normal", "0", "0", "0")
        w.directive("client-output-buffer-limit", "replica", "256mb", "64mb", "60")
        w.directive("client-output-buffer-limit", "pubsub", "32mb", "8mb", "60")
        w.directive("hz", "10")
        w.directive("dynamic-hz", "yes")
        w.directive("aof-rewrite-incremental-fsync", "yes")
        w.directive("rdb-save-incremental-fsync", "yes")
        w.directive("jemalloc-bg-thread", "yes")
        return w.text
    }

    func sentinelConf(_ r: RedisInstanceConfig, graph: ResourceGraph) -> String {
        var w = RedisConfWriter(capacity: 1024)
        w.verbatim(Header.hash("redis sentinel configuration (\(r.name))", node: r.ip))
        // Masters to monitor are added at run time (SENTINEL MONITOR from redis_sentinel_monitor).
        w.blank()
        w.directive("protected-mode", "no")
        w.directive("bind", words(r.bind))
        w.directive("port", "\(r.port)")
        w.directive("daemonize", "no")
        w.directive("pidfile", "/var/run/redis/\(r.name).pid")
        w.directive("logfile", "/var/log/redis/\(r.name).log")
        w.directive("dir", "\(r.dir)")
        w.directive("acllog-max-len", "128")
        if let pass = r.password { w.directive("requirepass", "\(pass)") }
        w.directive("sentinel", "deny-scripts-reconfig", "yes")
        w.directive("SENTINEL", "resolve-hostnames", "no")
        w.directive("SENTINEL", "announce-hostnames", "no")
        return w.text
    }

    /// A value that stands for several arguments (`redis_rdb_save` entries, `replica_of`,
    /// `redis_bind_address`): its space-separated words, each an argument of its own.
    func words(_ s: String) -> [RedisConfWriter.Argument] {
        let parts = s.split(separator: " ", omittingEmptySubsequences: true).map { RedisConfWriter.Argument.word(String($0)) }
        return parts.isEmpty ? [.word(s)] : parts
    }
}
