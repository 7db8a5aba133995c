import PigstyInventory

/// The typed resources of scrape targets, VictoriaMetrics/vmalert/Grafana settings, alert rules, datasources.
public struct MonitoringModel: Sendable {
    init() {}

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> MonitoringModel { MonitoringModel() }
}
