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

/// Mutated inventories that pass `check` must also compile without crashing, and everything a
/// compile rejects carries a diagnostic. Seeded, so failures reproduce.
struct CompileFuzzTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func mutatedInventoriesCompileOrAreRejected() throws {
        let corpus = ["pigsty.yml", "golden/cluster-trio/pigsty.yml", "golden/ok-minimal/pigsty.yml"].compactMap {
            try? String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(corpus.count == 3)
        let cases = Int(ProcessInfo.processInfo.environment["PIGSTYC_FUZZ_CASES"] ?? "") ?? 600
        var compiled = 0
        for seed in 0..<UInt64(cases) {
            let bytes = InventoryMutator.mutate(corpus[Int(seed % 3)], seed: seed &* 104_729 &+ 3)
            let sink = DiagnosticSink()
            let tree = Compiler.compile(SourceFile(path: "fuzz.yml", bytes: bytes), sink: sink)
            if let tree {
                compiled += 1
                #expect(tree.conflicts.isEmpty, "seed \(seed): conflicting files")
                // Every generated path stays absolute and inside its node's tree.
                for node in tree.nodeNames {
                    for f in tree.files(on: node) {
                        #expect(f.path.hasPrefix("/") && !f.path.split(separator: "/").contains(".."), "seed \(seed): \(f.path)")
                    }
                }
            } else {
                #expect(sink.hasErrors, "seed \(seed): compile failed without an error")
            }
        }
        // Some mutations leave a valid inventory: the back ends must have run on those.
        #expect(compiled > 0)
    }
}
