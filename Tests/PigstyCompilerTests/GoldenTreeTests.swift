import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// Golden trees: for each `golden/<case>/` with an `expected/` directory, compiling
/// `golden/<case>/pigsty.yml` (with `golden/<case>/facts.yml` when present) must produce exactly
/// that tree. Set PIGSTYC_UPDATE_GOLDEN=1 to rewrite on purpose; CI never sets it.
struct GoldenTreeTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var cases: [String] {
        let dir = root.appendingPathComponent("golden")
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter {
            FileManager.default.fileExists(atPath: dir.appendingPathComponent("\($0)/expected").path)
        }.sorted()
    }

    @Test func goldenTreesExist() { #expect(Self.cases.contains("bundled") && Self.cases.contains("cluster-trio")) }

    @Test(arguments: cases)
    func treeMatches(_ name: String) throws {
        let dir = Self.root.appendingPathComponent("golden/\(name)")
        let sink = DiagnosticSink()
        var facts = FactsTable()
        let factsURL = dir.appendingPathComponent("facts.yml")
        if let bytes = FileManager.default.contents(atPath: factsURL.path) {
            facts = try #require(FactsTable.parse(SourceFile(path: "facts.yml", bytes: [UInt8](bytes)), sink: sink))
        }
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("pigsty.yml")))
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", bytes: bytes), facts: facts, sink: sink),
                                "\(sink.diagnostics.map(\.message))")
        let writer = TreeWriter(tree: tree)
        let expected = dir.appendingPathComponent("expected")
        if ProcessInfo.processInfo.environment["PIGSTYC_UPDATE_GOLDEN"] == "1" {
            try writer.write(to: expected.path)
            // Golden trees are the node trees only.
            try? FileManager.default.removeItem(at: expected.appendingPathComponent(TreeWriter.markerName))
            return
        }
        let diffs = writer.differences(from: expected.path)
        #expect(diffs.isEmpty, "golden/\(name)/expected differs: \(diffs.prefix(10)); rerun with PIGSTYC_UPDATE_GOLDEN=1 if intended")
    }
}
