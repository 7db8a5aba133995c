import Testing
@testable import PigstyDiagnostics

private func range(_ file: String, _ line: Int, _ column: Int, _ endLine: Int? = nil, _ endColumn: Int? = nil) -> SourceRange {
    SourceRange(file: file, start: SourcePosition(line: line, column: column),
                end: SourcePosition(line: endLine ?? line, column: endColumn ?? column))
}

private func source(_ path: String, lines: [String]) -> [String: SourceFile] {
    [path: SourceFile(path: path, text: lines.joined(separator: "\n") + "\n")]
}

@Suite struct TextRendererTests {
    /// pigsty.yml with line 12 = "    pg_verison: 18" and line 3 = "all:".
    let sources: [String: SourceFile] = {
        var lines = (1...14).map { "# line \($0)" }
        lines[2] = "all:"
        lines[11] = "    pg_verison: 18"
        return source("pigsty.yml", lines: lines)
    }()

    @Test func fullExampleWithGutterCaretHelpNoteAndSummary() {
        let diagnostics = [
            Diagnostic(id: "PGS0301", severity: .error, message: "unknown parameter 'pg_verison'",
                       range: range("pigsty.yml", 12, 5, 12, 15),
                       notes: [DiagnosticNote("defined at group 'pg-meta'"),
                               DiagnosticNote("group declared here", at: range("pigsty.yml", 3, 1))],
                       suggestion: "did you mean 'pg_version'?"),
            Diagnostic(id: "PGS0103", severity: .warning, message: "deprecated key", range: range("pigsty.yml", 3, 1, 3, 4)),
            Diagnostic(id: "PGS0001", severity: .error, message: "no inventory given", range: nil),
        ]
        let out = DiagnosticRenderer(format: .text, sources: sources).render(diagnostics, inputs: ["pigsty.yml"])
        #expect(out == """
            pigsty.yml:12:5: error[PGS0301]: unknown parameter 'pg_verison'
               |
            12 |     pg_verison: 18
               |     ^^^^^^^^^^
               = help: did you mean 'pg_version'?
               = note: defined at group 'pg-meta'
               = note: pigsty.yml:3:1: group declared here
            pigsty.yml:3:1: warning[PGS0103]: deprecated key
              |
            3 | all:
              | ^^^
            pigstyc: error[PGS0001]: no inventory given
            2 errors, 1 warning

            """)
    }

    @Test func summaryPluralization() {
        #expect(DiagnosticRenderer.summary(errors: 1, warnings: 0) == "1 error, 0 warnings")
        #expect(DiagnosticRenderer.summary(errors: 0, warnings: 1) == "0 errors, 1 warning")
        #expect(DiagnosticRenderer.summary(errors: 3, warnings: 2) == "3 errors, 2 warnings")
        #expect(DiagnosticRenderer.summary(errors: 0, warnings: 0) == "no problems found")
        #expect(DiagnosticRenderer(format: .text).render([], inputs: []) == "no problems found\n")
        let one = Diagnostic(id: "PGS0002", severity: .error, message: "m", range: nil)
        #expect(DiagnosticRenderer(format: .text).render([one]) == "pigstyc: error[PGS0002]: m\n1 error, 0 warnings\n")
    }

    @Test func zeroWidthRangeGetsOneCaret() {
        let d = Diagnostic(id: "PGS0100", severity: .error, message: "x", range: range("pigsty.yml", 3, 2))
        #expect(DiagnosticRenderer(format: .text, sources: sources).renderText(d) == """
            pigsty.yml:3:2: error[PGS0100]: x
              |
            3 | all:
              |  ^
            """)
    }

    @Test func tabsExpandToSingleSpaces() {
        let src = source("t.yml", lines: ["\tkey:\t\tvalue"])
        // "value" starts at scalar column 8: \t k e y : \t \t v
        let d = Diagnostic(id: "PGS0200", severity: .warning, message: "tab", range: range("t.yml", 1, 8, 1, 13))
        #expect(DiagnosticRenderer(format: .text, sources: src).renderText(d) == """
            t.yml:1:8: warning[PGS0200]: tab
              |
            1 |  key:  value
              |        ^^^^^
            """)
    }

    @Test func columnsCountUnicodeScalars() {
        let src = source("u.yml", lines: ["name: 数据库 x"])
        let d = Diagnostic(id: "PGS0201", severity: .error, message: "bad", range: range("u.yml", 1, 10, 1, 11))
        #expect(DiagnosticRenderer(format: .text, sources: src).renderText(d).hasSuffix("""
            1 | name: 数据库 x
              |          ^
            """))
    }

    @Test func multiLineRangeUnderlinesToEndOfFirstLine() {
        let src = source("m.yml", lines: ["a: 1", "vars: {", "  b: 2 }"])
        let d = Diagnostic(id: "PGS0300", severity: .error, message: "bad map", range: range("m.yml", 2, 7, 3, 9))
        #expect(DiagnosticRenderer(format: .text, sources: src).renderText(d) == """
            m.yml:2:7: error[PGS0300]: bad map
              |
            2 | vars: {
              |       ^
            """)
        let d2 = Diagnostic(id: "PGS0300", severity: .error, message: "bad map", range: range("m.yml", 2, 1, 3, 9))
        #expect(DiagnosticRenderer(format: .text, sources: src).renderText(d2).hasSuffix("2 | vars: {\n  | ^^^^^^^"))
    }

    @Test func rangePastEndOfLineIsClampedAndEmptyLineHasNoTrailingSpace() {
        let src = source("e.yml", lines: ["ab", ""])
        let d = Diagnostic(id: "PGS0400", severity: .error, message: "eol", range: range("e.yml", 1, 3, 1, 9))
        #expect(DiagnosticRenderer(format: .text, sources: src).renderText(d).hasSuffix("1 | ab\n  |   ^"))
        let e = Diagnostic(id: "PGS0400", severity: .error, message: "empty", range: range("e.yml", 2, 1))
        #expect(DiagnosticRenderer(format: .text, sources: src).renderText(e) == "e.yml:2:1: error[PGS0400]: empty\n  |\n2 |\n  | ^")
    }

    @Test func missingSourceOrLineSkipsSnippet() {
        let d = Diagnostic(id: "PGS0500", severity: .error, message: "gone", range: range("other.yml", 7, 3),
                           suggestion: "fix it")
        #expect(DiagnosticRenderer(format: .text, sources: sources).renderText(d) == """
            other.yml:7:3: error[PGS0500]: gone
              = help: fix it
            """)
        let far = Diagnostic(id: "PGS0501", severity: .warning, message: "far", range: range("pigsty.yml", 120, 1))
        #expect(DiagnosticRenderer(format: .text, sources: sources).renderText(far) == "pigsty.yml:120:1: warning[PGS0501]: far")
        let none = Diagnostic(id: "PGS0502", severity: .note, message: "n", range: nil,
                              notes: [DiagnosticNote("see", at: range("x.yml", 1, 2))])
        #expect(DiagnosticRenderer(format: .text).renderText(none) == "pigstyc: note[PGS0502]: n\n  = note: x.yml:1:2: see")
    }

    @Test func controlCharactersAreNotPrintedRaw() {
        let src = source("c.yml", lines: ["a: \u{1B}[31mred"])
        let d = Diagnostic(id: "PGS0600", severity: .error, message: "ctl", range: range("c.yml", 1, 4))
        #expect(DiagnosticRenderer(format: .text, sources: src).renderText(d).hasSuffix("1 | a: \u{FFFD}[31mred\n  |    ^"))
    }

    @Test func longLinesAreCutAroundTheCaret() {
        let line = String(repeating: "a", count: 150) + "TARGET" + String(repeating: "b", count: 150)
        let src = source("l.yml", lines: [line])
        let d = Diagnostic(id: "PGS0700", severity: .error, message: "long", range: range("l.yml", 1, 151, 1, 157))
        let out = DiagnosticRenderer(format: .text, sources: src).renderText(d)
        let expectedQuote = "…" + String(repeating: "a", count: 40) + "TARGET" + String(repeating: "b", count: 74) + "…"
        #expect(out == "l.yml:1:151: error[PGS0700]: long\n  |\n1 | \(expectedQuote)\n  | \(String(repeating: " ", count: 41))^^^^^^")

        // Caret near the end: the window ends at the end of the line, no trailing ellipsis.
        let end = Diagnostic(id: "PGS0701", severity: .error, message: "end", range: range("l.yml", 1, 306))
        let endOut = DiagnosticRenderer(format: .text, sources: src).renderText(end)
        #expect(endOut == "l.yml:1:306: error[PGS0701]: end\n  |\n1 | …\(String(repeating: "b", count: 120))\n  | \(String(repeating: " ", count: 120))^")

        // Caret at the start: no leading ellipsis.
        let begin = Diagnostic(id: "PGS0702", severity: .error, message: "begin", range: range("l.yml", 1, 1, 2, 1))
        let beginOut = DiagnosticRenderer(format: .text, sources: src).renderText(begin)
        #expect(beginOut == "l.yml:1:1: error[PGS0702]: begin\n  |\n1 | \(String(repeating: "a", count: 120))…\n  | \(String(repeating: "^", count: 120))")
    }

    @Test func outputOrderIsTheGivenOrder() {
        let a = Diagnostic(id: "PGS0002", severity: .warning, message: "b", range: nil)
        let b = Diagnostic(id: "PGS0001", severity: .error, message: "a", range: nil)
        #expect(DiagnosticRenderer(format: .text).render([a, b]) ==
                "pigstyc: warning[PGS0002]: b\npigstyc: error[PGS0001]: a\n1 error, 1 warning\n")
    }
}
