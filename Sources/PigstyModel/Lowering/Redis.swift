import PigstyInventory

/// The typed resources of Redis instances.
public struct RedisModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> RedisModel { RedisModel() }
}
