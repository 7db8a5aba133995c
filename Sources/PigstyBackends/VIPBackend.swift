import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// Virtual IPs: `/etc/default/vip-manager.yml` on every pg instance with `pg_vip_enabled` (the L2 VIP that
/// follows the patroni leader) and `/etc/keepalived/keepalived.conf` on every node with `vip_enabled`
/// (the node cluster's VRRP address), as Pigsty's pgsql and node roles write them.
struct VIPBackend: Backend {
    let name = "vip"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for inst in graph.pgInstances where Jinja.bool(inst.host.value("pg_vip_enabled")) {
            guard let node = graph.node(inst.ip) else { continue }
            tree.add(GeneratedFile(path: "/etc/default/vip-manager.yml", content: vipManager(inst, node: node, graph: graph),
                                   owner: "root", group: "postgres", mode: 0o600, producer: "vip:\(inst.name)"),
                     on: inst.ip)
        }
        for node in graph.nodes where Jinja.bool(node.host.value("vip_enabled")) {
            tree.add(GeneratedFile(path: "/etc/keepalived/keepalived.conf", content: keepalived(node, graph: graph),
                                   owner: "root", group: "root", mode: 0o600, producer: "vip:\(node.nodeCluster)"),
                     on: node.ip)
        }
    }

    /// `interface`: the configured one, or the NIC holding the node's address when it is `auto`/empty.
    static func interface(_ h: ResolvedHost, _ variable: String, facts: NodeFacts) -> String {
        let v = h.value(variable)
        let configured = Jinja.truthy(v) ? Jinja.strip(Jinja.text(v)) : "auto"
        return ["", "auto"].contains(configured.lowercased()) ? facts.iface : configured
    }

    func vipManager(_ inst: PgInstanceResource, node: NodeResource, graph: ResourceGraph) -> String {
        let h = inst.host
        let citus = h.string("pg_mode") == "citus"
        let namespace = Jinja.text(h.value("pg_namespace"))
        let cluster = inst.cluster
        let shard = h.string("pg_shard") ?? cluster
        let triggerKey = citus
            ? "\(namespace)/\(shard)/\(Jinja.text(h.value("pg_group")))/leader"
            : "\(namespace)/\(cluster)/leader"
        // `pg_vip_address` is `<ip>/<mask>`; the mask defaults to 24.
        let address = Jinja.text(h.value("pg_vip_address"))
        let ip: Substring, mask: Substring
        if let slash = address.firstIndex(of: "/") {
            ip = address[..<slash]
            mask = address[address.index(after: slash)...]
        } else {
            ip = Substring(address)
            mask = ""
        }
        let etcdPort = Jinja.text(h.value("etcd_port"))
        let endpoints = graph.resolved.inventory.hosts(inGroup: "etcd").sorted()
            .map { "  - https://\($0):\(etcdPort)\n" }.joined()
        // etcd RBAC as patroni logs in: the shard (citus) or cluster name, password overridable.
        let etcdUser = citus ? shard : cluster
        let pass = h.value("pg_etcd_password")
        let etcdPassword = Jinja.truthy(pass) ? Jinja.text(pass) : etcdUser

        var out = Header.hash("vip-manager configuration", node: inst.ip, inventory: graph.inventoryName)
        out += """
        ---
        # poll the DCS every second
        interval: 1000

        # the leader key written by patroni, and the value that means "this instance leads"
        trigger-key: "\(triggerKey)"
        trigger-value: "\(cluster)-\(Jinja.text(h.value("pg_seq")))"

        # the L2 address bound on the leader
        ip: \(ip)
        netmask: \(mask.isEmpty ? "24" : mask)
        interface: \(Self.interface(h, "pg_vip_interface", facts: node.facts))
        hosting-type: basic

        dcs-type: etcd
        dcs-endpoints:
        \(endpoints)
        etcd-ca-file: "/pg/cert/ca.crt"
        etcd-cert-file: "/pg/cert/server.crt"
        etcd-key-file: "/pg/cert/server.key"
        etcd-user: "\(etcdUser)"
        etcd-password: "\(etcdPassword)"

        retry-num: 2
        retry-after: 250
        verbose: false
        ...

        """
        return out
    }

    func keepalived(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
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
        var out = Header.hash("keepalived configuration", node: node.ip, inventory: graph.inventoryName)
        out += """

        global_defs {
          router_id \(cluster)
          enable_script_security
          script_user root
        }

        vrrp_instance \(cluster) {
          state \(role)
          interface \(Self.interface(h, "vip_interface", facts: node.facts))
          virtual_router_id \(vrid)
          priority \(role == "MASTER" ? 128 : 100)

        """
        if !Jinja.bool(h.value("vip_preempt")) { out += "  nopreempt\n" }
        out += """
          advert_int 1

          unicast_src_ip \(node.ip)
          unicast_peer {
        \(peers.map { "    \($0)\n" }.joined())  }

          authentication {
            auth_type PASS
            auth_pass \(authPass)
          }

          virtual_ipaddress {
            \(address)
          }
        }

        """
        return out
    }
}
