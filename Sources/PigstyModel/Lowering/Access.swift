import PigstyInventory

/// The typed resources of HBA rule sets (pg_hba, pgb_hba) and HAProxy (its own services and the PostgreSQL services).
public struct AccessModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> AccessModel { AccessModel() }
}
