import PigstyModel
import PigstyFormats

/// The quorum and HA groups of a graph: members of one group never apply at the same time
/// (`ApplyPlan` puts them in serial sub-waves), and after each member `ship` runs the group
/// kind's health check on it before the next member starts. The checks, per kind, are data here.
public struct QuorumGroups: Sendable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The members of the etcd cluster: a restart of a majority at once loses quorum.
        case etcd
        /// The MinIO nodes (erasure sets lose write quorum when too many nodes are down).
        case minio
        /// The members of one Patroni cluster (the primary in its own wave before the replicas;
        /// replicas of one cluster one after another).
        case patroni
        /// The keepalived peers of one node cluster's VIP.
        case keepalived
        /// The nodes of one Redis cluster (a primary with its replicas, a sentinel quorum, a
        /// native cluster): nodes without a primary instance first, nodes with one last.
        case redis
    }

    /// Members per group, in apply order.
    let groups: [Kind: [[String]]]
    /// The health check of each member.
    let checks: [Kind: [String: String]]

    public init(_ graph: ResourceGraph) {
        var groups: [Kind: [[String]]] = [:], checks: [Kind: [String: String]] = [:]
        let etcd = graph.etcd.members
        if !etcd.isEmpty {
            groups[.etcd] = [etcd.sorted { $0.seq < $1.seq }.map(\.ip)]
            for m in etcd { checks[.etcd, default: [:]][m.ip] = Self.etcdCheck(m) }
        }
        let minio = AddressOrder.sorted(graph.nodes.filter(\.membership.minio).map(\.ip))
        if !minio.isEmpty {
            groups[.minio] = [minio]
            for ip in minio { checks[.minio, default: [:]][ip] = "systemctl is-active --quiet silo" }
        }
        var byCluster: [String: [PgInstanceResource]] = [:]
        for i in graph.pgInstances { byCluster[i.cluster, default: []].append(i) }
        groups[.patroni] = byCluster.keys.sorted().map { c in
            let members = byCluster[c]!
            // Replicas before the primary when both fall in one wave (never with the default
            // plan, which runs primaries first so that they bootstrap the cluster).
            return members.filter { !$0.isPrimary }.sorted { $0.seq < $1.seq }.map(\.ip)
                + members.filter(\.isPrimary).map(\.ip)
        }
        for ins in graph.pgsql.instances {
            guard case .config(let c)? = ins.patroni else { continue }
            checks[.patroni, default: [:]][ins.ip] = Self.patroniCheck(c)
        }
        var byVIP: [String: [String]] = [:]
        for k in graph.vip.keepalived { byVIP[k.cluster, default: []].append(k.ip) }
        groups[.keepalived] = byVIP.keys.sorted().map { AddressOrder.sorted(byVIP[$0]!) }
        for k in graph.vip.keepalived { checks[.keepalived, default: [:]][k.ip] = "systemctl is-active --quiet keepalived" }
        var redisNodes: [String: [String: [RedisInstanceConfig]]] = [:]
        for r in graph.redis.instances { redisNodes[r.cluster, default: [:]][r.ip, default: []].append(r) }
        groups[.redis] = redisNodes.keys.sorted().map { c in
            let nodes = redisNodes[c]!
            // A node holding a primary (an instance that replicates from nothing, in a cluster
            // that has replicas) goes after the nodes that hold only replicas or sentinels.
            let hasReplicas = nodes.values.contains { $0.contains { $0.replicaOf != nil } }
            func holdsPrimary(_ ip: String) -> Bool {
                hasReplicas && nodes[ip]!.contains { $0.mode != .sentinel && $0.replicaOf == nil }
            }
            let ips = AddressOrder.sorted(nodes.keys)
            return ips.filter { !holdsPrimary($0) } + ips.filter(holdsPrimary)
        }
        for (_, nodes) in redisNodes {
            for (ip, instances) in nodes {
                checks[.redis, default: [:]][ip] = instances.sorted { $0.unit < $1.unit }
                    .map { "systemctl is-active --quiet " + Shell.single($0.unit) }.joined(separator: " && ")
            }
        }
        self.groups = groups
        self.checks = checks
    }

    /// The groups of `kind` restricted to `nodes`, each in apply order; groups of one node are left
    /// out (nothing to serialize).
    func members(of kind: Kind, among nodes: Set<String>) -> [[String]] {
        (groups[kind] ?? []).map { $0.filter(nodes.contains) }.filter { $0.count > 1 }
    }

    /// The checks of `kind` for the members of its groups among `nodes`.
    func health(_ kind: Kind, for nodes: Set<String>) -> [String: String] {
        let grouped = Set((groups[kind] ?? []).filter { $0.count > 1 }.flatMap { $0 })
        return (checks[kind] ?? [:]).filter { nodes.contains($0.key) && grouped.contains($0.key) }
    }

    /// `etcdctl endpoint health` against the member itself, with the certificates etcd.conf names.
    static func etcdCheck(_ m: EtcdMemberConfig) -> String {
        "ETCDCTL_API=3 etcdctl --endpoints=" + Shell.single(m.advertiseClientURL)
            + " --cacert=/etc/etcd/ca.crt --cert=/etc/etcd/server.crt --key=/etc/etcd/server.key endpoint health"
    }

    /// Patroni's REST `GET /health` (200 when PostgreSQL runs) on the member's API address.
    static func patroniCheck(_ c: PatroniConfig) -> String {
        "curl -fsS" + (c.sslAPI ? "k" : "") + " -o /dev/null " + Shell.single((c.sslAPI ? "https://" : "http://") + c.apiAddress + "/health")
    }
}
