import PigstyInventory

/// The typed resources of the nginx portal, its certificates scripts and registrations.
public struct PortalModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> PortalModel { PortalModel() }
}
