import PigstyInventory

/// The typed resources of PostgreSQL instance settings: Patroni's configuration, postgresql.auto.conf, pgbouncer.
public struct PgsqlModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> PgsqlModel { PgsqlModel() }
}
