import Foundation
import PigstyInventory
import PigstyYAML

/// The four patroni templates Pigsty ships; they differ in tuning and a few logging switches.
public enum PatroniTemplate: String, Sendable, CaseIterable {
    case oltp, olap, crit, tiny

    /// `pg_conf` (`oltp.yml`, …) → template; nil for a file name Pigsty does not ship.
    public init?(conf: String) {
        let base = conf.hasSuffix(".yml") ? String(conf.dropLast(4)) : conf
        self.init(rawValue: base)
    }
}

/// The computed values of a patroni template: sizes from the node's facts, limits from `pg_max_conn`
/// and `pg_libs`. Every formula mirrors the template's Jinja arithmetic (Python floats, ceil/floor).
public struct PatroniTuning: Equatable, Sendable {
    public var maxConnections: Int
    public var maxPreparedTransactions: Int
    public var maxLocksPerTransaction: Int
    /// MB.
    public var sharedBuffers: Int
    public var maintenanceWorkMem: Int
    public var effectiveCacheSize: Int
    public var workMem: Int
    /// ceil(disk / 20 GiB), clamped to 1...100.
    public var diskTwentieth: Int
    /// Before the template's `+ 8` (timescaledb's background workers use this one).
    public var workerProcessesBase: Int
    public var maxWorkerProcesses: Int { workerProcessesBase + 8 }
    public var parallelWorkers: Int
    public var parallelWorkersPerGather: Int
    public var parallelMaintenanceWorkers: Int
    public var ioWorkers: Int

    public var minWalSizeGB: Int { min(diskTwentieth, 200) }
    public var maxWalSizeGB: Int { min(diskTwentieth * 4, 2000) }
    public var maxSlotWalKeepSizeGB: Int { min(diskTwentieth * 6, 3000) }

    /// - Parameters:
    ///   - maxConn: `pg_max_conn` (`auto` or a number).
    ///   - serviceDest: `pg_default_service_dest`.
    ///   - libs: `pg_libs` as text.
    ///   - bufferRatio: `pg_shared_buffer_ratio`.
    public init(template: PatroniTemplate, cpu: Int, memMB: Int, diskGB: Int, maxConn: YAMLNode?, serviceDest: String,
         libs: String, bufferRatio: Double) {
        let cpuD = Double(cpu)
        let explicit = Jinja.int(maxConn)
        if Jinja.text(maxConn) != "auto", explicit >= 20 {
            maxConnections = explicit
        } else {
            switch template {
            case .oltp, .crit: maxConnections = serviceDest == "pgbouncer" ? 500 : 1000
            case .olap: maxConnections = 500
            case .tiny: maxConnections = 250
            }
        }
        let citus = ByteSearch.contains(libs, "citus"), timescale = ByteSearch.contains(libs, "timescaledb")
        maxPreparedTransactions = citus ? maxConnections : 0
        if template == .olap {
            maxLocksPerTransaction = (citus || timescale) ? 4 * maxConnections : 2 * maxConnections
        } else {
            maxLocksPerTransaction = (citus || timescale) ? 2 * maxConnections : maxConnections
        }
        sharedBuffers = Int((Double(memMB) * bufferRatio).rounded(.up))
        maintenanceWorkMem = Int((Double(sharedBuffers) * (template == .olap ? 0.5 : 0.25)).rounded(.up))
        effectiveCacheSize = memMB - sharedBuffers
        let perConn = Int((Double(sharedBuffers) / Double(maxConnections)).rounded(.down))
        switch template {
        case .olap: workMem = min(max(perConn, 64), 8192)
        case .tiny: workMem = min(max(perConn, 16), 256)
        case .oltp, .crit: workMem = min(max(perConn, 64), 1024)
        }
        let fsBytes = Double(diskGB) * 1_073_741_824
        diskTwentieth = min(max(Int((fsBytes / 21_474_836_480).rounded(.up)), 1), 100)
        switch template {
        case .oltp, .crit:
            workerProcessesBase = max(cpu + 8, 16)
            parallelWorkers = max(Int((cpuD * 0.5).rounded(.up)), 2)
            parallelWorkersPerGather = template == .crit ? 0 : min(max(Int((cpuD * 0.2).rounded(.down)), 2), 8)
            parallelMaintenanceWorkers = max(Int((cpuD * 0.33).rounded(.up)), 2)
            ioWorkers = min(max(Int((cpuD * 0.25).rounded(.up)), 4), template == .crit ? 8 : 16)
        case .olap:
            workerProcessesBase = max(cpu + 12, 20)
            parallelWorkers = max(Int((cpuD * 0.8).rounded(.up)), 2)
            parallelWorkersPerGather = max(Int((cpuD * 0.5).rounded(.down)), 2)
            parallelMaintenanceWorkers = max(Int((cpuD * 0.33).rounded(.up)), 2)
            ioWorkers = min(max(Int((cpuD * 0.5).rounded(.up)), 4), 32)
        case .tiny:
            workerProcessesBase = max(cpu + 4, 12)
            parallelWorkers = max(Int((cpuD * 0.5).rounded(.down)), 1)
            parallelWorkersPerGather = 0
            parallelMaintenanceWorkers = max(Int((cpuD * 0.33).rounded(.down)), 1)
            ioWorkers = 3
        }
    }
}
