import Foundation
import PigstyYAML

/// The one table of what listens on a node: each enabled service's port, read from the parameter
/// that sets it. Service-port and conflict checks derive from it.
struct NodePorts {
    /// One listening service.
    struct Listener {
        /// What listens, e.g. `pgbouncer`, `redis :6379`.
        let service: String
        /// The parameter that sets the port (`pgbouncer_port`, `redis_instances`).
        let parameter: String
        let port: Int
        /// Where the port is written; nil for a role default.
        let site: YAMLNode?
    }

    /// A port parameter, the service it belongs to and the switch (with its default) that enables it.
    struct Entry {
        let service: String
        let parameter: String
        let switches: [(String, Bool)]
    }

    static let node: [Entry] = [
        Entry(service: "node_exporter", parameter: "node_exporter_port", switches: [("node_exporter_enabled", true)]),
        Entry(service: "haproxy exporter", parameter: "haproxy_exporter_port", switches: [("haproxy_enabled", true)]),
        Entry(service: "vip exporter", parameter: "vip_exporter_port", switches: [("vip_enabled", false)]),
        Entry(service: "vector", parameter: "vector_port", switches: [("vector_enabled", true)]),
    ]
    static let pgsql: [Entry] = [
        Entry(service: "postgres", parameter: "pg_port", switches: []),
        Entry(service: "patroni", parameter: "patroni_port", switches: [("patroni_enabled", true)]),
        Entry(service: "pgbouncer", parameter: "pgbouncer_port", switches: [("pgbouncer_enabled", true)]),
        Entry(service: "pg_exporter", parameter: "pg_exporter_port", switches: [("pg_exporter_enabled", true)]),
        Entry(service: "pgbouncer exporter", parameter: "pgbouncer_exporter_port",
              switches: [("pgbouncer_enabled", true), ("pgbouncer_exporter_enabled", true)]),
        Entry(service: "pgbackrest exporter", parameter: "pgbackrest_exporter_port",
              switches: [("pgbackrest_enabled", true), ("pgbackrest_exporter_enabled", true)]),
    ]
    static let etcd: [Entry] = [
        Entry(service: "etcd", parameter: "etcd_port", switches: []),
        Entry(service: "etcd peer", parameter: "etcd_peer_port", switches: []),
    ]
    static let minio: [Entry] = [
        Entry(service: "minio", parameter: "minio_port", switches: []),
        Entry(service: "minio console", parameter: "minio_admin_port", switches: []),
    ]
    static let redis: [Entry] = [
        Entry(service: "redis exporter", parameter: "redis_exporter_port", switches: [("redis_exporter_enabled", true)]),
    ]
    static let infra: [Entry] = [
        Entry(service: "nginx", parameter: "nginx_port", switches: [("nginx_enabled", true)]),
        Entry(service: "nginx (https)", parameter: "nginx_ssl_port", switches: [("nginx_enabled", true)]),
        Entry(service: "nginx exporter", parameter: "nginx_exporter_port",
              switches: [("nginx_enabled", true), ("nginx_exporter_enabled", true)]),
        Entry(service: "dnsmasq", parameter: "dns_port", switches: [("dns_enabled", true)]),
        Entry(service: "victoria metrics", parameter: "vmetrics_port", switches: [("vmetrics_enabled", true)]),
        Entry(service: "victoria logs", parameter: "vlogs_port", switches: [("vlogs_enabled", true)]),
        Entry(service: "victoria traces", parameter: "vtraces_port", switches: [("vtraces_enabled", true)]),
        Entry(service: "vmalert", parameter: "vmalert_port", switches: [("vmalert_enabled", true)]),
        Entry(service: "alertmanager", parameter: "alertmanager_port", switches: [("alertmanager_enabled", true)]),
        Entry(service: "blackbox exporter", parameter: "blackbox_port", switches: [("blackbox_enabled", true)]),
        Entry(service: "grafana", parameter: "grafana_port", switches: [("grafana_enabled", true)]),
    ]
    static let docker: [Entry] = [
        Entry(service: "docker metrics", parameter: "docker_exporter_port", switches: []),
    ]

    /// Everything that listens on `h`, in table order (node, pgsql, etcd, minio, redis, infra, docker).
    /// `infra` and `etcd`: whether the host is a member of those groups.
    /// Every variable `listeners` reads.
    static let names: Set<String> = {
        var s: Set<String> = ["pg_cluster", "minio_cluster", "minio_seq", "redis_cluster", "docker_enabled", "redis_instances"]
        for e in node + pgsql + etcd + minio + redis + infra + docker {
            s.insert(e.parameter)
            for sw in e.switches { s.insert(sw.0) }
        }
        return s
    }()

    /// Variables `listeners` reads only for whether they are set (a cluster's name).
    static let presenceNames: Set<String> = ["pg_cluster", "minio_cluster", "redis_cluster"]
    /// Variables whose values `listeners` reads.
    static let valueNames = names.subtracting(presenceNames)

    /// For a host that sets none of `valueNames` itself (and has no evaluated template among
    /// them), its listeners depend only on the groups that set any of them, on which of
    /// `presenceNames` it has, and on the two flags: this key; nil otherwise.
    struct SharedKey: Hashable {
        let groups: [ObjectIdentifier]
        let infra: Bool
        let etcd: Bool
        let present: [Bool]
    }

    /// Listener lists by `SharedKey`, filled by whichever rule asks first (rules run side by side).
    final class Memo: @unchecked Sendable {
        private let lock = NSLock()
        private var lists: [SharedKey: [Listener]] = [:]
        private var setters: [ObjectIdentifier: Bool] = [:]

        /// Whether a group's vars set any of `valueNames` (remembered per group).
        func setsValues(_ g: Group) -> Bool {
            let id = ObjectIdentifier(g)
            lock.lock()
            if let known = setters[id] { lock.unlock(); return known }
            lock.unlock()
            let sets = g.vars.order.contains { valueNames.contains($0) }
            lock.lock()
            setters[id] = sets
            lock.unlock()
            return sets
        }

        func value(_ key: SharedKey, _ make: () -> [Listener]) -> [Listener] {
            lock.lock()
            if let known = lists[key] { lock.unlock(); return known }
            lock.unlock()
            let made = make()
            lock.lock()
            lists[key] = made
            lock.unlock()
            return made
        }
    }

    static func sharedKey(_ h: ResolvedHost, infra: Bool, etcd: Bool, memo: Memo) -> SharedKey? {
        for name in h.host.vars.order where valueNames.contains(name) { return nil }
        for name in h.evaluated.keys where valueNames.contains(name) { return nil }
        let groups = h.groups.filter { memo.setsValues($0) }
        return SharedKey(groups: groups.map { ObjectIdentifier($0) }, infra: infra, etcd: etcd,
                         present: [h.string("pg_cluster") != nil, h.string("minio_cluster") != nil,
                                   h.string("redis_cluster") != nil])
    }

    static func listeners(of h: ResolvedHost, infra: Bool, etcd isEtcd: Bool) -> [Listener] {
        var entries = node
        if h.string("pg_cluster") != nil { entries += pgsql }
        if isEtcd { entries += etcd }
        if h.string("minio_cluster") != nil, h.binding("minio_seq") != nil { entries += minio }
        let redisHost = h.string("redis_cluster") != nil
        if redisHost { entries += redis }
        if infra { entries += Self.infra }
        if Jinja.bool(h.value("docker_enabled")) { entries += docker }
        var out: [Listener] = []
        for e in entries where e.switches.allSatisfy({ Jinja.bool(h.value($0.0), default: $0.1) }) {
            guard let port = h.int(e.parameter) else { continue }
            let b = h.binding(e.parameter)
            out.append(Listener(service: e.service, parameter: e.parameter, port: port, site: b?.value))
        }
        if redisHost, let b = h.binding("redis_instances"), let pairs = b.value.mapping {
            for p in pairs {
                guard let text = p.key.keyName, let port = Int(text) else { continue }
                out.append(Listener(service: "redis :\(port)", parameter: "redis_instances", port: port, site: p.key))
            }
        }
        return out
    }
}
