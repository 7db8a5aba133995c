import PigstyInventory
import PigstyYAML

/// The typed resources of vip-manager (PostgreSQL cluster VIPs) and keepalived (node VIPs).
public struct VIPModel: Sendable {
    /// One vip-manager per PostgreSQL instance with `pg_vip_enabled`, in cluster then inventory order.
    public let managers: [VIPManagerConfig]
    /// One keepalived VRRP instance per node with `vip_enabled`, in inventory order.
    public let keepalived: [KeepalivedConfig]

    init(managers: [VIPManagerConfig] = [], keepalived: [KeepalivedConfig] = []) {
        self.managers = managers
        self.keepalived = keepalived
    }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> VIPModel {
        VIPModel(managers: graph.pgInstances.compactMap { manager($0, graph) },
                 keepalived: graph.nodes.compactMap { keepalived($0, graph) })
    }

    /// `interface`: the configured one, or the NIC holding the node's address when it is `auto`/empty.
    static func interface(_ h: ResolvedHost, _ variable: String, facts: NodeFacts) -> String {
        let v = h.value(variable)
        let configured = Jinja.truthy(v) ? Jinja.strip(Jinja.text(v)) : "auto"
        return ["", "auto"].contains(configured.lowercased()) ? facts.iface : configured
    }

    static func manager(_ inst: PgInstanceResource, _ graph: ResourceGraph) -> VIPManagerConfig? {
        guard inst.vip.enabled, let node = graph.node(inst.ip) else { return nil }
        let h = inst.host
        let citus = h.string("pg_mode") == "citus"
        let namespace = Jinja.text(h.value("pg_namespace"))
        let cluster = inst.cluster
        let shard = h.string("pg_shard") ?? cluster
        let triggerKey = citus
            ? "\(namespace)/\(shard)/\(Jinja.text(h.value("pg_group")))/leader"
            : "\(namespace)/\(cluster)/leader"
        // `pg_vip_address` is `<ip>/<mask>`; the mask defaults to 24.
        let text = inst.vip.text
        let mask = text.firstIndex(of: "/").map { String(text[text.index(after: $0)...]) } ?? ""
        let etcdPort = Jinja.text(h.value("etcd_port"))
        // etcd RBAC as patroni logs in: the shard (citus) or cluster name, password overridable.
        let etcdUser = citus ? shard : cluster
        let pass = h.value("pg_etcd_password")
        return VIPManagerConfig(
            ip: inst.ip, instance: inst.name, triggerKey: triggerKey,
            triggerValue: "\(cluster)-\(Jinja.text(h.value("pg_seq")))",
            address: inst.vip.address, netmask: mask.isEmpty ? "24" : mask,
            interface: interface(h, "pg_vip_interface", facts: node.facts),
            dcsEndpoints: graph.etcdHostsSorted.map { "https://\($0):\(etcdPort)" },
            etcdUser: etcdUser, etcdPassword: Jinja.truthy(pass) ? Jinja.text(pass) : etcdUser)
    }

    static func keepalived(_ node: NodeResource, _ graph: ResourceGraph) -> KeepalivedConfig? {
        let h = node.host
        guard Jinja.bool(h.value("vip_enabled")) else { return nil }
        let cluster = node.nodeCluster
        let role = Jinja.text(h.value("vip_role")).uppercased()
        let vrid = Jinja.text(h.value("vip_vrid"))
        let address = Jinja.text(h.value("vip_address"))
        // Peers: every other inventory host whose vip_address is this same string (Pigsty queries hostvars,
        // so a host counts whether or not it enables the VIP itself).
        let peers = graph.resolved.hosts.filter { other in
            other.name != h.name && other.binding("vip_address")?.value.value == .string(address)
        }.map(\.name)
        let authPass: String
        if let b = h.binding("vip_auth_pass"), b.value.value != .string("") {
            authPass = Jinja.text(b.value)
        } else {
            authPass = "\(cluster)-\(vrid)"
        }
        return KeepalivedConfig(
            ip: node.ip, cluster: cluster, state: role,
            interface: interface(h, "vip_interface", facts: node.facts), virtualRouterID: vrid,
            priority: role == "MASTER" ? 128 : 100, preempt: Jinja.bool(h.value("vip_preempt")),
            peers: peers, authPass: authPass, address: address)
    }
}

/// `/etc/default/vip-manager.yml` of one PostgreSQL instance: the L2 VIP that follows the patroni leader.
public struct VIPManagerConfig: Sendable, Equatable {
    public let ip: String
    /// `<pg_cluster>-<pg_seq>`.
    public let instance: String
    /// The leader key patroni writes in etcd.
    public let triggerKey: String
    /// The leader key's value that means "this instance leads".
    public let triggerValue: String
    /// The VIP without its mask.
    public let address: String
    /// The mask as written (`24` without one).
    public let netmask: String
    public let interface: String
    /// `https://<etcd host>:<etcd_port>` for the `etcd` group, sorted as strings.
    public let dcsEndpoints: [String]
    public let etcdUser: String
    public let etcdPassword: String
}

/// `/etc/keepalived/keepalived.conf` of one node: its node cluster's VRRP instance.
public struct KeepalivedConfig: Sendable, Equatable {
    public let ip: String
    /// The node cluster: router id and instance name.
    public let cluster: String
    /// `vip_role` upper-cased (`MASTER`, `BACKUP`).
    public let state: String
    public let interface: String
    public let virtualRouterID: String
    public let priority: Int
    /// `vip_preempt`; without it the instance is `nopreempt`.
    public let preempt: Bool
    /// Unicast peers: other inventory hosts with the same `vip_address`, in inventory order.
    public let peers: [String]
    public let authPass: String
    public let address: String
}
