import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory

/// Golden cases: `golden/<case>/pigsty.yml` with `golden/<case>/expected.diagnostics`, the text
/// rendering of `pigstyc check` (options from `golden/<case>/args`, e.g. `--strict`).
/// Set PIGSTYC_UPDATE_GOLDEN=1 to rewrite expectations deliberately; CI never sets it.
struct GoldenDiagnosticsTests {
    static var cases: [String] {
        let dir = packageRoot.appendingPathComponent("golden")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent($0).appendingPathComponent("pigsty.yml").path)
        }.sorted()
    }

    static func render(_ name: String) throws -> (String, Bool) {
        let dir = packageRoot.appendingPathComponent("golden").appendingPathComponent(name)
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("pigsty.yml")))
        let args = (try? String(contentsOf: dir.appendingPathComponent("args"), encoding: .utf8)) ?? ""
        let sink = DiagnosticSink()
        Frontend.check(SourceFile(path: "pigsty.yml", bytes: bytes), sink: sink,
                       options: CheckOptions(strict: args.contains("--strict")))
        let text = DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: ["pigsty.yml"])
        return (text, sink.hasErrors)
    }

    @Test func thereAreGoldenCases() {
        #expect(Self.cases.count >= 10)
    }

    @Test(arguments: cases)
    func diagnosticsMatch(_ name: String) throws {
        let dir = packageRoot.appendingPathComponent("golden").appendingPathComponent(name)
        let expectedURL = dir.appendingPathComponent("expected.diagnostics")
        let (actual, _) = try Self.render(name)
        if ProcessInfo.processInfo.environment["PIGSTYC_UPDATE_GOLDEN"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(actual == expected, "golden/\(name)/expected.diagnostics differs; rerun with PIGSTYC_UPDATE_GOLDEN=1 if the change is intended")
    }

    /// Every inventory diagnostic id has at least one golden case that produces it.
    @Test func everyRuleHasAGoldenCase() throws {
        var seen = Set<String>()
        for name in Self.cases {
            let text = try String(contentsOf: packageRoot.appendingPathComponent("golden/\(name)/expected.diagnostics"), encoding: .utf8)
            for m in text.split(separator: "\n") {
                if let r = m.range(of: "[PGS"), let end = m[r.upperBound...].firstIndex(of: "]") {
                    seen.insert("PGS" + m[r.upperBound..<end])
                }
            }
        }
        // PGS0109, the 64 MiB file-size limit: see YAMLLimitsTests. PGS0314 needs a password
        // (VaultTests). PGS0213 needs rows in PostgreSQL (CMDBTests).
        let unitTestedOnly: Set<DiagnosticCode> = [.fileTooLarge, .vaultDecrypt, .cmdbBadRow]
        let missing = DiagnosticCode.allCases.filter { $0.stage == .check && !unitTestedOnly.contains($0) }
            .map(\.rawValue).filter { !seen.contains($0) }
        #expect(missing.isEmpty, "no golden case produces \(missing)")
    }
}
