import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Values that are each valid but collide: two clusters on one `pg_vip_address`, a VIP that is a
/// node's own address, two services on one node port (from the `NodePorts` table), and HBA
/// rules that let the whole world in without a password.
struct ConflictRules: InventoryRule {
    func check(_ c: RuleContext) {
        checkVIPs(c)
        checkPorts(c)
        checkWorldTrust(c)
    }

    // MARK: - VIPs

    private func checkVIPs(_ c: RuleContext) {
        var owners: [String: (cluster: String, site: YAMLNode)] = [:]
        var reported = Set<SourcePosition>()
        let nodes = Set(c.resolved.hosts.map(\.name))
        for cluster in c.resolved.pgClusters {
            let h = c.resolved.hosts[cluster.members[0]]
            guard Jinja.bool(h.value("pg_vip_enabled")), let b = h.binding("pg_vip_address"),
                  let text = b.value.string else { continue }
            let address = String(text.split(separator: "/", omittingEmptySubsequences: false).first ?? "")
            guard IPv4.isAddress(address) else { continue }
            if nodes.contains(address), reported.insert(b.value.range.start).inserted {
                let member = cluster.members.contains { c.resolved.hosts[$0].name == address }
                c.sink.report(.pgVipConflict,
                              "pg_vip_address \(address) of cluster '\(cluster.name)' is the address of "
                              + (member ? "its member \(address)" : "node \(address)"),
                              at: b.value.range, path: c.path(of: b),
                              notes: [DiagnosticNote("the VIP moves to the primary; a node's own address cannot be one")])
            }
            if let first = owners[address] {
                if first.cluster != cluster.name, reported.insert(b.value.range.start).inserted {
                    c.sink.report(.pgVipConflict,
                                  "pg_vip_address \(address) of cluster '\(cluster.name)' is also the VIP of cluster '\(first.cluster)'",
                                  at: b.value.range, path: c.path(of: b),
                                  notes: [DiagnosticNote("'\(first.cluster)' takes it here", at: first.site.range)])
                }
            } else {
                owners[address] = (cluster.name, b.value)
            }
        }
    }

    // MARK: - Ports

    private func checkPorts(_ c: RuleContext) {
        var reported = Set<String>()
        for h in c.resolved.hosts {
            var byPort: [Int: NodePorts.Listener] = [:]
            for l in c.listeners(of: h) {
                guard let first = byPort[l.port] else { byPort[l.port] = l; continue }
                // Point at a written value: this one, else the first one, else the host.
                let (here, other) = l.site != nil ? (l, first) : (first, l)
                let range = here.site?.range ?? h.host.firstSeen
                let key = "\(range.start.line):\(range.start.column):\(l.port):\(other.parameter)"
                guard reported.insert(key).inserted else { continue }
                c.sink.report(.portConflict,
                              "\(here.service) (\(here.parameter)) and \(other.service) (\(other.parameter)) "
                              + "both listen on port \(l.port) of node \(h.name)",
                              at: range, path: "\(h.name).\(here.parameter)",
                              notes: [other.site.map { DiagnosticNote("\(other.parameter) is set here", at: $0.range) }
                                      ?? DiagnosticNote("\(other.parameter) is \(other.port) by default")])
            }
        }
    }

    // MARK: - HBA

    private func checkWorldTrust(_ c: RuleContext) {
        for list in ["pg_default_hba_rules", "pg_hba_rules", "pgb_default_hba_rules", "pgb_hba_rules"] {
            for b in c.bindings(of: list) {
                for (i, rule) in (b.value.sequence ?? []).enumerated() where rule.mapping != nil {
                    guard (rule["rules"]?.sequence ?? []).isEmpty,
                          let addr = rule["addr"]?.keyName, ["world", "all"].contains(addr),
                          let auth = rule["auth"], auth.keyName == "trust" else { continue }
                    c.sink.report(.hbaWorldTrust,
                                  "HBA rule lets any address in without a password (addr: \(addr), auth: trust)",
                                  at: auth.range, path: "\(c.path(of: b))[\(i)].auth",
                                  notes: [DiagnosticNote("'\(addr)' is 0.0.0.0/0; trust accepts any client that claims the user name")],
                                  suggestion: "use auth: pwd (or ssl), or narrow addr to intra or a CIDR")
                }
            }
        }
    }
}

extension RuleContext {
    /// What listens on `h` (the `NodePorts` table).
    /// What listens on the host's node (`NodePorts`); hosts that share their groups and set no
    /// port of their own share one computed list.
    func listeners(of h: ResolvedHost) -> [NodePorts.Listener] {
        let infra = infraHosts.contains(h.name), etcd = etcdHosts.contains(h.name)
        guard let key = NodePorts.sharedKey(h, infra: infra, etcd: etcd, memo: listenerMemo) else {
            return NodePorts.listeners(of: h, infra: infra, etcd: etcd)
        }
        return listenerMemo.value(key) { NodePorts.listeners(of: h, infra: infra, etcd: etcd) }
    }
}
