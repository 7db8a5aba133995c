import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Services exposed through HAProxy: per cluster, names and ports unique across
/// `pg_default_services` + `pg_services`, no port taken by another component, a valid `dest`,
/// and `pg_service_provider` naming a group. `haproxy_services`: names and ports unique per list.
struct ServiceRules: InventoryRule {
    static let dests = ["default", "postgres", "pgbouncer"]

    func check(_ c: RuleContext) {
        var reportedSites = Set<SourcePosition>()
        for cluster in c.resolved.pgClusters {
            let h = c.resolved.hosts[cluster.members[0]]
            checkCluster(cluster.name, h, c, &reportedSites)
        }
        for b in c.bindings(of: "haproxy_services") { checkHaproxyList(b, c) }
        for b in c.bindings(of: "pg_service_provider") {
            guard let g = b.value.string, !g.isEmpty else { continue }
            if c.inventory.groups[g] == nil {
                c.sink.report(.serviceProviderGroup,
                              "pg_service_provider names group '\(g)', which the inventory does not define",
                              at: b.value.range, path: c.path(of: b),
                              suggestion: Suggest.closest(to: g, among: c.inventory.groupOrder).map { "did you mean '\($0)'?" })
            }
        }
    }

    private func checkCluster(_ cluster: String, _ h: ResolvedHost, _ c: RuleContext, _ reported: inout Set<SourcePosition>) {
        struct Seen { let node: YAMLNode; let fromDefaults: Bool }
        var names: [String: Seen] = [:]
        var ports: [Int: (String, Seen)] = [:]
        var components: [Int: String] = [:]
        // What else listens on the node (the NodePorts table).
        for l in c.listeners(of: h) where components[l.port] == nil { components[l.port] = l.parameter }
        let defaultsFromRole = h.binding("pg_default_services") == nil
        for list in ["pg_default_services", "pg_services"] {
            let fromDefaults = list == "pg_default_services" && defaultsFromRole
            for svc in h.value(list)?.sequence ?? [] {
                guard let nameNode = svc["name"], let name = nameNode.keyName else { continue }
                // Report each written definition once even when several clusters share it.
                let isNew = fromDefaults || !reported.contains(nameNode.range.start)
                if !fromDefaults { reported.insert(nameNode.range.start) }
                if let first = names[name] {
                    if isNew {
                        c.sink.report(.serviceDuplicateName,
                                      "service '\(name)' is defined twice for cluster '\(cluster)'",
                                      at: nameNode.range, path: "\(list).name",
                                      notes: [first.fromDefaults ? DiagnosticNote("also defined by the default pg_default_services")
                                                                : DiagnosticNote("first defined here", at: first.node.range)])
                    }
                } else {
                    names[name] = Seen(node: nameNode, fromDefaults: fromDefaults)
                }
                if let portNode = svc["port"], let port = portNode.int {
                    if let (other, first) = ports[port] {
                        if isNew {
                            c.sink.report(.serviceDuplicatePort,
                                          "service '\(name)' of cluster '\(cluster)' uses port \(port), already used by service '\(other)'",
                                          at: portNode.range, path: "\(list).port",
                                          notes: [first.fromDefaults ? DiagnosticNote("'\(other)' comes from the default pg_default_services")
                                                                    : DiagnosticNote("first used here", at: first.node.range)])
                        }
                    } else {
                        ports[port] = (name, Seen(node: portNode, fromDefaults: fromDefaults))
                    }
                    if let component = components[port], isNew, !fromDefaults {
                        c.sink.report(.serviceReservedPort,
                                      "service '\(name)' of cluster '\(cluster)' uses port \(port), which \(component) already takes",
                                      at: portNode.range, path: "\(list).port")
                    }
                }
                if let destNode = svc["dest"], !destNode.isNull, isNew, !fromDefaults {
                    let ok: Bool
                    switch destNode.value {
                    case .int(let p)?: ok = (1...65535).contains(p)
                    case .string(let s)?: ok = Self.dests.contains(s) || (Int(s).map { (1...65535).contains($0) } ?? false)
                    default: ok = false
                    }
                    if !ok {
                        let text = destNode.keyName ?? destNode.kindName
                        c.sink.report(.serviceBadDest,
                                      "service '\(name)' has dest '\(text)'; use default, postgres, pgbouncer or a port number",
                                      at: destNode.range, path: "\(list).dest",
                                      suggestion: Suggest.closest(to: text, among: Self.dests).map { "did you mean '\($0)'?" })
                    }
                }
            }
        }
    }

    private func checkHaproxyList(_ b: VarBinding, _ c: RuleContext) {
        var names: [String: YAMLNode] = [:]
        var ports: [Int: YAMLNode] = [:]
        for (i, svc) in (b.value.sequence ?? []).enumerated() {
            if let n = svc["name"], let name = n.keyName {
                if let first = names[name] {
                    c.sink.report(.serviceDuplicateName, "haproxy service '\(name)' is defined twice",
                                  at: n.range, path: "\(c.path(of: b))[\(i)].name",
                                  notes: [DiagnosticNote("first defined here", at: first.range)])
                } else { names[name] = n }
            }
            if let p = svc["port"], let port = p.int {
                if let first = ports[port] {
                    c.sink.report(.serviceDuplicatePort, "haproxy services share port \(port)",
                                  at: p.range, path: "\(c.path(of: b))[\(i)].port",
                                  notes: [DiagnosticNote("first used here", at: first.range)])
                } else { ports[port] = p }
            }
        }
    }
}
