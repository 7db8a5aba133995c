import Foundation
import Testing
import PigstySchema
@testable import PigstyModel
@testable import PigstyDeploy

/// The stages keep to their layers: lowering is the only code that reads parameters (and every
/// name it reads is a schema parameter), back ends only render the typed graph.
struct LayeringTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func sources(_ dir: String) throws -> [(name: String, text: String)] {
        let base = root.appendingPathComponent(dir)
        let paths = try #require(FileManager.default.enumerator(atPath: base.path)).compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") }.sorted()
        return try paths.map { ($0, try String(contentsOf: base.appendingPathComponent($0), encoding: .utf8)) }
    }

    static func matches(_ pattern: String, in text: String) -> [String] {
        let re = try! NSRegularExpression(pattern: pattern)
        return re.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap { m in
            Range(m.range(at: m.numberOfRanges > 1 ? 1 : 0), in: text).map { String(text[$0]) }
        }
    }

    /// What a back end may not do: import the inventory, touch resolved hosts or groups, apply
    /// Ansible's value rules, or read a parameter by name.
    static let forbidden: [(what: String, pattern: String)] = [
        ("imports PigstyInventory", #"(?m)^\s*(?:@testable\s+)?import\s+PigstyInventory\b"#),
        ("imports PigstySchema", #"(?m)^\s*import\s+PigstySchema\b"#),
        ("uses ResolvedHost", #"\bResolvedHost\b"#),
        ("reads the resolved inventory", #"\.resolved\b"#),
        ("reads a resolved host", #"\b(?:node|ins|instance|member|m|n)\.host\b"#),
        ("reads inventory groups", #"nodes\(inGroup:"#),
        ("applies Ansible value rules", #"\bJinja\."#),
        ("reads a parameter by name", #"\w\??\.(?:value|string|int|bool|binding|chain)\("[a-z_][a-z0-9_]*"\)"#),
    ]

    @Test func backEndsOnlyRenderTheTypedGraph() throws {
        let files = try Self.sources("Sources/PigstyBackends")
        #expect(files.count >= 13)
        for (name, text) in files {
            for rule in Self.forbidden {
                let found = Self.matches(rule.pattern, in: text)
                #expect(found.isEmpty, "Sources/PigstyBackends/\(name) \(rule.what): \(found)")
            }
        }
    }

    /// The scan itself finds what it forbids (a test that cannot fail is a defect).
    @Test func theScanRecognisesForbiddenCode() {
        let bad = """
        import PigstyInventory
        let p = node.host.string("pg_port")
        let x = Jinja.bool(v)
        for n in graph.nodes(inGroup: "etcd") { _ = graph.resolved }
        """
        let hits = Self.forbidden.filter { !Self.matches($0.pattern, in: bad).isEmpty }.map(\.what)
        #expect(hits == ["imports PigstyInventory", "reads the resolved inventory", "reads a resolved host",
                         "reads inventory groups", "applies Ansible value rules", "reads a parameter by name"])
    }

    /// Ways the lowering reads a host variable: `h.value("x")`-style accessors, local shorthands
    /// (`v("x")`, `s("x")`, `p("x")`) and helpers taking the host first (`text(h, "x")`).
    static let reads = [
        #"\b\w+\??\.(?:value|string|int|bool|binding|chain)\("([a-z_][a-z0-9_]*)"\)"#,
        #"(?<![\w.])(?:v|s|p|param)\("([a-z_][a-z0-9_]*)"\)"#,
        #"\w+\(\s*(?:h|host|m|other)\s*,\s*"([a-z_][a-z0-9_]*)""#,
    ]

    @Test func everyParameterTheLoweringReadsIsInTheSchema() throws {
        let schema = Schema.pigsty
        var read = Set<String>()
        for (_, text) in try Self.sources("Sources/PigstyModel") {
            for pattern in Self.reads { read.formUnion(Self.matches(pattern, in: text)) }
        }
        #expect(read.count > 150, "the scan found only \(read.count) names")
        // Ansible's own connection variables are not Pigsty parameters.
        let unknown = read.filter { schema.parameter($0) == nil && !$0.hasPrefix("ansible_") }.sorted()
        #expect(unknown.isEmpty, "read by lowering but not in schema/*.yml: \(unknown)")
        #expect(Self.reads.flatMap { Self.matches($0, in: #"h.value("pg_port"); s("pg_mode"); text(h, "x_y")"#) }
            == ["pg_port", "pg_mode", "x_y"])
    }
}

/// One order for node addresses everywhere (trees, plans, diffs).
struct AddressOrderTests {
    @Test func ipv4ByOctetThenOthersByBytes() {
        let names = ["10.10.10.10", "db-1", "10.10.10.2", "9.1.1.1", "10.10.10.010x", "10.10.10", "10.2.3.4"]
        #expect(AddressOrder.sorted(names) == ["9.1.1.1", "10.2.3.4", "10.10.10.2", "10.10.10.10", "10.10.10", "10.10.10.010x", "db-1"])
        #expect(ApplyPlan.sortIPs(names) == AddressOrder.sorted(names))
        var tree = FileTree()
        for n in names { tree.add(GeneratedFile(path: "/x", content: "", producer: "t", apply: .in(.node)), on: n) }
        #expect(tree.nodeNames == AddressOrder.sorted(names))
    }
}
