import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Users and databases: names unique within a list, granted roles and database owners defined
/// in the same cluster (else Pigsty's `GRANT`/`CREATE DATABASE … OWNER` fails on the node).
struct BusinessRules: InventoryRule {
    func check(_ c: RuleContext) {
        for list in ["pg_users", "pg_default_roles"] {
            for b in c.bindings(of: list) {
                duplicates(in: b, what: "user", id: .duplicateUser, c)
            }
        }
        for b in c.bindings(of: "pg_databases") {
            duplicates(in: b, what: "database", id: .duplicateDatabase, c)
        }
        for cluster in c.resolved.pgClusters { checkReferences(cluster, c) }
    }

    private func duplicates(in b: VarBinding, what: String, id: DiagnosticCode, _ c: RuleContext) {
        guard let items = b.value.sequence else { return }
        var seen: [String: YAMLNode] = [:]
        for (i, item) in items.enumerated() {
            guard let nameNode = item["name"], let name = nameNode.keyName, item["state"]?.string != "absent" else { continue }
            if let first = seen[name] {
                c.sink.report(id, "\(what) '\(name)' is defined twice in \(b.name)",
                             at: nameNode.range, path: "\(c.path(of: b))[\(i)].name",
                             notes: [DiagnosticNote("first defined here", at: first.range)])
            } else {
                seen[name] = nameNode
            }
        }
    }

    /// Role names a cluster defines: its default roles and users, plus PostgreSQL's built-in
    /// `pg_*` roles and the system users Pigsty creates from parameters.
    private func definedRoles(_ h: ResolvedHost) -> Set<String> {
        var names: Set<String> = []
        for list in ["pg_default_roles", "pg_users"] {
            for item in h.value(list)?.sequence ?? [] { if let n = item["name"]?.keyName { names.insert(n) } }
        }
        for p in ["pg_dbsu", "pg_replication_username", "pg_admin_username", "pg_monitor_username"] {
            if let n = h.string(p) { names.insert(n) }
        }
        names.insert("postgres")
        return names
    }

    private func checkReferences(_ cluster: PgCluster, _ c: RuleContext) {
        guard let first = cluster.members.first else { return }
        let h = c.resolved.hosts[first]
        let roles = definedRoles(h)
        var reported = Set<SourcePosition>()
        for list in ["pg_users", "pg_default_roles"] {
            for item in h.value(list)?.sequence ?? [] {
                for r in item["roles"]?.sequence ?? [] {
                    // Items may be a name or a `{name:, state:}` mapping.
                    let node = r["name"] ?? r
                    guard let name = node.keyName, !roles.contains(name), !name.hasPrefix("pg_"),
                          reported.insert(node.range.start).inserted else { continue }
                    c.sink.report(.unknownRole,
                                  "role '\(name)' is granted but not defined in pg_default_roles or pg_users of cluster '\(cluster.name)'",
                                  at: node.range, path: "\(list).roles",
                                  suggestion: Suggest.closest(to: name, among: roles.sorted()).map { "did you mean '\($0)'?" })
                }
            }
        }
        for item in h.value("pg_databases")?.sequence ?? [] {
            guard let node = item["owner"], let owner = node.keyName, !roles.contains(owner),
                  reported.insert(node.range.start).inserted else { continue }
            c.sink.report(.unknownOwner,
                          "database owner '\(owner)' is not defined in pg_users or pg_default_roles of cluster '\(cluster.name)'",
                          at: node.range, path: "pg_databases.owner",
                          suggestion: Suggest.closest(to: owner, among: roles.sorted()).map { "did you mean '\($0)'?" })
        }
    }
}
