import Foundation
import Testing
import PigstyDiagnostics
import PigstyYAML
@testable import PigstyFormats

/// The project's YAML writer (`PYAML`): layout, comments, and scalar styles that read back as the
/// same string with the project's reader (`PigstyYAML`) and with PyYAML (what Ansible and Patroni use).
struct YAMLWriterTests {
    static let hostile: [String] = [
        "plain", "pa\"ss\\word", "\"", "\\", "'", "''", "it's", "a: b", "a:b", "trailing:", "x #y", "x#y", "#x",
        "-", "- x", "-x", "--", "---", "...", "*x", "&x", "!x", "%x", "@x", "`x", "|", ">", "?", "? x", ",x", "[x]",
        "{x}", "line\nbreak", "tab\there", "\r", "trailing ", " leading", "", "true", "yes", "No", "on", "off", "~",
        "null", "Null", "1", "-1", "0x1A", "0o17", "017", "1_000", "1e3", ".inf", "-.inf", ".nan", "1:20", "2001-12-14",
        "=", "<<", "héllo wörld", "日本語", "emoji 🐘", "nel\u{85}x", "ls\u{2028}ps\u{2029}", "bom\u{FEFF}", "c1\u{9B}x",
        "del\u{7F}", "bell\u{07}", "a \"b\" \\c\\", "https://10.10.10.10:2379", "/pg/pg-test/leader", "10.10.10.3",
    ]

    /// A mapping of `k<i>` to each string, in one style.
    static func document(_ strings: [String], _ style: (String) -> PYNode) -> String {
        PYAML.render(strings.enumerated().map { ("k\($0.offset)", style($0.element)) })
    }

    /// Reads `k<i>` back with the project's reader.
    static func readBack(_ text: String, count: Int) throws -> [String?] {
        let sink = DiagnosticSink()
        let root = try #require(YAML.parse(text, into: sink), "\(sink.diagnostics.map(\.message))\n\(text)")
        return (0..<count).map { i -> String? in
            guard let v = root["k\(i)"]?.value, case .string(let s) = v else { return nil }
            return s
        }
    }

    /// Reads `k<i>` back with PyYAML's safe loader; nil for a value that is not a string.
    static func pyRead(_ text: String, count: Int) throws -> [String?] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yamlwriter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("doc.yml")
        try text.write(to: file, atomically: false, encoding: .utf8)
        let script = """
        import json, sys, yaml
        d = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))
        n = int(sys.argv[2])
        out = [d.get('k%d' % i) if isinstance(d.get('k%d' % i), str) else None for i in range(n)]
        sys.stdout.write(json.dumps(out))
        """
        let r = try runTool("/usr/bin/unshare", ["-n", "/usr/bin/python3", "-c", script, file.path, String(count)])
        #expect(r.status == 0, "\(r.output)\n\(text)")
        let data = try #require(r.output.data(using: .utf8))
        return try JSONDecoder().decode([String?].self, from: data)
    }

    @Test func strRoundTripsHostileStrings() throws {
        let text = Self.document(Self.hostile) { .str($0) }
        #expect(try Self.readBack(text, count: Self.hostile.count) == Self.hostile.map { $0 })
        #expect(try Self.pyRead(text, count: Self.hostile.count) == Self.hostile.map { $0 })
    }

    @Test func quotedRoundTripsHostileStrings() throws {
        let text = Self.document(Self.hostile) { .quoted($0) }
        #expect(try Self.readBack(text, count: Self.hostile.count) == Self.hostile.map { $0 })
        #expect(try Self.pyRead(text, count: Self.hostile.count) == Self.hostile.map { $0 })
        // Every value is double-quoted.
        for line in text.split(separator: "\n") { #expect(line.contains(": \""), "\(line)") }
    }

    @Test func hostileStringsAsKeysAndListItems() throws {
        let pairs: [(String, PYNode)] = Self.hostile.filter { !$0.isEmpty && $0 != "<<" }.enumerated().map {
            ("k\($0.offset)", .map([($0.element, .list([.str($0.element), .quoted($0.element)]))]))
        }
        let text = PYAML.render(pairs)
        let sink = DiagnosticSink()
        let root = try #require(YAML.parse(text, into: sink), "\(sink.diagnostics.map(\.message))")
        for (i, s) in Self.hostile.filter({ !$0.isEmpty && $0 != "<<" }).enumerated() {
            let m = try #require(root["k\(i)"]?.mapping?.first, "k\(i)")
            #expect(m.key.value == .string(s), "key \(s)")
            let items = try #require(m.value.sequence)
            #expect(items.map(\.value) == [.string(s), .string(s)], "items \(s)")
        }
    }

    @Test func scalarStyles() {
        #expect(PYAML.scalar("plain") == "plain")
        #expect(PYAML.scalar("yes") == "'yes'")
        #expect(PYAML.scalar("it's: x") == "'it''s: x'")
        #expect(PYAML.scalar("a\tb") == #""a\tb""#)
        #expect(PYAML.scalar("ls\u{2028}") == #""ls\u2028""#)
        #expect(PYAML.scalar("=") == "'='")
        #expect(PYAML.doubleQuoted("pg-test") == #""pg-test""#)
        #expect(PYAML.doubleQuoted(#"pa"ss\word"#) == #""pa\"ss\\word""#)
        #expect(PYAML.doubleQuoted("nel\u{85}") == #""nel\x85""#)
        #expect(PYAML.doubleQuoted("é") == "\"é\"")
    }

    @Test func commentsBlankLinesAndDocumentMarkers() {
        let text = PYAML.document([
            .comment("first"),
            .pair("a", .raw("1")),
            .blank,
            .pair("b", .block([.comment("inner"), .pair("c", .quoted("x"))])),
            .pair("d", .list([.block([.pair("e", .str("f")), .comment("after"), .pair("g", .raw(""))])])),
            .pair("h", .raw("")),
            .pair("i", .block([])),
            .comment("two\nlines"),
        ], start: true, end: true)
        #expect(text == """
        ---
        # first
        a: 1

        b:
          # inner
          c: "x"
        d:
          - e: f
            # after
            g:
        h:
        i: {}
        # two
        # lines
        ...

        """)
        let sink = DiagnosticSink()
        #expect(YAML.parse(text, into: sink) != nil)
    }

    /// The tuple API Patroni uses is unchanged: same output as before for the same tree.
    @Test func pairsAPIUnchanged() {
        let text = PYAML.render([
            ("scope", .raw("pg-test")),
            ("empty", .map([])), ("none", .list([])),
            ("tags", .map([("nofailover", .raw("false")), ("name", .str("yes"))])),
            ("items", .list([.map([("a", .raw("1")), ("b", .str("x: y"))]), .list([.raw("1")]), .map([])])),
        ], indent: 2)
        #expect(text == """
          scope: pg-test
          empty: {}
          none: []
          tags:
            nofailover: false
            name: 'yes'
          items:
            - a: 1
              b: 'x: y'
            -
              - 1
            - {}

        """)
    }
}
