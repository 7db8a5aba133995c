import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import PigstyDiagnostics

private func at(_ file: String, _ line: Int, _ column: Int, _ endColumn: Int? = nil) -> SourceRange {
    SourceRange(file: file, start: SourcePosition(line: line, column: column),
                end: SourcePosition(line: line, column: endColumn ?? column))
}

/// A message with every character XML must escape, plus a control character XML cannot hold.
private let nasty = "bad <value> & \"quoted\" 'single'\u{1}"

private let sample: [Diagnostic] = [
    Diagnostic(id: "PGS0001", severity: .error, message: "no password file", range: nil),
    Diagnostic(id: "PGS0301", severity: .error, message: "unknown parameter 'pg_verison'",
               range: at("b.yml", 12, 5, 15), path: "all.children.pg-meta.vars.pg_verison",
               notes: [DiagnosticNote("declared here", at: at("b.yml", 3, 1)), DiagnosticNote("plain")],
               suggestion: "did you mean 'pg_version'?"),
    Diagnostic(id: "PGS0103", severity: .warning, message: nasty, range: at("b.yml", 20, 1)),
    Diagnostic(id: "PGS0900", severity: .note, message: "fyi", range: at("z.yml", 1, 1)),
]
private let sources = ["b.yml": SourceFile(path: "b.yml", text: String(repeating: "x: 1\n", count: 11) + "    pg_verison: 18\n")]

@Suite struct JSONRendererTests {
    @Test func roundTripsWithSortedKeysAndNoNulls() throws {
        let out = DiagnosticRenderer(format: .json, sources: sources).render(sample, inputs: ["b.yml"])
        #expect(out.hasSuffix("}\n"))
        #expect(!out.contains("null"))
        #expect(!out.contains("\r"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(out.utf8)) as? [String: Any])
        #expect(object.keys.sorted() == ["diagnostics", "summary"])
        let summary = try #require(object["summary"] as? [String: Int])
        #expect(summary == ["errors": 2, "warnings": 1])
        let list = try #require(object["diagnostics"] as? [[String: Any]])
        #expect(list.count == 4)
        #expect(list.map { $0["id"] as? String } == ["PGS0001", "PGS0301", "PGS0103", "PGS0900"])
        #expect(list[0].keys.sorted() == ["id", "message", "notes", "severity"])
        #expect(list[1].keys.sorted() == ["column", "endColumn", "endLine", "file", "id", "line", "message",
                                          "notes", "path", "severity", "suggestion"])
        #expect(list[1]["line"] as? Int == 12)
        #expect(list[1]["column"] as? Int == 5)
        #expect(list[1]["endColumn"] as? Int == 15)
        #expect(list[1]["path"] as? String == "all.children.pg-meta.vars.pg_verison")
        #expect(list[1]["suggestion"] as? String == "did you mean 'pg_version'?")
        let notes = try #require(list[1]["notes"] as? [[String: Any]])
        #expect(notes.count == 2)
        #expect(notes[0].keys.sorted() == ["column", "file", "line", "message"])
        #expect(notes[0]["line"] as? Int == 3)
        #expect(notes[1].keys.sorted() == ["message"])
        #expect(list[2]["message"] as? String == nasty)
        #expect(list[2]["severity"] as? String == "warning")
        #expect(list[3]["severity"] as? String == "note")
    }

    @Test func exactLayout() {
        let d = Diagnostic(id: "PGS0002", severity: .warning, message: "a/b", range: at("c.yml", 2, 3, 4))
        let out = DiagnosticRenderer(format: .json).render([d])
        #expect(out == """
            {
              "diagnostics" : [
                {
                  "column" : 3,
                  "endColumn" : 4,
                  "endLine" : 2,
                  "file" : "c.yml",
                  "id" : "PGS0002",
                  "line" : 2,
                  "message" : "a/b",
                  "notes" : [],
                  "severity" : "warning"
                }
              ],
              "summary" : {
                "errors" : 0,
                "warnings" : 1
              }
            }

            """)
        #expect(DiagnosticRenderer(format: .json).render([]) == """
            {
              "diagnostics" : [],
              "summary" : {
                "errors" : 0,
                "warnings" : 0
              }
            }

            """)
    }
}

@Suite struct XMLRendererTests {
    func parse(_ xml: String) throws -> XMLElement {
        let doc = try XMLDocument(xmlString: xml, options: [])
        return try #require(doc.rootElement())
    }

    func attributes(_ e: XMLElement) -> [String: String] {
        var out: [String: String] = [:]
        for a in e.attributes ?? [] { out[a.name!] = a.stringValue! }
        return out
    }

    @Test func junitStructureCountsAndEscaping() throws {
        let renderer = DiagnosticRenderer(format: .junit, sources: sources)
        let out = renderer.render(sample, inputs: ["b.yml", "a.yml"])
        #expect(out.hasPrefix("<?xml version=\"1.0\""))
        #expect(out.hasSuffix("</testsuites>\n"))
        #expect(out.contains("\n  <testsuite "))
        #expect(renderer.render(sample, inputs: ["b.yml", "a.yml"]) == out)

        let root = try parse(out)
        #expect(root.name == "testsuites")
        #expect(attributes(root) == ["name": "pigstyc", "tests": "5", "failures": "2", "errors": "0"])
        let suites = root.elements(forName: "testsuite")
        #expect(suites.count == 3)
        #expect(suites.map { attributes($0)["name"] } == ["pigstyc check", "pigstyc check", "pigstyc check"])
        #expect(suites.map { attributes($0)["tests"] } == ["1", "3", "1"])
        #expect(suites.map { attributes($0)["failures"] } == ["0", "2", "0"])

        // a.yml: no findings, one passing case.
        let passing = suites[0].elements(forName: "testcase")
        #expect(passing.map(attributes) == [["classname": "a.yml", "name": "check"]])
        #expect(passing[0].children == nil || passing[0].children!.isEmpty)

        // b.yml: the rangeless error (first input), the error with a snippet, the warning.
        let cases = suites[1].elements(forName: "testcase")
        #expect(cases.map { attributes($0)["name"] } == ["PGS0001", "PGS0301 12:5", "PGS0103 20:1"])
        #expect(cases.allSatisfy { attributes($0)["classname"] == "b.yml" })
        let failure = try #require(cases[1].elements(forName: "failure").first)
        #expect(attributes(failure) == ["type": "error", "message": "unknown parameter 'pg_verison'"])
        #expect(failure.stringValue == """
            b.yml:12:5: error[PGS0301]: unknown parameter 'pg_verison'
               |
            12 |     pg_verison: 18
               |     ^^^^^^^^^^
               = help: did you mean 'pg_version'?
               = note: b.yml:3:1: declared here
               = note: plain
            """)
        #expect(cases[2].elements(forName: "failure").isEmpty)
        let systemOut = try #require(cases[2].elements(forName: "system-out").first)
        #expect(systemOut.stringValue == "b.yml:20:1: warning[PGS0103]: bad <value> & \"quoted\" 'single'\u{FFFD}")

        // z.yml: a note is not a failure either.
        let note = suites[2].elements(forName: "testcase")
        #expect(note.map { attributes($0)["name"] } == ["PGS0900 1:1"])
        #expect(note[0].elements(forName: "system-out").count == 1)
    }

    @Test func junitEscapesAttributes() throws {
        let d = Diagnostic(id: "PGS0002", severity: .error, message: nasty, range: at("q&\"<'.yml", 1, 1))
        let out = DiagnosticRenderer(format: .junit).render([d], inputs: ["q&\"<'.yml"])
        #expect(out.contains("message=\"bad &lt;value&gt; &amp; &quot;quoted&quot; 'single'\u{FFFD}\""))
        let root = try parse(out)
        let testcase = try #require(root.elements(forName: "testsuite").first?.elements(forName: "testcase").first)
        #expect(attributes(testcase)["classname"] == "q&\"<'.yml")
        let failure = try #require(testcase.elements(forName: "failure").first)
        #expect(attributes(failure)["message"] == "bad <value> & \"quoted\" 'single'\u{FFFD}")
    }

    @Test func junitWithNoDiagnostics() {
        let out = DiagnosticRenderer(format: .junit).render([], inputs: ["pigsty.yml"])
        #expect(out == """
            <?xml version="1.0" encoding="utf-8" standalone="no"?>
            <testsuites name="pigstyc" tests="1" failures="0" errors="0">
              <testsuite name="pigstyc check" tests="1" failures="0" errors="0">
                <testcase classname="pigsty.yml" name="check"/>
              </testsuite>
            </testsuites>

            """)
    }

    @Test func checkstyleStructureAndEscaping() throws {
        let renderer = DiagnosticRenderer(format: .checkstyle, sources: sources)
        let out = renderer.render(sample, inputs: ["b.yml", "a.yml"])
        #expect(renderer.render(sample, inputs: ["b.yml", "a.yml"]) == out)
        let root = try parse(out)
        #expect(root.name == "checkstyle")
        #expect(attributes(root) == ["version": "4.3"])
        let files = root.elements(forName: "file")
        #expect(files.map { attributes($0)["name"] } == ["a.yml", "b.yml", "z.yml"])
        #expect(files[0].elements(forName: "error").isEmpty)
        let errors = files[1].elements(forName: "error").map(attributes)
        #expect(errors == [
            ["line": "0", "severity": "error", "message": "no password file", "source": "pigstyc.PGS0001"],
            ["line": "12", "column": "5", "severity": "error",
             "message": "unknown parameter 'pg_verison' (help: did you mean 'pg_version'?)",
             "source": "pigstyc.PGS0301"],
            ["line": "20", "column": "1", "severity": "warning",
             "message": "bad <value> & \"quoted\" 'single'\u{FFFD}", "source": "pigstyc.PGS0103"],
        ])
        #expect(files[2].elements(forName: "error").map(attributes) ==
                [["line": "1", "column": "1", "severity": "info", "message": "fyi", "source": "pigstyc.PGS0900"]])
    }

    @Test func checkstyleExactLayout() {
        let d = Diagnostic(id: "PGS0103", severity: .warning, message: "a<b & 'c'", range: at("b.yml", 3, 7))
        let out = DiagnosticRenderer(format: .checkstyle).render([d], inputs: ["c.yml", "b.yml"])
        #expect(out == """
            <?xml version="1.0" encoding="utf-8" standalone="no"?>
            <checkstyle version="4.3">
              <file name="b.yml">
                <error line="3" column="7" severity="warning" message="a&lt;b &amp; 'c'" source="pigstyc.PGS0103"/>
              </file>
              <file name="c.yml"/>
            </checkstyle>

            """)
    }
}

@Suite struct DiagnosticSinkTests {
    @Test func sortedOrdersByFileLineColumnIdMessageThenInsertion() {
        let sink = DiagnosticSink()
        sink.report(Diagnostic(id: "PGS0002", severity: .error, message: "b", range: at("b.yml", 1, 1)))
        sink.report(Diagnostic(id: "PGS0002", severity: .error, message: "a", range: at("a.yml", 10, 1)))
        sink.report(Diagnostic(id: "PGS0003", severity: .warning, message: "first", range: at("a.yml", 2, 5)))
        sink.report(Diagnostic(id: "PGS0001", severity: .error, message: "z", range: at("a.yml", 2, 5)))
        sink.report(Diagnostic(id: "PGS0009", severity: .error, message: "nowhere", range: nil))
        sink.report(Diagnostic(id: "PGS0001", severity: .error, message: "y", range: at("a.yml", 2, 5)))
        sink.report(Diagnostic(id: "PGS0004", severity: .error, message: "col", range: at("a.yml", 2, 3)))
        sink.report(Diagnostic(id: "PGS0008", severity: .warning, message: "nowhere too", range: nil))
        #expect(sink.sorted.map(\.message) == ["nowhere too", "nowhere", "col", "y", "z", "first", "a", "b"])
        // Rangeless ones first (by id), then file, line (10 after 2: numeric), column, id, message.
        #expect(sink.sorted.map(\.id) == ["PGS0008", "PGS0009", "PGS0004", "PGS0001", "PGS0001", "PGS0003", "PGS0002", "PGS0002"])
        #expect(sink.errorCount == 6)
        #expect(sink.warningCount == 2)
    }

    @Test func promotedToErrorTurnsListedWarningsIntoErrors() {
        let sink = DiagnosticSink()
        sink.promotedToError = [.duplicateKey]
        sink.report(.duplicateKey, "promoted", at: nil)
        sink.report(Diagnostic(id: "PGS0104", severity: .warning, message: "kept", range: nil))
        sink.report(.rootNotMapping, severity: .warning, "kept", at: nil)
        sink.report(Diagnostic(id: "PGS0103", severity: .note, message: "note stays", range: nil))
        #expect(sink.diagnostics.map(\.severity) == [.error, .warning, .warning, .note])
        #expect(sink.hasErrors)
        #expect(sink.diagnostics.first?.code == .duplicateKey)
        #expect(DiagnosticRenderer(format: .text).render(sink.sorted) ==
                "pigstyc: note[PGS0103]: note stays\npigstyc: error[PGS0103]: promoted\npigstyc: warning[PGS0104]: kept\npigstyc: warning[PGS0104]: kept\n1 error, 2 warnings\n")
    }

    @Test func everyFormatHasARenderer() {
        #expect(DiagnosticFormat.allCases.map(\.rawValue) == ["text", "json", "junit", "checkstyle"])
        for format in DiagnosticFormat.allCases {
            let out = DiagnosticRenderer(format: format).render([], inputs: ["x.yml"])
            #expect(out.hasSuffix("\n") && !out.hasSuffix("\n\n") && !out.contains("\r"), "\(format)")
        }
    }
}
