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

/// apply.sh run for real, into a temporary `--root`, without network (`unshare -n`): for every
/// golden tree and some inline inventories, including one full of hostile values.
struct ApplyScriptTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func temp() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-apply-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// apply.sh of `node` in the written tree `out`, under `unshare -n`.
    static func apply(_ out: URL, _ node: String, _ args: [String]) throws -> (status: Int32, output: String) {
        try runTool("/usr/bin/unshare", ["-n", "/bin/bash", out.appendingPathComponent("\(node)/apply.sh").path] + args, cwd: out)
    }

    /// What apply.sh leaves at a file's path on a node that had no file there: the content, or
    /// for a managed block the block between its markers.
    static func installed(_ f: GeneratedFile) -> Data {
        guard f.placement == .managedBlock else { return Data(f.content.utf8) }
        return Data((FilePlacement.blockBegin + "\n" + f.content + FilePlacement.blockEnd + "\n").utf8)
    }

    /// Every regular file under `dir` (relative path → bytes and mode).
    static func snapshot(_ dir: URL) -> [String: (Data, Int)] {
        var out: [String: (Data, Int)] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        while let rel = e.nextObject() as? String {
            let p = dir.appendingPathComponent(rel).path
            var isDir: ObjCBool = false
            guard fm.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue else { continue }
            let mode = (try? fm.attributesOfItem(atPath: p)[.posixPermissions] as? Int) ?? -1
            out[rel] = (fm.contents(atPath: p) ?? Data(), mode)
        }
        return out
    }

    static func same(_ a: [String: (Data, Int)], _ b: [String: (Data, Int)]) -> Bool {
        a.count == b.count && a.allSatisfy { k, v in b[k].map { $0.0 == v.0 && $0.1 == v.1 } ?? false }
    }

    /// The whole contract on one compiled tree: install, idempotence, tamper refusal, rollback.
    static func exercise(_ tree: FileTree) throws {
        let work = try temp()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        try TreeWriter(tree: tree).write(to: out.path)
        for node in tree.nodeNames {
            let target = work.appendingPathComponent("root-\(node)")
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            // Not this host: refused without --force.
            let refused = try apply(out, node, ["--root", target.path])
            #expect(refused.status == 4, "\(refused.output)")
            #expect(snapshot(target).isEmpty)

            let first = try apply(out, node, ["--root", target.path, "--force"])
            #expect(first.status == 0, "\(node): \(first.output)")
            for f in tree.files(on: node) {
                let p = target.path + f.path
                #expect(FileManager.default.contents(atPath: p) == installed(f), "\(node) \(f.path)")
                let mode = try FileManager.default.attributesOfItem(atPath: p)[.posixPermissions] as? Int
                #expect(mode == f.mode, "\(node) \(f.path) mode")
            }
            let installed = snapshot(target)

            let second = try apply(out, node, ["--root", target.path, "--force"])
            #expect(second.status == 0, "\(second.output)")
            // Post-start actions are only named under --root ("would run patroni-restart").
            let acted = second.output.split(separator: "\n").filter { !$0.contains("] would run ") }.joined(separator: "\n")
            #expect(!acted.contains("installed") && !acted.contains("restart") && !acted.contains("reload"), "\(second.output)")
            #expect(second.output.hasSuffix("\(node): 0 files changed\n"))
            #expect(same(snapshot(target), installed))

            // A tampered bundle file: refused before anything changes.
            let victim = try #require(tree.files(on: node).first)
            let bundled = out.appendingPathComponent("\(node)/files\(victim.path)")
            let good = try Data(contentsOf: bundled)
            try FileManager.default.removeItem(at: target.appendingPathComponent(String(victim.path.dropFirst())))
            try (good + Data("tampered\n".utf8)).write(to: bundled)
            let tampered = try apply(out, node, ["--root", target.path, "--force"])
            #expect(tampered.status == 3, "\(tampered.output)")
            #expect(tampered.output.contains("checksum mismatch: \(victim.path)"))
            #expect(!FileManager.default.fileExists(atPath: target.path + victim.path))
            try good.write(to: bundled)

            // Rollback: an older version of one file exists, apply replaces it, --rollback restores it
            // and removes the files the run created.
            let before = try apply(out, node, ["--root", target.path, "--force", "--rollback"])
            #expect(before.status == 0, "\(before.output)")
            try FileManager.default.removeItem(at: target)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            let oldFile = target.appendingPathComponent(String(victim.path.dropFirst()))
            try FileManager.default.createDirectory(at: oldFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("previous version\n".utf8).write(to: oldFile)
            let previous = snapshot(target)
            let dry = try apply(out, node, ["--root", target.path, "--force", "--dry-run"])
            #expect(dry.status == 0 && dry.output.contains("would update \(victim.path)"), "\(dry.output)")
            #expect(same(snapshot(target), previous))
            #expect(try apply(out, node, ["--root", target.path, "--force"]).status == 0)
            let back = try apply(out, node, ["--root", target.path, "--force", "--rollback"])
            #expect(back.status == 0, "\(back.output)")
            #expect(back.output.contains("restored \(victim.path)"))
            let after = snapshot(target).filter { !$0.key.hasPrefix("var/lib/pigstyc") }
            #expect(same(after, previous), "\(after.keys.sorted())")
        }
    }

    static var goldenCases: [String] { GoldenTreeTests.cases }

    @Test(arguments: goldenCases)
    func goldenTreeApplies(_ name: String) throws {
        let dir = Self.root.appendingPathComponent("golden/\(name)")
        let sink = DiagnosticSink()
        var facts = FactsTable()
        if let bytes = FileManager.default.contents(atPath: dir.appendingPathComponent("facts.yml").path) {
            facts = try #require(FactsTable.parse(SourceFile(path: "facts.yml", bytes: [UInt8](bytes)), sink: sink))
        }
        let bytes = try [UInt8](Data(contentsOf: dir.appendingPathComponent("pigsty.yml")))
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", bytes: bytes), facts: facts, sink: sink))
        try Self.exercise(tree)
    }

    @Test func inlineInventoriesApply() throws {
        for text in [ApplyPlanTests.standbys, RedisInventory.text] {
            let sink = DiagnosticSink()
            let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", text: text), sink: sink),
                                    "\(sink.diagnostics.map(\.message))")
            try Self.exercise(tree)
        }
    }

    @Test func onlyRunsTheNamedStepsAndUnitsArePrintedUnderRoot() throws {
        let sink = DiagnosticSink()
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", text: ApplyPlanTests.standbys), sink: sink))
        let work = try Self.temp()
        defer { try? FileManager.default.removeItem(at: work) }
        try TreeWriter(tree: tree).write(to: work.appendingPathComponent("out").path)
        let target = work.appendingPathComponent("r")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let out = work.appendingPathComponent("out")
        let r = try Self.apply(out, "10.10.10.11", ["--root", target.path, "--force", "--only", "pgsql,pgbouncer"])
        #expect(r.status == 0, "\(r.output)")
        #expect(r.output.contains("[pgsql] would reload patroni (--root: systemctl is not called)"))
        #expect(!r.output.contains("[haproxy]"))
        #expect(!FileManager.default.fileExists(atPath: target.path + "/etc/haproxy/haproxy.cfg"))
        #expect(FileManager.default.fileExists(atPath: target.path + "/pg/data/pg_hba.conf"))
        let bad = try Self.apply(out, "10.10.10.11", ["--root", target.path, "--force", "--only", "nope"])
        #expect(bad.status == 2)
        let usage = try Self.apply(out, "10.10.10.11", ["--bogus"])
        #expect(usage.status == 2)
        let noRestart = try Self.apply(out, "10.10.10.11", ["--root", target.path, "--force", "--no-restart"])
        #expect(noRestart.output.contains("not calling reload haproxy (--no-restart)"), "\(noRestart.output)")
    }

    /// A dry run claims only what the same run without --dry-run does (here: under --root, where
    /// no system user or group is created), and notes name the installed file, not the temporary
    /// file it is written through.
    @Test func dryRunAgreesWithTheRealRunAndNotesNameDestinations() throws {
        let bytes = try [UInt8](Data(contentsOf: Self.root.appendingPathComponent("pigsty.yml")))
        let sink = DiagnosticSink()
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", bytes: bytes), sink: sink))
        let work = try Self.temp()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        try TreeWriter(tree: tree).write(to: out.path)
        let node = try #require(tree.nodeNames.first)
        let target = work.appendingPathComponent("r")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        let dry = try Self.apply(out, node, ["--root", target.path, "--force", "--dry-run"])
        #expect(dry.status == 0, "\(dry.output)")
        let real = try Self.apply(out, node, ["--root", target.path, "--force"])
        #expect(real.status == 0, "\(real.output)")
        func accounts(_ text: String) -> [String] {
            text.split(separator: "\n").map(String.init).filter {
                $0.contains("system group") || $0.contains("system user") || $0.contains("note: group") || $0.contains("note: user")
            }
        }
        #expect(!dry.output.contains("would create system"), "\(dry.output)")
        #expect(accounts(dry.output) == accounts(real.output))
        #expect(!real.output.contains(".pigstyc."), "\(real.output)")
        let paths = Set(tree.files(on: node).map(\.path))
        for line in real.output.split(separator: "\n") where line.contains("keeps its owner") {
            let named = line.split(separator: " ").first { $0.hasPrefix("/") }.map(String.init)
            // A file, or a directory above files (ensure_dir's notes).
            #expect(named.map { n in paths.contains(n) || paths.contains { $0.hasPrefix(n + "/") } } == true, "\(line)")
        }
    }

    @Test func applyScriptIsShellcheckClean() throws {
        let dir = try Self.temp()
        defer { try? FileManager.default.removeItem(at: dir) }
        try ApplyBundle.script.write(to: dir.appendingPathComponent("apply.sh"), atomically: true, encoding: .utf8)
        let r = try runTool("/usr/bin/shellcheck", ["--severity=style", "apply.sh"], cwd: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(ApplyBundle.script.hasPrefix("#!/usr/bin/env bash\n"))
        #expect(ApplyBundle.script.contains("\nset -euo pipefail\n"))
    }

    @Test func hostileValuesReachNoShell() throws {
        let work = try Self.temp()
        defer { try? FileManager.default.removeItem(at: work) }
        let marker = work.appendingPathComponent("pwned").path
        let payloads = [
            "$(touch \(marker)-1)", "`touch \(marker)-2`", "'; touch \(marker)-3; '", "\"; touch \(marker)-4; \"",
            "a b  tab", "${IFS}$(touch${IFS}\(marker)-5)", "x\\nnewline",
        ]
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\t", with: "\\t") + "\"" }
        let users = payloads.enumerated().map { i, p in
            "          - { name: dbuser_\(i), password: \(q(p)), comment: \(q(p + " second line")) }"
        }.joined(separator: "\n")
        let dbs = payloads.enumerated().map { i, p in "          - { name: db\(i), comment: \(q(p)) }" }.joined(separator: "\n")
        let text = """
        all:
          children:
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd, etcd_root_password: \(q(payloads[0] + payloads[2])) } }
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars:
                pg_cluster: pg-meta
                pg_users:
        \(users)
                pg_databases:
        \(dbs)
            redis-ms:
              hosts: { 10.10.10.10: { redis_node: 1, redis_instances: { 6379: {} } } }
              vars: { redis_cluster: redis-ms, redis_password: \(q(payloads[3] + payloads[1])) }
          vars: { version: v4.5.0, admin_ip: 10.10.10.10, pg_admin_password: \(q(payloads[5])) }
        """
        let sink = DiagnosticSink()
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", text: text), sink: sink),
                                "\(sink.diagnostics.map(\.message))")
        let out = work.appendingPathComponent("out")
        try TreeWriter(tree: tree).write(to: out.path)
        // The payloads are in the bundle's files but never in the script or the list.
        let list = try String(contentsOf: out.appendingPathComponent("10.10.10.10/apply.list"), encoding: .utf8)
        #expect(!list.contains("touch"))
        let target = work.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
        for args in [["--dry-run"], [], [], ["--rollback"]] {
            let r = try Self.apply(out, "10.10.10.10", ["--root", target.path, "--force"] + args)
            #expect(r.status == 0, "\(r.output)")
        }
        #expect(try Self.apply(out, "10.10.10.10", ["--root", target.path, "--force"]).status == 0)
        let hba = try String(contentsOfFile: target.path + "/etc/pgbouncer/useropts.txt", encoding: .utf8)
        #expect(!hba.isEmpty)
        let left = try FileManager.default.contentsOfDirectory(atPath: work.path).sorted()
        #expect(left == ["out", "root"], "something was written beside the root: \(left)")
        for i in 1...5 { #expect(!FileManager.default.fileExists(atPath: "\(marker)-\(i)")) }
        let top = try FileManager.default.contentsOfDirectory(atPath: target.path).sorted()
        #expect(top == ["data", "etc", "home", "pg", "var"])
    }

    @Test func unbundleableOwnersAreDiagnosed() {
        var tree = FileTree()
        tree.add(GeneratedFile(path: "/etc/x.conf", content: "x\n", owner: "bad owner; rm", producer: "test:x"), on: "10.10.10.10")
        tree.add(GeneratedFile(path: "/etc/a\nb", content: "x\n", producer: "test:y"), on: "10.10.10.10")
        let sink = DiagnosticSink()
        #expect(!ApplyBundle.validate(tree, sink: sink))
        #expect(sink.diagnostics.map(\.id) == ["PGS0831", "PGS0831"])
        #expect(ApplyBundle.isAccountName("postgres") && ApplyBundle.isAccountName("_x-1$") && !ApplyBundle.isAccountName("-x"))
        #expect(Shell.single("it's $(x)") == "'it'\\''s $(x)'")
    }
}

enum RedisInventory {
    static let text = """
    all:
      children:
        redis-ms:
          hosts: { 10.10.10.10: { redis_node: 1, redis_instances: { 6379: {}, 6380: { replica_of: '10.10.10.10 6379' } } } }
          vars: { redis_cluster: redis-ms, redis_password: 'redis.ms' }
      vars: { version: v4.5.0, admin_ip: 10.10.10.10 }
    """
}
