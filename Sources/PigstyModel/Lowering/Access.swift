import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// The typed resources of HBA rule sets (pg_hba, pgb_hba) and HAProxy (its own services and the PostgreSQL services).
public struct AccessModel: Sendable {
    /// One entry per PostgreSQL instance (`graph.pgInstances` order).
    public let hba: [HBAInstance]
    /// One entry per node with `haproxy_enabled`, in node order.
    public let haproxy: [HAProxyNode]
    /// PostgreSQL services as each cluster member renders them, in rendering order.
    public let pgServices: [PgServiceFile]
    /// Problems found while lowering the services (invalid `selector`/`backup` expressions), in
    /// the order they were found, each once per source position; the back end reports them.
    public let issues: [AccessIssue]

    init() {
        hba = []
        haproxy = []
        pgServices = []
        issues = []
    }

    init(hba: [HBAInstance], haproxy: [HAProxyNode], pgServices: [PgServiceFile], issues: [AccessIssue]) {
        self.hba = hba
        self.haproxy = haproxy
        self.pgServices = pgServices
        self.issues = issues
    }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> AccessModel {
        let hba = HBALowering(graph: graph).lower()
        let haproxy = graph.nodes.filter(\.modules.haproxy).map { HAProxyNode.lower($0) }
        var services = PgServiceLowering(graph: graph)
        for cluster in graph.resolved.pgClusters { services.lower(cluster) }
        return AccessModel(hba: hba, haproxy: haproxy, pgServices: services.files, issues: services.issues)
    }
}

/// A diagnostic the lowering found, for a back end to report.
public struct AccessIssue: Sendable {
    public let code: DiagnosticCode
    public let message: String
    public let range: SourceRange
    public let path: String
}

/// A value as `x|default(y)` reads it when null also counts as unset: nil when missing or null.
func given(_ n: YAMLNode?) -> YAMLNode? {
    guard let n, !n.isNull else { return nil }
    return n
}
