import PigstyInventory
import PigstyYAML

/// The typed resources of Redis instances.
public struct RedisModel: Sendable {
    /// Every entry of `redis_instances` on every host with a `redis_cluster` and `redis_node`, in
    /// cluster, member and instance order.
    public let instances: [RedisInstanceConfig]

    init(instances: [RedisInstanceConfig] = []) { self.instances = instances }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> RedisModel {
        var out: [RedisInstanceConfig] = []
        for cluster in graph.resolved.redisClusters {
            for index in cluster.members {
                let h = graph.resolved.hosts[index]
                guard graph.node(h.name) != nil, let redisNode = h.string("redis_node"),
                      let instances = h.value("redis_instances")?.mapping else { continue }
                let mode: RedisInstanceConfig.Mode
                switch h.string("redis_mode") {
                case "sentinel": mode = .sentinel
                case "cluster": mode = .cluster
                default: mode = .standalone
                }
                let b = h.value("redis_bind_address")
                let bind = Jinja.truthy(b) ? Jinja.text(b) : h.name
                let p = h.value("redis_password")
                let password = p?.value == .string("") ? nil : Jinja.text(p)
                let save = (h.value("redis_rdb_save")?.sequence ?? []).map { Jinja.text($0) }
                let renames = (h.value("redis_rename_commands")?.mapping ?? []).map {
                    RedisInstanceConfig.Rename(command: $0.key.keyName ?? "", to: Jinja.text($0.value))
                }
                for pair in instances {
                    guard let port = pair.key.keyName else { continue }
                    let name = "\(cluster.name)-\(redisNode)-\(port)"
                    let upstream = pair.value["replica_of"]
                    let replicaOf = upstream.flatMap { u in
                        !u.isNull && u.value != .string("") ? Jinja.text(u) : nil
                    }
                    let path = "/etc/redis/\(name).conf"
                    out.append(RedisInstanceConfig(
                        ip: h.name, cluster: cluster.name, node: redisNode, port: port, name: name, mode: mode,
                        path: path, unit: unit(ofConf: path), bind: bind,
                        dir: "\(Jinja.text(h.value("redis_fs_main")))/\(name)", password: password,
                        rdbSave: save, replicaOf: replicaOf, renameCommands: renames,
                        maxMemory: Jinja.text(h.value("redis_max_memory")),
                        memPolicy: Jinja.text(h.value("redis_mem_policy")),
                        appendOnly: Jinja.truthy(h.value("redis_aof_enabled"))))
                }
            }
        }
        return RedisModel(instances: out)
    }

    /// The systemd unit a config file belongs to: its file name without the extension
    /// (`<cluster>-<node>-<port>.service` reads `/etc/redis/<same>.conf`).
    static func unit(ofConf path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.lastIndex(of: ".").map { String(base[..<$0]) } ?? base
    }
}

/// One Redis instance (an entry of `redis_instances`) and the settings its config file holds.
public struct RedisInstanceConfig: Sendable, Equatable {
    public enum Mode: String, Sendable, Equatable {
        case standalone, cluster, sentinel
    }

    /// `rename-command <command> <to>`.
    public struct Rename: Sendable, Equatable {
        public let command: String
        public let to: String
    }

    public let ip: String
    public let cluster: String
    public let node: String
    /// The key in `redis_instances`, as written.
    public let port: String
    /// `<redis_cluster>-<redis_node>-<port>`: names the data dir, pid, log, rdb and aof files.
    public let name: String
    /// `redis_mode`: a sentinel config for `sentinel`, a server config otherwise.
    public let mode: Mode
    /// `/etc/redis/<name>.conf`.
    public let path: String
    /// The systemd unit restarted when the file changes.
    public let unit: String
    /// `redis_bind_address`, or the inventory address when it is empty.
    public let bind: String
    /// `<redis_fs_main>/<name>`.
    public let dir: String
    /// `redis_password`; nil when it is the empty string (auth disabled).
    public let password: String?
    /// `redis_rdb_save` entries (`save <entry>`).
    public let rdbSave: [String]
    /// The instance's `replica_of`; nil when unset or empty.
    public let replicaOf: String?
    public let renameCommands: [Rename]
    public let maxMemory: String
    public let memPolicy: String
    /// `redis_aof_enabled`.
    public let appendOnly: Bool
    public var clustered: Bool { mode == .cluster }
}
