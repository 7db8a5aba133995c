import PigstyInventory

/// The typed resources of dnsmasq and its records.
public struct DNSModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> DNSModel { DNSModel() }
}
