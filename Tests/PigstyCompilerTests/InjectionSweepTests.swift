import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
import PigstySchema
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyOutput
@testable import PigstyDeploy

/// The injection sweep: every string-like parameter of the schema and every string-like field of
/// every record, set to hostile values on an inventory that deploys every module. Each variant is
/// either rejected by `check` with positioned errors, or compiles into files where the value
/// means exactly itself:
/// - a line break (LF or CR) in the value never starts a new line of any generated file;
/// - quotes, `#`, `:`, braces and brackets never change what a YAML or JSON document holds: every
///   string scalar that holds the value's marker holds the whole value (PyYAML, json).
/// Raw-by-design fields (HBA `rules`, HAProxy `options`, portal `config`) are left out.
struct InjectionSweepTests {
    static let base = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        minio: { hosts: { 10.10.10.10: { minio_seq: 1 } }, vars: { minio_cluster: minio } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary }, 10.10.10.11: { pg_seq: 2, pg_role: replica } }
          vars: { pg_cluster: pg-meta, pg_vip_enabled: true, pg_vip_address: 10.10.10.2/24, pg_vip_interface: eth1 }
        redis-ms:
          hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 6379: {}, 6380: { replica_of: '10.10.10.12 6379' } } } }
          vars: { redis_cluster: redis-ms }
        proxy:
          hosts: { 10.10.10.13: { vip_role: master }, 10.10.10.14: { vip_role: backup } }
          vars: { node_cluster: proxy, vip_enabled: true, vip_vrid: 51, vip_address: 10.10.10.3, vip_interface: eth1 }
      vars:
        version: v4.5.0
        admin_ip: 10.10.10.10
        infra_portal: { home: { domain: i.pigsty }, grafana: { domain: g.pigsty, endpoint: "${admin_ip}:3000" } }

    """

    /// Line payload: what follows a line break starts with the marker.
    static let linePayload = #""a1\nPIGSTYCINJ=1\rPIGSTYCINJ: 2""#
    static let lineMarker = "PIGSTYCINJ"
    /// Quote payload (as YAML source) and the value it stands for.
    static let quotePayload = #""b2\" #PIGSTYCQ 'x: {y}, [z] \\ %""#
    static let quoteValue = #"b2" #PIGSTYCQ 'x: {y}, [z] \ %"#

    static let stringTypes: Set<String> = ["string", "path", "password", "username", "interval", "url", "arg",
                                           "size", "mail", "pgurl", "any"]
    static let raw: Set<String> = ["hba_rule.rules", "haproxy_service.options", "pg_service.options",
                                   "portal_entry.config"]

    /// A value of `type` that check accepts in most places.
    static func benign(_ type: String, values: [String]?) -> String? {
        if let v = values?.first { return "'\(v)'" }
        switch type {
        case "string", "arg", "any": return "b1"
        case "username": return "u1"
        case "password": return "Pw.b1"
        case "path": return "/data/b1"
        case "url": return "'http://10.10.10.10:1'"
        case "int": return "1"
        case "port": return "15999"
        case "bool": return "true"
        case "interval": return "1s"
        case "size": return "1GB"
        case "ip": return "10.10.10.99"
        case "cidr": return "10.0.0.0/8"
        case "dict": return "{}"
        default: return type.hasSuffix("[]") ? "[]" : nil
        }
    }

    struct Variant { let label: String; let text: String; let payload: Payload }
    enum Payload { case line, quote }

    /// The inventory with `name` set to `value`: where the base sets it, there; else on every host
    /// (instance-level parameters) or in all.vars.
    static func with(_ name: String, _ value: String, levels: [Level]) -> String {
        let key = try! NSRegularExpression(pattern: "\\b\(name): [^,}\\n]+")
        let range = NSRange(base.startIndex..., in: base)
        if key.firstMatch(in: base, range: range) != nil {
            return key.stringByReplacingMatches(in: base, range: range, withTemplate: NSRegularExpression.escapedTemplate(for: "\(name): \(value)"))
        }
        if levels.contains(.instance) {
            let host = try! NSRegularExpression(pattern: "(10\\.10\\.10\\.[0-9]+): \\{ ")
            return host.stringByReplacingMatches(in: base, range: range,
                                                 withTemplate: "$1: { " + NSRegularExpression.escapedTemplate(for: "\(name): \(value), "))
        }
        return base + "    \(name): \(value)\n"
    }

    static func variants(_ schema: Schema) -> [Variant] {
        var out: [Variant] = []
        for p in schema.parameters {
            let payloads: [(Payload, String)] = [(.line, linePayload), (.quote, quotePayload)]
            if stringTypes.contains(p.type), p.values == nil {
                for (kind, v) in payloads { out.append(Variant(label: p.name, text: with(p.name, v, levels: p.levels), payload: kind)) }
            } else if p.type == "string[]" || p.type == "path[]" {
                for (kind, v) in payloads { out.append(Variant(label: p.name, text: with(p.name, "[\(v)]", levels: p.levels), payload: kind)) }
            }
            let recordName = p.items ?? p.entries
            guard let recordName, let record = schema.record(recordName) else { continue }
            for f in record.fields where (stringTypes.contains(f.type) || f.type == "string[]") && f.values == nil {
                guard !raw.contains("\(recordName).\(f.name)") else { continue }
                var fields: [String] = []
                var ok = true
                for other in record.fields where other.required && other.name != f.name {
                    guard let b = benign(other.type, values: other.values) else { ok = false; break }
                    fields.append("\(other.name): \(b)")
                }
                guard ok else { continue }
                for (kind, v) in payloads {
                    let value = f.type == "string[]" ? "[\(v)]" : v
                    let body = "{ " + (fields + ["\(f.name): \(value)"]).joined(separator: ", ") + " }"
                    let whole = p.items != nil ? "[\(body)]" : "{ k1: \(body) }"
                    out.append(Variant(label: "\(p.name)[].\(f.name)", text: with(p.name, whole, levels: p.levels), payload: kind))
                }
            }
        }
        return out
    }

    /// Lines of generated files that start with the line marker: `path: line`.
    static func injectedLines(_ outputs: [(path: String, bytes: [UInt8], mode: Int)]) -> [String] {
        var found: [String] = []
        for o in outputs {
            let text = String(decoding: o.bytes, as: UTF8.self)
            guard text.contains(lineMarker) else { continue }
            for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
                let trimmed = line.drop { $0 == " " || $0 == "\t" }
                if trimmed.hasPrefix(lineMarker) { found.append("\(o.path): \(line)") }
            }
        }
        return found
    }

    static let scalarCheck = #"""
    import json, sys, yaml
    marker, whole = sys.argv[1], sys.argv[2]
    bad = 0
    def walk(v, path, origin):
        global bad
        if isinstance(v, dict):
            for k, x in v.items():
                walk(k, path, origin); walk(x, path + "." + str(k), origin)
        elif isinstance(v, list):
            for i, x in enumerate(v): walk(x, path + "[%d]" % i, origin)
        elif isinstance(v, str) and marker in v and whole not in v:
            bad += 1; print("CHANGED", origin, path, repr(v))
    for f in sys.argv[3:]:
        origin = open(f + ".origin").read()
        text = open(f, encoding="utf-8").read()
        try:
            doc = json.loads(text) if f.endswith(".json") else yaml.safe_load(text)
        except Exception as e:
            bad += 1; print("UNPARSABLE", origin, type(e).__name__); continue
        before = bad
        found = [False]
        def seen(v):
            if isinstance(v, dict):
                for k, x in v.items(): seen(k); seen(x)
            elif isinstance(v, list):
                for x in v: seen(x)
            elif isinstance(v, str) and marker in v:
                found[0] = True
        seen(doc)
        walk(doc, "", origin)
        # The marker outside comment lines but in no value: the value was cut (a comment, a key).
        if not found[0] and any(marker in l and not l.lstrip().startswith("#") for l in text.splitlines()):
            bad += 1; print("LOST", origin)
    print("checked", len(sys.argv) - 3, "bad", bad)
    """#

    @Test func noValueChangesTheMeaningOfAFile() throws {
        let variants = Self.variants(.pigsty)
        #expect(variants.count > 300, "\(variants.count)")
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        var compiled = 0, rejected = 0, documents = 0
        var failures: [String] = []
        var args = ["-n", "/usr/bin/python3", "-c", Self.scalarCheck, "PIGSTYCQ", Self.quoteValue]
        var seenDocs = Set<String>()
        for v in variants {
            let sink = DiagnosticSink()
            guard let tree = Compiler.compile(SourceFile(path: "pigsty.yml", text: v.text), sink: sink) else {
                rejected += 1
                let errors = sink.diagnostics.filter { $0.severity == .error }
                if errors.isEmpty || errors.contains(where: { $0.range == nil }) {
                    failures.append("\(v.label): rejected without a positioned error: \(errors.map(\.message))")
                }
                continue
            }
            compiled += 1
            let outputs = TreeWriter(tree: tree).outputs()
            switch v.payload {
            case .line:
                failures += Self.injectedLines(outputs).map { "\(v.label): new line in \($0)" }
            case .quote:
                for o in outputs where o.path.hasSuffix(".yml") || o.path.hasSuffix(".yaml") || o.path.hasSuffix(".json")
                    || o.path.hasSuffix("/etc/etcd/etcd.conf") {
                    let text = String(decoding: o.bytes, as: UTF8.self)
                    guard text.contains("PIGSTYCQ"), seenDocs.insert(text).inserted else { continue }
                    documents += 1
                    let file = work.appendingPathComponent("\(documents)" + (o.path.hasSuffix(".json") ? ".json" : ".yml"))
                    try text.write(to: file, atomically: false, encoding: .utf8)
                    try "\(v.label) \(o.path)".write(to: URL(fileURLWithPath: file.path + ".origin"), atomically: false, encoding: .utf8)
                    args.append(file.path)
                }
            }
        }
        let r = try runTool("/usr/bin/unshare", args)
        #expect(r.output.contains("checked \(documents) bad 0"), "\(r.output)")
        #expect(failures.isEmpty, "\(failures.count) injections:\n\(failures.prefix(60).joined(separator: "\n"))")
        // The sweep reaches the back ends: most variants compile, and the quote payload lands in documents.
        // Line breaks are rejected; most quote payloads must compile for the sweep to mean anything.
        #expect(compiled > variants.count / 4, "compiled \(compiled), rejected \(rejected)")
        #expect(documents > 20)
        print("injection sweep: \(variants.count) variants, \(compiled) compiled, \(rejected) rejected, \(documents) documents")
    }

    /// The detectors can fail.
    @Test func detectorsCatchInjection() throws {
        let out: [(path: String, bytes: [UInt8], mode: Int)] = [
            ("n/files/etc/x.conf", Array("a = a1\n  PIGSTYCINJ=1\n".utf8), 0o644),
            ("n/files/etc/y.conf", Array("a = a1\\nPIGSTYCINJ=1\n".utf8), 0o644),
            ("n/files/etc/z.conf", Array("a = a1\rPIGSTYCINJ: 2\n".utf8), 0o644),
        ]
        #expect(Self.injectedLines(out).count == 2)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-sweep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let doc = dir.appendingPathComponent("1.yml")
        try "a: b2\" #PIGSTYCQ 'x\n".write(to: doc, atomically: false, encoding: .utf8)
        try "test".write(to: URL(fileURLWithPath: doc.path + ".origin"), atomically: false, encoding: .utf8)
        let r = try runTool("/usr/bin/unshare", ["-n", "/usr/bin/python3", "-c", Self.scalarCheck, "PIGSTYCQ", Self.quoteValue, doc.path])
        #expect(r.output.contains("checked 1 bad 1"), "\(r.output)")
    }
}
