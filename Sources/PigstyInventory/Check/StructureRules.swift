import PigstyDiagnostics

/// Group-level structure beyond what parsing already enforces: empty groups and a host in two
/// groups of the same module (which Pigsty's `bin/validate` forbids).
struct StructureRules: InventoryRule {
    func check(_ c: RuleContext) {
        for name in c.inventory.groupOrder where name != "all" {
            guard let g = c.inventory.groups[name] else { continue }
            if g.hosts.isEmpty, g.children.isEmpty {
                c.sink.report(.emptyGroup, "group '\(name)' has no hosts",
                              at: g.keyRange ?? g.definitions.first, path: name)
            }
        }
        // Module of a group, as bin/validate sees it.
        func module(of g: Group) -> String? {
            if g.name == "infra" { return "INFRA" }
            if g.name == "etcd" { return "ETCD" }
            if g.vars["pg_cluster"] != nil { return "PGSQL" }
            if g.vars["minio_cluster"] != nil { return "MINIO" }
            if g.vars["redis_cluster"] != nil { return "REDIS" }
            return nil
        }
        for h in c.inventory.hosts {
            var seen: [String: String] = [:]
            for gname in h.groups {
                guard let g = c.inventory.groups[gname], let m = module(of: g) else { continue }
                if let first = seen[m] {
                    c.sink.report(.moduleGroupOverlap,
                                  "host '\(h.name)' is in two \(m) groups, '\(first)' and '\(gname)'",
                                  at: c.occurrence(of: h, in: g),
                                  path: "\(gname).hosts.\(h.name)",
                                  notes: [DiagnosticNote("a node runs at most one cluster of each module")])
                } else {
                    seen[m] = gname
                }
            }
        }
    }
}
