import Foundation

/// Wall time per stage, for `compile --timings` and the benchmark. Measuring is optional: stages
/// run the same with or without a clock.
public final class StageClock {
    public private(set) var laps: [(stage: String, seconds: Double)] = []

    public init() {}

    /// Runs `body` and records how long it took under `stage`.
    public func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { laps.append((stage, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)) }
        return try body()
    }

    /// One line per stage, `stage  12.3 ms`, and the total.
    public var report: String {
        let total = laps.reduce(0) { $0 + $1.seconds }
        let width = max(5, laps.map(\.stage.count).max() ?? 0)
        func line(_ name: String, _ s: Double) -> String {
            name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: " %9.1f ms", s * 1000)
        }
        return (laps.map { line($0.stage, $0.seconds) } + [line("total", total)]).joined(separator: "\n")
    }
}

extension StageClock {
    /// Runs `body`, under `clock` when there is one.
    public static func time<T>(_ clock: StageClock?, _ stage: String, _ body: () throws -> T) rethrows -> T {
        if let clock { return try clock.measure(stage, body) }
        return try body()
    }
}
