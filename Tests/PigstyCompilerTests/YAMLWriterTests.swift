import Foundation
import Testing
import PigstyDiagnostics
import PigstyYAML
@testable import PigstyFormats
@testable import PigstyBackends
@testable import PigstyModel

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

/// Flow collections, sequences with comments, pair layouts and whole documents.
struct YAMLWriterFlowTests {
    typealias W = YAMLWriterTests

    /// `k<i>: [ s, "s", 's', { s: s , x: s } ]` for every hostile string, padded or not.
    static func flowDocument(_ strings: [String]) -> String {
        PYAML.document(.block(strings.enumerated().map { i, s in
            .pair("k\(i)", .flowList([.str(s), .quoted(s), .single(s),
                                      .flowMap([PYFlowPair(s, .str(s), spaced: true), PYFlowPair("x", .single(s))], padded: i % 2 == 0),
                                      .flowList([.str(s)], padded: i % 2 == 1)], padded: i % 2 == 0))
        }), start: true, end: true)
    }

    /// The value each `k<i>` should read back as.
    static func expected(_ s: String) -> [Any] { [s, s, s, [s: s, "x": s], [s]] }

    @Test func flowCollectionsRoundTripHostileStringsThroughPigstyYAML() throws {
        let strings = W.hostile
        let text = Self.flowDocument(strings)
        let sink = DiagnosticSink()
        let root = try #require(YAML.parse(text, into: sink), "\(sink.diagnostics.map(\.message))\n\(text)")
        for (i, s) in strings.enumerated() {
            let items = try #require(root["k\(i)"]?.sequence, "k\(i)")
            #expect(items.count == 5)
            #expect(items.prefix(3).map(\.value) == [.string(s), .string(s), .string(s)], "\(s)")
            let m = try #require(items[3].mapping, "map \(s)")
            #expect(m.map(\.key.value) == [.string(s), .string("x")], "keys \(s)")
            #expect(m.map(\.value.value) == [.string(s), .string(s)], "values \(s)")
            #expect(items[4].sequence?.map(\.value) == [.string(s)], "inner \(s)")
        }
    }

    @Test func flowCollectionsRoundTripHostileStringsThroughPyYAML() throws {
        let strings = W.hostile
        let text = Self.flowDocument(strings)
        var want: [String: Any] = [:]
        for (i, s) in strings.enumerated() { want["k\(i)"] = Self.expected(s) }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("yamlflow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = dir.appendingPathComponent("doc.yml"), json = dir.appendingPathComponent("want.json")
        try text.write(to: doc, atomically: false, encoding: .utf8)
        try JSONSerialization.data(withJSONObject: want).write(to: json)
        let script = """
        import json, sys, yaml
        d = yaml.safe_load(open(sys.argv[1], encoding='utf-8'))
        w = json.load(open(sys.argv[2], encoding='utf-8'))
        bad = [k for k in w if d.get(k) != w[k]]
        sys.stdout.write(json.dumps([(k, d.get(k), w[k]) for k in bad]))
        """
        let r = try runTool("/usr/bin/unshare", ["-n", "/usr/bin/python3", "-c", script, doc.path, json.path])
        #expect(r.status == 0, "\(r.output)\n\(text)")
        #expect(r.output == "[]", "\(r.output)")
    }

    @Test func singleRoundTripsHostileStrings() throws {
        let text = W.document(W.hostile) { .single($0) }
        #expect(try W.readBack(text, count: W.hostile.count) == W.hostile.map { $0 })
        #expect(try W.pyRead(text, count: W.hostile.count) == W.hostile.map { $0 })
        #expect(PYAML.singleQuoted("plain") == "'plain'" && PYAML.singleQuoted("it's") == "'it''s'")
        #expect(PYAML.singleQuoted("a\nb") == #""a\nb""#)
    }

    @Test func flowScalarsQuoteFlowIndicators() {
        #expect(PYAML.flowScalar("10.10.10.10:9100") == "10.10.10.10:9100")
        #expect(PYAML.flowScalar("redis://10.10.10.10:6379") == "redis://10.10.10.10:6379")
        for s in ["a,b", "a]", "a[b", "{a", "a}"] { #expect(PYAML.flowScalar(s) == "'\(s)'", "\(s)") }
        #expect(PYAML.flowScalar("a,\tb") == #""a,\tb""#)
        #expect(PYAML.scalar("a,b") == "a,b")
    }

    @Test func flowLayouts() {
        let text = PYAML.render([
            .pair("a", .flowMap([PYFlowPair("ip", .str("1.2.3.4"), spaced: true), PYFlowPair("cls", .str("x,y")),
                                 PYFlowPair("n", .raw("1"))], padded: true)),
            .pair("b", .flowMap([PYFlowPair("module", .flowList([.str("icmp")], padded: false))], padded: false)),
            .pair("c", .flowList([], padded: true)),
            .pair("d", .flowMap([], padded: true)),
            .pair("e", .flowList([.quoted("q"), .single("s"), .map([("k", .str("v"))]), .list([.str("[")])], padded: true)),
        ])
        #expect(text == """
        a: { ip: 1.2.3.4 , cls: 'x,y', n: 1 }
        b: {module: [icmp]}
        c: []
        d: {}
        e: [ "q", 's', {k: v}, ['['] ]

        """)
    }

    @Test func sequencesWithCommentsAndStyledPairs() {
        let text = PYAML.document(.block([
            .pair("global", .block([.styled("interval", .str("10s"), .aligned(10)), .styled("timeout", .str("8s"), .aligned(10))])),
            .blank,
            .pair("jobs", .items([
                .blank,
                .comment("first\njob"),
                .node(.block([
                    .pair("name", .str("a")),
                    .styled("rules", .items([.node(.block([.pair("x", .str("y"))]))]), .comment("why\nnot", at: 20)),
                    .styled("scheme", .str("https"), .comment("tls", at: 20)),
                ])),
                .blank,
                .node(.items([.node(.str("n"))])),
                .node(.flowList([.str("f")], padded: true)),
            ])),
            .pair("empty", .items([.comment("none yet")])),
            .pair("spaced", .items([.blank, .node(.str("1.2.3.4:5"))])),
        ]), preamble: ["about\nthis"], start: true, end: true)
        #expect(text == """
        # about
        # this
        ---
        global:
          interval: 10s
          timeout:  8s

        jobs:

          # first
          # job
          - name: a
            rules:              # why not
              - x: y
            scheme: https       # tls

          -
            - n
          - [ f ]
        empty: []
          # none yet
        spaced:

          - 1.2.3.4:5
        ...

        """)
        let sink = DiagnosticSink()
        let root = YAML.parse(text, into: sink)
        #expect(root?["spaced"]?.sequence?.map(\.value) == [.string("1.2.3.4:5")])
        #expect(root?["jobs"]?.sequence?.count == 3)
    }

    @Test func documentRoots() {
        #expect(PYAML.document(.flowList([], padded: false), start: true) == "--- []\n")
        #expect(PYAML.document(.items([.comment("c"), .node(.block([.pair("a", .str("b"))]))])) == "# c\n- a: b\n")
        #expect(PYAML.document(.str("yes"), start: true, end: true) == "--- 'yes'\n...\n")
        #expect(PYAML.renderItems([.blank, .node(.block([.pair("a", .quoted("b")), .pair("c", .raw("1"))]))], indent: 2)
                == "\n  - a: \"b\"\n    c: 1\n")
    }
}

/// A raw (typed) value that would add structure is written as a quoted string instead.
struct YAMLRawSafetyTests {
    @Test func rawValuesCannotAddStructure() throws {
        // Normal typed values stay as they are.
        #expect(PYAML.render([("port", .raw("5432")), ("lag", .raw("-1")), ("flag", .raw("true")), ("dir", .raw("/pg/data"))])
                == "port: 5432\nlag: -1\nflag: true\ndir: /pg/data\n")
        let hostile = ["replicator\n      password: attacker", "Xk9 #q2", "a: b", "[x]", "{k: v}", "*alias", "&anchor x",
                       "!tag x", "| block", "> folded", "%x", "@x", "`x", "x:", "x ", "- item", "-", "#c", "a\r\nb: c", "\u{85}x",
                       "a\u{2028}b"]
        for h in hostile {
            let text = PYAML.render([("username", .raw(h)), ("next", .raw("1"))])
            let parsed = try #require(YAML.parse(text, into: DiagnosticSink()), "\(h.debugDescription): \(text)")
            #expect(parsed.mapping?.count == 2, "\(h.debugDescription) added keys: \(text)")
            #expect(parsed["username"]?.value == .string(h), "\(h.debugDescription) reads back as \(String(describing: parsed["username"]?.value))")
        }
    }

    /// Patroni's replication user with a line break cannot add a password key.
    @Test func patroniUserCannotInjectKeys() throws {
        let inventory = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-meta }
          vars:
            admin_ip: 10.10.10.10
            pg_replication_username: "replicator\\n      password: attacker"
            pg_dbsu_password: "Xk9 #q2"
        """
        let e = try emit(inventory, [PatroniBackend()], checked: false)
        let file = try #require(e.tree.file("/pg/conf/pg-meta-1.yml", on: "10.10.10.10"))
        let body = String(file.content.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("---") }
            .joined(separator: "\n"))
        let doc = try #require(YAML.parse(body, into: DiagnosticSink()))
        let auth = try #require(doc["postgresql"]?["authentication"])
        #expect(auth["replication"]?["username"]?.value == .string("replicator\n      password: attacker"))
        #expect(auth["replication"]?["password"]?.value != .string("attacker"))
        #expect(auth["superuser"]?["password"]?.value == .string("Xk9 #q2"))
    }
}
