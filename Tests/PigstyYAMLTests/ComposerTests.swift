import Testing
import PigstyDiagnostics
@testable import PigstyYAML

struct ComposerTests {
    func parse(_ text: String) -> (YAMLNode?, DiagnosticSink) {
        let sink = DiagnosticSink()
        return (YAML.parse(text, path: "inv.yml", into: sink), sink)
    }

    @Test func positionsOnKeysAndValues() throws {
        let (root, sink) = parse("all:\n  vars:\n    pg_version: 18\n")
        let r = try #require(root)
        let vars = try #require(r["all"]?["vars"])
        let pair = try #require(vars.pair("pg_version"))
        #expect(pair.key.range.start == SourcePosition(line: 3, column: 5, offset: 17))
        #expect(pair.value.range.start.line == 3)
        #expect(pair.value.range.start.column == 17)
        #expect(pair.value.range.file == "inv.yml")
        #expect(sink.diagnostics.isEmpty)
    }

    /// PyYAML and Ansible accept a UTF-8 byte order mark before the document; positions of what
    /// follows keep their lines and columns, and offsets still index the file's bytes.
    @Test func leadingByteOrderMarkIsAccepted() throws {
        for text in ["---\nall:\n  vars:\n    pg_version: 18\n", "all:\n  vars:\n    pg_version: 18\n"] {
            let sink = DiagnosticSink()
            let file = SourceFile(path: "inv.yml", bytes: [0xEF, 0xBB, 0xBF] + Array(text.utf8))
            let root = try #require(YAML.parse(file, into: sink), "\(sink.diagnostics.map(\.message))")
            #expect(sink.diagnostics.isEmpty)
            let pair = try #require(root["all"]?["vars"]?.pair("pg_version"))
            let line = text.hasPrefix("---") ? 4 : 3
            #expect(pair.key.range.start.line == line)
            #expect(pair.key.range.start.column == 5)
            let offset = pair.key.range.start.offset
            #expect(Array(file.bytes[offset..<offset + 10]) == Array("pg_version".utf8))
        }
        // A syntax error after a BOM is still reported at its own line and column.
        let sink = DiagnosticSink()
        let bad = SourceFile(path: "inv.yml", bytes: [0xEF, 0xBB, 0xBF] + Array("a: 1\n\tb: 2\n".utf8))
        #expect(YAML.parse(bad, into: sink) == nil)
        #expect(sink.diagnostics.first?.id == "PGS0102")  // the tab is found at the shifted offset
        #expect(sink.diagnostics.first?.range?.start.line == 2)
        #expect(sink.diagnostics.first?.range?.start.column == 1)
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let text = """
        base: &b { a: 1, b: 2 }
        other: &o { b: 20, c: 30 }
        one: { <<: *b, b: 3 }
        many: { <<: [*b, *o], d: 4 }
        list: [*b, *b]

        """
        let (root, sink) = parse(text)
        let r = try #require(root)
        let one = try #require(r["one"]?.mapping)
        #expect(one.map { $0.key.keyName } == ["a", "b"])
        #expect(r["one"]?["b"]?.int == 3)
        let many = try #require(r["many"])
        #expect(many["a"]?.int == 1)
        #expect(many["b"]?.int == 2) // the earlier merge source wins
        #expect(many["c"]?.int == 30)
        #expect(many["d"]?.int == 4)
        #expect(r["list"]?.sequence?.count == 2)
        #expect(sink.diagnostics.isEmpty)
    }

    @Test func duplicateKeyWarnsAndLastWins() throws {
        let (root, sink) = parse("a: 1\nb: 2\na: 3\n")
        #expect(root?["a"]?.int == 3)
        #expect(root?.mapping?.map { $0.key.keyName } == ["a", "b"])
        #expect(sink.diagnostics.count == 1)
        let d = try #require(sink.diagnostics.first)
        #expect(d.id == "PGS0103")
        #expect(d.severity == .warning)
        #expect(d.range?.start.line == 3)
        #expect(d.notes.first?.range?.start.line == 1)
    }

    @Test func syntaxErrorAtItsLine() throws {
        let (root, sink) = parse("all:\n  vars:\n    a: [1, 2\n    b: 3\n")
        #expect(root == nil)
        let d = try #require(sink.diagnostics.first)
        #expect(d.id == "PGS0101")
        #expect(d.severity == .error)
        #expect(d.range?.start.line == 4)
    }

    @Test func tabIndentation() throws {
        let (root, sink) = parse("all:\n\tvars: {}\n")
        #expect(root == nil)
        let d = try #require(sink.diagnostics.first)
        #expect(d.id == "PGS0102")
        #expect(d.range?.start.line == 2)
        #expect(d.range?.start.column == 1)
    }

    @Test func undefinedAlias() throws {
        let (root, sink) = parse("a: *nope\n")
        #expect(root == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0106"])
        #expect(sink.diagnostics.first?.range?.start == SourcePosition(line: 1, column: 4, offset: 3))
    }

    @Test func aliasBombIsRejected() throws {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...9 {
            let prev = "*a\(i - 1)"
            text += "a\(i): &a\(i) [\(Array(repeating: prev, count: 10).joined(separator: ", "))]\n"
        }
        let (root, sink) = parse(text)
        #expect(root == nil)
        #expect(sink.diagnostics.contains { $0.id == "PGS0107" })
    }

    @Test func deepNestingIsRejected() {
        let text = String(repeating: "[", count: 500) + String(repeating: "]", count: 500) + "\n"
        let (root, sink) = parse(text)
        #expect(root == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0108"])
    }

    @Test func emptyAndMultiDocument() {
        let (r1, s1) = parse("")
        #expect(r1 == nil)
        #expect(s1.diagnostics.map(\.id) == ["PGS0105"])
        let (r2, s2) = parse("a: 1\n---\nb: 2\n")
        #expect(r2 == nil)
        #expect(s2.diagnostics.map(\.id) == ["PGS0110"])
        #expect(s2.diagnostics.first?.range?.start.line == 2)
    }

    @Test func invalidUTF8() {
        let sink = DiagnosticSink()
        let file = SourceFile(path: "x.yml", bytes: Array("a: b\nc: ".utf8) + [0xFF, 0xFE, 0x0A])
        #expect(YAML.parse(file, into: sink) == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0112"])
        #expect(sink.diagnostics.first?.range?.start.line == 2)
    }

    @Test func badMergeValue() {
        let (root, sink) = parse("a: { <<: 3 }\n")
        #expect(root == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0111"])
    }
}

struct YAMLLimitsTests {
    @Test func fileSizeLimit() {
        let sink = DiagnosticSink()
        let file = SourceFile(path: "big.yml", text: "a: " + String(repeating: "x", count: 200) + "\n")
        #expect(YAML.parse(file, limits: YAMLLimits(maxBytes: 100), into: sink) == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0109"])
        #expect(sink.diagnostics.first?.range?.start == SourcePosition(line: 1, column: 1))
    }

    @Test func customDepthLimit() {
        let sink = DiagnosticSink()
        #expect(YAML.parse(SourceFile(path: "d.yml", text: "a: [[[1]]]\n"), limits: YAMLLimits(maxDepth: 3), into: sink) == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0108"])
        #expect(sink.diagnostics.first?.range?.start.column == 6)
    }
}
