import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats
import PigstyTestSupport

/// A structural check of a Vector configuration directory, as Vector merges `--config-dir`
/// (Vector has no Debian or PyPI package): every file a YAML mapping of known top-level keys;
/// component ids unique across files; each component a mapping with a known `type` and that
/// type's required keys; every `inputs` entry names an existing source or transform, or is a
/// `*` pattern matching at least one; no transform feeds itself; `remap` programs non-empty
/// text with balanced braces outside strings.
enum VectorConfigCheck {
    static let topKeys: Set<String> = ["data_dir", "api", "sources", "transforms", "sinks"]
    static let required: [String: [String]] = [
        "internal_metrics": [], "journald": [], "file": ["include"],
        "remap": ["inputs", "source"],
        "prometheus_exporter": ["inputs", "address"], "http": ["inputs", "uri", "encoding"],
    ]

    static func check(_ files: [String: String]) -> [String] {
        var problems: [String] = []
        var kinds: [String: String] = [:]          // id → sources | transforms | sinks
        var inputs: [(String, [String])] = []
        for (name, text) in files.sorted(by: { $0.key < $1.key }) {
            let sink = DiagnosticSink()
            guard let doc = YAML.parse(text, path: name, into: sink), !sink.hasErrors, let top = doc.mapping else {
                problems.append("\(name): not a YAML mapping"); continue
            }
            for pair in top {
                let key = pair.key.keyName ?? "?"
                guard topKeys.contains(key) else { problems.append("\(name): unknown key \(key)"); continue }
                guard ["sources", "transforms", "sinks"].contains(key) else { continue }
                for c in pair.value.mapping ?? [] {
                    let id = c.key.keyName ?? "?"
                    if kinds[id] != nil { problems.append("\(name): component \(id) defined twice") }
                    kinds[id] = key
                    guard let type = c.value["type"]?.string, let needs = required[type] else {
                        problems.append("\(name): \(id) has no known type"); continue
                    }
                    for k in needs where c.value[k] == nil { problems.append("\(name): \(id) (\(type)) lacks \(k)") }
                    if key != "sources" {
                        let list = (c.value["inputs"]?.sequence ?? []).compactMap(\.string)
                        if list.isEmpty { problems.append("\(name): \(id) has no inputs") }
                        inputs.append((id, list))
                    }
                    if type == "remap" {
                        let program = c.value["source"]?.string ?? ""
                        if program.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty || !balanced(program) {
                            problems.append("\(name): \(id) has an empty or unbalanced program")
                        }
                    }
                }
            }
        }
        let producers = kinds.filter { $0.value != "sinks" }.map(\.key)
        for (id, list) in inputs {
            for input in list {
                let matches = producers.filter { fnmatch(input, $0, 0) == 0 && $0 != id }
                if matches.isEmpty { problems.append("\(id): input \(input) matches no source or transform") }
                if input == id { problems.append("\(id): feeds itself") }
            }
        }
        return problems
    }

    /// Braces, brackets and parentheses balance outside string literals and comments.
    static func balanced(_ program: String) -> Bool {
        var stack: [Character] = []
        var quote: Character?
        var escaped = false, comment = false
        for c in program {
            if comment { if c == "\n" { comment = false }; continue }
            if let q = quote {
                if escaped { escaped = false } else if c == "\\" && q == "\"" { escaped = true } else if c == q { quote = nil }
                continue
            }
            switch c {
            case "\"", "'": quote = c
            case "#": comment = true
            case "(", "[", "{": stack.append(c)
            case ")": if stack.popLast() != "(" { return false }
            case "]": if stack.popLast() != "[" { return false }
            case "}": if stack.popLast() != "{" { return false }
            default: break
            }
        }
        return stack.isEmpty && quote == nil
    }
}

struct VectorBackendTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10: { infra_seq: 1 }
            10.10.10.11: { infra_seq: 2, vlogs_enabled: false }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-meta }
        redis-ms:
          hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 6379: {} } } }
          vars: { redis_cluster: redis-ms }
        quiet:
          hosts:
            10.10.10.13: { vector_enabled: false }
            10.10.10.14: { vector_log_endpoint: [ "http://${admin_ip}:9428/insert/jsonline", "http://10.9.9.9:1/x" ], vector_read_from: end }
            10.10.10.15: { vector_log_endpoint: [] }
      vars:
        admin_ip: 10.10.10.10
    """

    static func vectorFiles(_ tree: FileTree, on node: String) -> [String: String] {
        Dictionary(uniqueKeysWithValues: tree.files(on: node).filter { $0.path.hasPrefix("/etc/vector/") }
            .map { (String($0.path.dropFirst("/etc/vector/".count)), $0.content) })
    }

    static func yaml(_ text: String) throws -> YAMLNode {
        let sink = DiagnosticSink()
        return try #require(YAML.parse(text, into: sink))
    }

    @Test func eachNodeGetsThePipelinesOfItsModules() throws {
        let tree = try emit(Self.inventory, [VectorBackend()]).tree
        #expect(Set(Self.vectorFiles(tree, on: "10.10.10.10").keys)
                == ["vector.yaml", "node.yaml", "postgres.yaml", "patroni.yaml", "pgbackrest.yaml", "nginx.yaml"])
        #expect(Set(Self.vectorFiles(tree, on: "10.10.10.11").keys) == ["vector.yaml", "node.yaml", "nginx.yaml"])
        #expect(Set(Self.vectorFiles(tree, on: "10.10.10.12").keys) == ["vector.yaml", "node.yaml", "redis.yaml"])
        #expect(Self.vectorFiles(tree, on: "10.10.10.13").isEmpty)
        for node in ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.14", "10.10.10.15"] {
            #expect(VectorConfigCheck.check(Self.vectorFiles(tree, on: node)) == [], "\(node)")
        }
        let main = try #require(tree.file("/etc/vector/vector.yaml", on: "10.10.10.10"))
        #expect(main.mode == 0o644 && main.apply == .in(.node, .reload("vector")))
        #expect(try #require(tree.file("/etc/vector/postgres.yaml", on: "10.10.10.10")).apply == .in(.pgsql, .reload("vector")))
        #expect(try #require(tree.file("/etc/vector/redis.yaml", on: "10.10.10.12")).apply == .in(.redis, .reload("vector")))
        #expect(try #require(tree.file("/etc/vector/nginx.yaml", on: "10.10.10.11")).mode == 0o600)
        #expect(tree.objects(on: "10.10.10.12").directories["/etc/vector"]?.mode == 0o700)
    }

    @Test func logSinksFollowTheEndpoints() throws {
        let tree = try emit(Self.inventory, [VectorBackend()]).tree
        func sinks(_ node: String) throws -> YAMLNode? {
            try Self.yaml(try #require(tree.file("/etc/vector/vector.yaml", on: node)).content)["sinks"]
        }
        // [infra]: every infra node with VictoriaLogs (the second has it off): one sink, `vlogs`.
        let one = try #require(try sinks("10.10.10.12"))
        #expect(one["vlogs"]?["uri"]?.string == "http://10.10.10.10:9428/insert/jsonline" && one["vlogs1"] == nil)
        #expect(one["vmetrics"]?["address"]?.string == "0.0.0.0:9598")
        // A list: numbered sinks, `${admin_ip}` replaced.
        let two = try #require(try sinks("10.10.10.14"))
        #expect(two["vlogs1"]?["uri"]?.string == "http://10.10.10.10:9428/insert/jsonline")
        #expect(two["vlogs2"]?["uri"]?.string == "http://10.9.9.9:1/x" && two["vlogs"] == nil)
        // None: metrics only.
        let none = try #require(try sinks("10.10.10.15"))
        #expect(none.mapping?.count == 1)
    }

    @Test func programsCarryTheNodeIdentity() throws {
        let tree = try emit(Self.inventory, [VectorBackend()]).tree
        let pg = try Self.yaml(try #require(tree.file("/etc/vector/postgres.yaml", on: "10.10.10.10")).content)
        let program = try #require(pg["transforms"]?["pglog_logs"]?["source"]?.string)
        #expect(program.contains(".ip = \"10.10.10.10\"\n.ins = \"pg-meta-1\"\n.cls = \"pg-meta\"\n"))
        #expect(pg["sources"]?["pglog_raw"]?["include"]?.sequence?.first?.string == "/pg/log/postgres/*.csv")
        let redis = try Self.yaml(try #require(tree.file("/etc/vector/redis.yaml", on: "10.10.10.12")).content)
        #expect(redis["transforms"]?["redis_logs"]?["source"]?.string?.contains(".cls = \"redis-ms\"") == true)
        let node = try Self.yaml(try #require(tree.file("/etc/vector/node.yaml", on: "10.10.10.14")).content)
        #expect(node["transforms"]?["syslog_logs"]?["source"]?.string?.contains("\"cls\": \"nodes\"") == true)
        let nginx = try Self.yaml(try #require(tree.file("/etc/vector/nginx.yaml", on: "10.10.10.11")).content)
        #expect(nginx["transforms"]?["nginx_error_logs"]?["source"]?.string?.contains(".ins = \"nginx-2\"") == true)
        // read_from follows vector_read_from, except Patroni's log, read from its end.
        let patroni = try Self.yaml(try #require(tree.file("/etc/vector/patroni.yaml", on: "10.10.10.10")).content)
        #expect(patroni["sources"]?["patroni_raw"]?["read_from"]?.string == "end")
        #expect(pg["sources"]?["pglog_raw"]?["read_from"]?.string == "beginning")
    }

    @Test func vrlLiteralsCannotBreakOutOrTemplate() {
        #expect(VRL.string("pg-meta") == "\"pg-meta\"")
        #expect(VRL.string("a\"b\\c") == #""a\"b\\c""#)
        #expect(VRL.string("/x/{{ y }}") == #"("/x/{" + "{ y }}")"#)
        #expect(VRL.string("{{{") == #"("{" + "{" + "{")"#)
        #expect(VRL.string("a\nb") == #""a\nb""#)
        let tree = try? emit("""
        all:
          children:
            pg-x:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-x, pgbackrest_log_dir: '/pg/log/{{"{{"}}x"' }
          vars: { admin_ip: 10.10.10.10 }
        """, [VectorBackend()], checked: false).tree
        let text = tree?.file("/etc/vector/pgbackrest.yaml", on: "10.10.10.10")?.content ?? ""
        #expect(VectorConfigCheck.check(["pgbackrest.yaml": text]) == [])
        #expect(text.contains(#"("/pg/log/{" + "{x\"/")"#), "\(text)")
    }

    @Test func theCheckRejectsBrokenPipelines() {
        let files = [
            "a.yaml": "sources:\n  s_raw: { type: file }\ntransforms:\n  t_logs: { type: remap, inputs: [nope], source: \"if {\" }\n",
            "b.yaml": "sinks:\n  out: { type: http, inputs: [\"*_metrics\"], uri: x, encoding: {} }\n  s_raw: { type: blackhole, inputs: [t_logs] }\nbogus: 1\n",
        ]
        let p = VectorConfigCheck.check(files)
        #expect(p.contains { $0.contains("s_raw (file) lacks include") })
        #expect(p.contains { $0.contains("input nope matches no") })
        #expect(p.contains { $0.contains("input *_metrics matches no") })
        #expect(p.contains { $0.contains("unbalanced program") })
        #expect(p.contains { $0.contains("defined twice") })
        #expect(p.contains { $0.contains("unknown key bogus") })
        #expect(p.contains { $0.contains("no known type") })
    }
}
