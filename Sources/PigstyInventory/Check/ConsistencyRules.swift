import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Cluster-level PostgreSQL parameters (level `C` only) must agree across a cluster's members:
/// Patroni, pgbouncer and HAProxy assume one value per cluster. Only names that can differ are
/// compared: host variables, and vars of groups that not every member belongs to.
struct ConsistencyRules: InventoryRule {
    func check(_ c: RuleContext) {
        for cluster in c.resolved.pgClusters where cluster.members.count > 1 {
            let members = cluster.members.map { c.resolved.hosts[$0] }
            var candidates = Set<String>()
            let common = members.dropFirst().reduce(Set(members[0].groups.map(\.name))) { $0.intersection($1.groups.map(\.name)) }
            for m in members {
                candidates.formUnion(m.host.vars.order)
                for g in m.groups where !common.contains(g.name) { candidates.formUnion(g.vars.order) }
            }
            for name in candidates.sorted() {
                guard let spec = c.schema.parameter(name), spec.module == "PGSQL", spec.levels == [.cluster],
                      name != "pg_cluster" else { continue }
                var firstValue: (ResolvedHost, String)?
                for m in members {
                    let text = m.value(name)?.flowText(limit: 4096, masking: c.schema.isSecretKey) ?? "(unset)"
                    guard let (first, value) = firstValue else { firstValue = (m, text); continue }
                    if text != value {
                        // Values are shown only for plain scalars: records may hold secrets under any key.
                        let scalar = m.value(name)?.scalar != nil && first.value(name)?.scalar != nil
                        let shown = spec.isSecret || !scalar || value.count + text.count > 120
                            ? "" : ": '\(value)' on \(first.name), '\(text)' on \(m.name)"
                        c.sink.report(.clusterValueDiffers,
                                      "cluster parameter '\(name)' differs between members of '\(cluster.name)'\(shown)",
                                      at: c.range(for: m, name), path: "\(m.name).\(name)",
                                      notes: [c.note("value on \(first.name)", first.binding(name))])
                        break
                    }
                }
            }
        }
    }
}
