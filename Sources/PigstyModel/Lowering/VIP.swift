import PigstyInventory

/// The typed resources of vip-manager (PostgreSQL cluster VIPs) and keepalived (node VIPs).
public struct VIPModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> VIPModel { VIPModel() }
}
