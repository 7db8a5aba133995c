import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// pgBackRest: `pgbackrest_method` names an entry of the cluster's `pgbackrest_repo` (any key
/// Pigsty allows, not a fixed list); Pigsty reads `pgbackrest_repo[pgbackrest_method]` and fails
/// on a missing one.
struct BackupRules: InventoryRule {
    func check(_ c: RuleContext) {
        var reported = Set<SourcePosition>()
        for cluster in c.resolved.pgClusters {
            let h = c.resolved.hosts[cluster.members[0]]
            guard Jinja.bool(h.value("pgbackrest_enabled"), default: true),
                  let method = h.value("pgbackrest_method"), let name = method.keyName,
                  !ParameterRules.isTemplated(method),
                  let repo = h.value("pgbackrest_repo"), let pairs = repo.mapping, !ParameterRules.isTemplated(repo) else { continue }
            let keys = pairs.compactMap { $0.key.keyName }
            guard !keys.contains(name) else { continue }
            // Point at the written method; with the default method, at the written repo.
            let methodBinding = h.binding("pgbackrest_method")
            let site = methodBinding?.value ?? h.binding("pgbackrest_repo")?.value ?? method
            guard reported.insert(site.range.start).inserted else { continue }
            let path = methodBinding.map { c.path(of: $0) } ?? h.binding("pgbackrest_repo").map { c.path(of: $0) } ?? "pgbackrest_method"
            c.sink.report(.pgBackrestMethod,
                          "pgbackrest_method '\(SafetyRules.printable(name))' of cluster '\(cluster.name)' names no pgbackrest_repo entry"
                          + (keys.isEmpty ? "" : " (entries: \(keys.map(SafetyRules.printable).joined(separator: ", ")))"),
                          at: site.range, path: path,
                          notes: methodBinding == nil ? [DiagnosticNote("pgbackrest_method is '\(name)' by default")] : [],
                          suggestion: Suggest.closest(to: name, among: keys).map { "did you mean '\($0)'?" })
        }
    }
}
