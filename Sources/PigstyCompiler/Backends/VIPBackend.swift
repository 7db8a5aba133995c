import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// Virtual IPs: `/etc/default/vip-manager.yml` on every pg instance with `pg_vip_enabled` (the L2 VIP that
/// follows the patroni leader) and `/etc/keepalived/keepalived.conf` on every node with `vip_enabled`
/// (the node cluster's VRRP address), as Pigsty's pgsql and node roles write them.
struct VIPBackend: Backend {
    let name = "vip"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for inst in graph.pgInstances where JinjaEval.ansibleBool(inst.host.value("pg_vip_enabled")) {
            guard let node = graph.node(inst.ip) else { continue }
            tree.add(GeneratedFile(path: "/etc/default/vip-manager.yml", content: vipManager(inst, node: node, graph: graph),
                                   owner: "root", group: "postgres", mode: 0o600, producer: "vip:\(inst.name)"),
                     on: inst.ip)
        }
        for node in graph.nodes where JinjaEval.ansibleBool(node.host.value("vip_enabled")) {
            tree.add(GeneratedFile(path: "/etc/keepalived/keepalived.conf", content: keepalived(node, graph: graph),
                                   owner: "root", group: "root", mode: 0o600, producer: "vip:\(node.nodeCluster)"),
                     on: node.ip)
        }
    }

    /// `interface`: the configured one, or the NIC holding the node's address when it is `auto`/empty.
    static func interface(_ h: ResolvedHost, _ variable: String, facts: NodeFacts) -> String {
        let v = h.value(variable)
        let configured = JinjaEval.truthy(v) ? JinjaEval.strip(JinjaEval.text(v)) : "auto"
        return ["", "auto"].contains(configured.lowercased()) ? facts.iface : configured
    }

    func vipManager(_ inst: PgInstanceResource, node: NodeResource, graph: ResourceGraph) -> String {
        let h = inst.host
        let citus = h.string("pg_mode") == "citus"
        let namespace = JinjaEval.text(h.value("pg_namespace"))
        let cluster = inst.cluster
        let shard = h.string("pg_shard") ?? cluster
        let triggerKey = citus
            ? "\(namespace)/\(shard)/\(JinjaEval.text(h.value("pg_group")))/leader"
            : "\(namespace)/\(cluster)/leader"
        // `pg_vip_address` is `<ip>/<mask>`; the mask defaults to 24.
        let address = JinjaEval.text(h.value("pg_vip_address"))
        let ip: Substring, mask: Substring
        if let slash = address.firstIndex(of: "/") {
            ip = address[..<slash]
            mask = address[address.index(after: slash)...]
        } else {
            ip = Substring(address)
            mask = ""
        }
        let etcdPort = JinjaEval.text(h.value("etcd_port"))
        let endpoints = graph.resolved.inventory.hosts(inGroup: "etcd").sorted()
            .map { "  - https://\($0):\(etcdPort)\n" }.joined()
        // etcd RBAC as patroni logs in: the shard (citus) or cluster name, password overridable.
        let etcdUser = citus ? shard : cluster
        let pass = h.value("pg_etcd_password")
        let etcdPassword = JinjaEval.truthy(pass) ? JinjaEval.text(pass) : etcdUser

        var out = Header.hash("vip-manager configuration", node: inst.ip, inventory: graph.inventoryName)
        out += """
        ---
        # poll the DCS every second
        interval: 1000

        # the leader key written by patroni, and the value that means "this instance leads"
        trigger-key: "\(triggerKey)"
        trigger-value: "\(cluster)-\(JinjaEval.text(h.value("pg_seq")))"

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
        let role = JinjaEval.text(h.value("vip_role")).uppercased()
        let vrid = JinjaEval.text(h.value("vip_vrid"))
        let address = JinjaEval.text(h.value("vip_address"))
        // Peers: every other inventory host whose vip_address is this same string (Pigsty queries hostvars,
        // so a host counts whether or not it enables the VIP itself).
        let peers = graph.resolved.hosts.filter { other in
            other.name != h.name && other.binding("vip_address")?.value.value == .string(address)
        }.map(\.name)
        let authPass: String
        if let b = h.binding("vip_auth_pass"), b.value.value != .string("") {
            authPass = JinjaEval.text(b.value)
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
        if !JinjaEval.ansibleBool(h.value("vip_preempt")) { out += "  nopreempt\n" }
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

/// How Pigsty's templates print and test inventory values (Jinja under Ansible).
enum JinjaEval {
    /// `{{ x }}`: Python's `str()` of a scalar; missing values print as nothing.
    static func text(_ node: YAMLNode?) -> String {
        guard let node else { return "" }
        if let v = node.value { return YAMLNode.describe(v) }
        return node.scalar?.text ?? ""
    }

    /// `{% if x %}`: Python truthiness.
    static func truthy(_ node: YAMLNode?) -> Bool {
        guard let node else { return false }
        switch node.content {
        case .sequence(let items): return !items.isEmpty
        case .mapping(let pairs): return !pairs.isEmpty
        case .scalar(let s):
            switch s.value {
            case .null: return false
            case .bool(let b): return b
            case .int(let i): return i != 0
            case .bigInt: return true
            case .float(let d): return d != 0
            case .string(let t), .timestamp(let t): return !t.isEmpty
            }
        }
    }

    /// `x|bool`: Ansible's filter (true for True, 1, and the strings yes/on/true/1/y, any case).
    static func ansibleBool(_ node: YAMLNode?) -> Bool {
        guard let v = node?.value else { return false }
        switch v {
        case .bool(let b): return b
        case .int(let i): return i == 1
        case .float(let d): return d == 1
        case .string(let s): return ["yes", "on", "1", "true", "y", "t"].contains(strip(s).lowercased())
        default: return false
        }
    }

    /// Python's `str.strip()` for the blanks that occur in inventories.
    static func strip(_ s: String) -> String {
        let blanks: Set<Character> = [" ", "\t", "\n", "\r"]
        return String(s.drop { blanks.contains($0) }.reversed().drop { blanks.contains($0) }.reversed())
    }
}
