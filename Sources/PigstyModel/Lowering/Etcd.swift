import PigstyInventory

/// The typed resources of etcd members' configuration.
public struct EtcdModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> EtcdModel { EtcdModel() }
}
