import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyInventory

/// The one catalogue of diagnostic ids (`DiagnosticCode`) against the code that reports them and
/// against docs/diagnostics.md.
struct DiagnosticCatalogTests {
    /// Ids are `PGS` and four digits, unique (the enum's raw values guarantee it; this also catches
    /// two cases differing only in spelling), with a non-empty one-line summary.
    @Test func catalogueIdsAreWellFormedAndUnique() {
        let ids = DiagnosticCode.allCases.map(\.rawValue)
        #expect(Set(ids).count == ids.count)
        for code in DiagnosticCode.allCases {
            #expect(code.rawValue.wholeMatch(of: #/PGS\d{4}/#) != nil, "malformed id \(code.rawValue)")
            #expect(!code.summary.isEmpty && !code.summary.contains("\n") && !code.summary.contains("|"),
                    "summary of \(code.rawValue)")
        }
        #expect(DiagnosticCode.fileConflict.stage == .compile)
        #expect(DiagnosticCode.unknownParameter.severity == .warning)
    }

    /// docs/diagnostics.md lists exactly the catalogue. `PIGSTYC_UPDATE_GOLDEN=1` rewrites the table.
    @Test func docsListExactlyTheCatalogue() throws {
        let url = packageRoot.appendingPathComponent("docs/diagnostics.md")
        var doc = try String(contentsOf: url, encoding: .utf8)
        if ProcessInfo.processInfo.environment["PIGSTYC_UPDATE_GOLDEN"] == "1",
           let start = doc.range(of: "<!-- catalogue -->\n"), let end = doc.range(of: "<!-- /catalogue -->") {
            doc.replaceSubrange(start.upperBound..<end.lowerBound, with: DiagnosticCode.markdownTable)
            try doc.write(to: url, atomically: true, encoding: .utf8)
        }
        #expect(doc.contains(DiagnosticCode.markdownTable), "docs/diagnostics.md does not hold the current catalogue table")
        let rows = Set(doc.matches(of: #/\| `(PGS\d{4})` \|/#).map { String($0.output.1) })
        #expect(rows == Set(DiagnosticCode.allCases.map(\.rawValue)))
    }

    /// Every id the sources can report is in the catalogue and in the docs: typed uses are checked
    /// by the compiler, so this scans for id literals (`"PGS…"`, including the back ends' own
    /// string constants) anywhere under Sources/.
    @Test func everyIdInTheSourcesIsCatalogued() throws {
        let catalogue = Set(DiagnosticCode.allCases.map(\.rawValue))
        let doc = try String(contentsOf: packageRoot.appendingPathComponent("docs/diagnostics.md"), encoding: .utf8)
        let sources = packageRoot.appendingPathComponent("Sources")
        var found: [String: String] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in text.matches(of: #/PGS\d{4}/#) { found[String(m.output), default: url.lastPathComponent] = url.lastPathComponent }
        }
        #expect(found["PGS0821"] != nil && found["PGS0104"] != nil, "the scan finds nothing")
        for (id, file) in found.sorted(by: { $0.key < $1.key }) {
            #expect(catalogue.contains(id), "\(id) (in \(file)) is not in DiagnosticCode")
            #expect(doc.contains("| `\(id)` |"), "\(id) (in \(file)) is not in docs/diagnostics.md")
        }
    }

    /// Outside the back ends, no id literal appears except in the catalogue: the typed cases and
    /// the transitional string constants derive from `DiagnosticCode`, so a literal elsewhere is a
    /// second definition (PGS0104 once had two). The back ends, still on the string shims, are
    /// checked by `everyIdInTheSourcesIsCatalogued` only.
    @Test func idsAreDefinedOnlyInTheCatalogue() throws {
        let sources = packageRoot.appendingPathComponent("Sources")
        var outside: [String: [String]] = [:]
        let files = FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)!
        for case let url as URL in files where url.pathExtension == "swift" && url.lastPathComponent != "DiagnosticCode.swift"
            && !url.path.contains("/Sources/PigstyBackends/") {
            let text = try String(contentsOf: url, encoding: .utf8)
            for m in text.matches(of: #/"(PGS\d{4})"/#) { outside[String(m.output.1), default: []].append(url.lastPathComponent) }
        }
        #expect(outside.isEmpty, "id literals outside DiagnosticCode: \(outside)")
    }
}
