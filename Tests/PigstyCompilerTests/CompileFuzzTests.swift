import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// Mutated inventories that pass `check` must also compile without crashing, and everything a
/// compile rejects carries a diagnostic. Seeded, so failures reproduce.
struct CompileFuzzTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func mutatedInventoriesCompileOrAreRejected() throws {
        let corpus = ["pigsty.yml", "golden/cluster-trio/pigsty.yml", "golden/ok-minimal/pigsty.yml"].compactMap {
            try? String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8)
        }
        #expect(corpus.count == 3)
        let cases = Int(ProcessInfo.processInfo.environment["PIGSTYC_FUZZ_CASES"] ?? "") ?? 600
        var compiled = 0
        var documents = GeneratedDocuments()
        for seed in 0..<UInt64(cases) {
            let bytes = InventoryMutator.mutate(corpus[Int(seed % 3)], seed: seed &* 104_729 &+ 3)
            let sink = DiagnosticSink()
            let tree = Compiler.compile(SourceFile(path: "fuzz.yml", bytes: bytes), sink: sink)
            if let tree {
                compiled += 1
                #expect(tree.conflicts.isEmpty, "seed \(seed): conflicting files")
                // Every generated path stays absolute and inside its node's tree.
                for node in tree.nodeNames {
                    for f in tree.files(on: node) {
                        #expect(f.path.hasPrefix("/") && !f.path.split(separator: "/").contains(".."), "seed \(seed): \(f.path)")
                    }
                }
                documents.add(TreeWriter(tree: tree).outputs(), seed: seed)
            } else {
                #expect(sink.hasErrors, "seed \(seed): compile failed without an error")
            }
        }
        // Some mutations leave a valid inventory: the back ends must have run on those.
        #expect(compiled > 0)
        try documents.parseAll()
    }

    /// The parse check catches a file that does not parse (it can fail).
    @Test func brokenDocumentsAreCaught() throws {
        var documents = GeneratedDocuments()
        let bad: [(path: String, bytes: [UInt8], mode: Int)] = [
            ("n/files/etc/default/vip-manager.yml", Array("etcd-password: \"pa\"ss\\word\"\n".utf8), 0o644),
            ("n/manifest.json", Array("{\"files\": [}\n".utf8), 0o644),
            ("n/files/etc/grafana/grafana.ini", Array("[server]\nhttp_port = 3000\n[server]\n".utf8), 0o644),
        ]
        documents.add(bad, seed: 0)
        let failures = try documents.failures()
        #expect(failures.count == 3, "\(failures)")
    }
}

/// Every distinct YAML, JSON and INI document compiles produced, parsed at the end by real parsers
/// in one Python run (PyYAML's safe loader, Python's json, configparser in strict mode) under
/// `unshare -n`.
struct GeneratedDocuments {
    enum Kind: String { case yaml = "yml", json, ini }
    private(set) var documents: [String: (kind: Kind, origin: String)] = [:]

    static func kind(of path: String) -> Kind? {
        if path.hasSuffix(".yml") || path.hasSuffix(".yaml") || path.hasSuffix("/etc/etcd/etcd.conf") { return .yaml }
        if path.hasSuffix(".json") { return .json }
        if path.hasSuffix("/grafana.ini") || path.hasSuffix("/pgbouncer.ini") || path.hasSuffix(".repo")
            || path.hasSuffix("/tuned.conf") { return .ini }
        return nil
    }

    mutating func add(_ outputs: [(path: String, bytes: [UInt8], mode: Int)], seed: UInt64) {
        for o in outputs {
            guard let kind = Self.kind(of: o.path) else { continue }
            let text = String(decoding: o.bytes, as: UTF8.self)
            if documents[text] == nil { documents[text] = (kind, "seed \(seed): \(o.path)") }
        }
    }

    static let parser = #"""
    import configparser, json, sys, yaml
    bad = 0
    for path in sys.argv[1:]:
        text = open(path, encoding="utf-8").read()
        try:
            if path.endswith(".yml"):
                yaml.safe_load(text)
            elif path.endswith(".json"):
                json.loads(text)
            else:
                configparser.ConfigParser(interpolation=None, allow_no_value=True, strict=True,
                                          comment_prefixes=("#", ";")).read_string(text)
        except Exception as e:
            bad += 1
            print("FAIL", path, type(e).__name__, str(e).splitlines()[0] if str(e) else "")
    print("parsed", len(sys.argv) - 1, "failed", bad)
    """#

    /// The documents no parser accepts, as `origin: error`.
    func failures() throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-docs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var names: [String: String] = [:]
        var args: [String] = ["-n", "/usr/bin/python3", "-c", Self.parser]
        for (i, (text, doc)) in documents.sorted(by: { $0.value.origin < $1.value.origin }).enumerated() {
            let file = dir.appendingPathComponent("\(i).\(doc.kind.rawValue)")
            try text.write(to: file, atomically: false, encoding: .utf8)
            names[file.path] = doc.origin
            args.append(file.path)
        }
        let r = try runTool("/usr/bin/unshare", args)
        #expect(r.output.contains("parsed \(documents.count) "), "the parser did not run: \(r.output)")
        return r.output.split(separator: "\n").filter { $0.hasPrefix("FAIL ") }.map { line in
            let parts = line.split(separator: " ", maxSplits: 2)
            return "\(names[String(parts[1])] ?? String(parts[1])): \(parts.count > 2 ? String(parts[2]) : "")"
        }
    }

    func parseAll() throws {
        #expect(documents.values.contains { $0.kind == .yaml } && documents.values.contains { $0.kind == .json }
                && documents.values.contains { $0.kind == .ini })
        let failures = try failures()
        #expect(failures.isEmpty, "generated documents that do not parse:\n\(failures.joined(separator: "\n"))")
    }
}
