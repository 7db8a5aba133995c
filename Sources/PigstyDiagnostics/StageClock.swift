import Foundation

/// Wall time per stage, for `compile --timings` and the benchmark. Measuring is optional: stages
/// run the same with or without a clock.
public final class StageClock: @unchecked Sendable {
    private let lock = NSLock()
    public private(set) var laps: [(stage: String, seconds: Double)] = []
    /// Parts of a stage that ran side by side (e.g. each back end within `emit`), reported under
    /// the stage and not added to the total.
    public private(set) var parts: [(stage: String, part: String, seconds: Double)] = []

    public init() {}

    /// Runs `body` and records how long it took under `stage`.
    public func measure<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
        let start = Self.now
        defer { laps.append((stage, Self.now - start)) }
        return try body()
    }

    /// Records a part of `stage` measured elsewhere (from any thread).
    public func record(_ part: String, of stage: String, seconds: Double) {
        lock.lock()
        defer { lock.unlock() }
        parts.append((stage, part, seconds))
    }

    /// One line per stage, `stage  12.3 ms`, its parts indented below it, and the total.
    public var report: String {
        let total = laps.reduce(0) { $0 + $1.seconds }
        let width = max(5, laps.map(\.stage.count).max() ?? 0, (parts.map(\.part.count).max() ?? 0) + 2)
        func line(_ name: String, _ s: Double) -> String {
            name.padding(toLength: width, withPad: " ", startingAt: 0) + String(format: " %9.1f ms", s * 1000)
        }
        var lines: [String] = []
        for lap in laps {
            lines.append(line(lap.stage, lap.seconds))
            lines += parts.filter { $0.stage == lap.stage }.map { line("  " + $0.part, $0.seconds) }
        }
        return (lines + [line("total", total)]).joined(separator: "\n")
    }

    /// Now, in seconds on a monotonic clock.
    public static var now: Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
}

extension StageClock {
    /// Runs `body`, under `clock` when there is one.
    public static func time<T>(_ clock: StageClock?, _ stage: String, _ body: () throws -> T) rethrows -> T {
        if let clock { return try clock.measure(stage, body) }
        return try body()
    }
}
