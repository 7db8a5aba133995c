import PigstyTestSupport
import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory

/// A fixed-seed mutation fuzz run: random edits of the bundled and golden inventories must never
/// crash or hang the front end, and every error must carry a position. Longer runs:
/// `PIGSTYC_FUZZ_CASES=100000 swift test -c release --filter FuzzTests`.
struct FuzzTests {
    static var corpus: [String] {
        var files = ["pigsty.yml"]
        let golden = packageRoot.appendingPathComponent("golden")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: golden.path)) ?? []).sorted() {
            files.append("golden/\(name)/pigsty.yml")
        }
        return files.compactMap { try? String(contentsOf: packageRoot.appendingPathComponent($0), encoding: .utf8) }
            .filter { !$0.isEmpty }
    }

    @Test func mutatedInventoriesAlwaysGetPositionedDiagnostics() {
        let corpus = Self.corpus
        #expect(corpus.count >= 10)
        let cases = Int(ProcessInfo.processInfo.environment["PIGSTYC_FUZZ_CASES"] ?? "") ?? 2000
        var rejected = 0
        for seed in 0..<UInt64(cases) {
            let base = corpus[Int(seed % UInt64(corpus.count))]
            let bytes = InventoryMutator.mutate(base, seed: seed &* 7919 &+ 17)
            let sink = DiagnosticSink()
            Frontend.check(SourceFile(path: "fuzz.yml", bytes: bytes), sink: sink)
            if sink.hasErrors { rejected += 1 }
            for d in sink.diagnostics where d.severity == .error {
                guard let r = d.range else {
                    Issue.record("seed \(seed): \(d.id) without a position: \(d.message)")
                    continue
                }
                #expect(r.start.line >= 1 && r.start.column >= 1, "seed \(seed): \(d.id) at \(r.start)")
            }
            // Rendering must not fail either (snippets of odd lines, control characters).
            _ = DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: ["fuzz.yml"])
        }
        // The mutations are meant to break things: most cases must be rejected.
        #expect(rejected > cases / 3, "only \(rejected) of \(cases) mutated inventories were rejected")
    }

    @Test func mutationsAreDeterministic() {
        let a = InventoryMutator.mutate("all:\n  vars:\n    a: 1\n    b: 2\n", seed: 42)
        let b = InventoryMutator.mutate("all:\n  vars:\n    a: 1\n    b: 2\n", seed: 42)
        #expect(a == b)
    }
}
