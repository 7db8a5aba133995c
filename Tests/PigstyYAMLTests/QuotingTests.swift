import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyYAML

/// JSON strings as pigstyc writes them (manifests, reports): what JSONSerialization reads back.
struct QuotingTests {
    static let samples = ["", "plain/path.conf", "say \"hi\"", "back\\slash", "tab\there", "line\nbreak", "\u{1}",
                          "é and 🐘", "\u{2028}sep\u{2029}", "\u{7F}del", "–dash"]

    @Test func jsonReadsBackAsTheSameString() throws {
        for s in Self.samples {
            let text = Quoting.json(s)
            let back = try JSONSerialization.jsonObject(with: Data("[\(text)]".utf8)) as? [String]
            #expect(back == [s], "\(text)")
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" || $0 == "\u{2029}" })
        }
    }

    @Test func appendingGivesTheSameTextAsJSON() {
        for s in Self.samples {
            var out = "x"
            Quoting.appendJSON(s, to: &out)
            #expect(out == "x" + Quoting.json(s), "\(s)")
        }
    }

    @Test func singleQuotedScalarsReadBackAsTheSameString() throws {
        for s in ["", "on", "it's", "''", "a: b #c", "é 'q' 🐘", "%Y-%m-%d %H:%M:%S %z", "-x"] {
            let text = Quoting.yamlSingle(s)
            let sink = DiagnosticSink()
            let node = try #require(YAML.parse("k: \(text)\n", into: sink), "\(text)")
            #expect(node["k"]?.value == .string(s), "\(text)")
        }
        #expect(Quoting.yamlSingle("it's") == "'it''s'")
    }
}
