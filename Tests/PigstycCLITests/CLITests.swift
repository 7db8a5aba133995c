import Foundation
import Testing

/// End-to-end tests of the `pigstyc` executable: exit codes, formats, `explain` and `schema`.
struct CLITests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The built executable, next to the test bundle.
    static var binary: URL {
        var dir = Bundle.main.bundleURL
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("pigstyc")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        return root.appendingPathComponent(".build/debug/pigstyc")
    }

    static func run(_ args: [String], cwd: URL = root) throws -> Process.Captured {
        try Process.runCapturing(binary.path, args, cwd: cwd)
    }

    static func temp(_ text: String, name: String = "pigsty.yml") throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func checkOfTheBundledInventoryIsClean() throws {
        let r = try Self.run(["check"])
        #expect(r.status == 0)
        #expect(r.stdout == "no problems found\n")
    }

    @Test func errorsExitOneWarningsExitZero() throws {
        let bad = try Self.run(["check", "golden/pgsql-identity/pigsty.yml"])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("error[PGS0404]"))
        let warn = try Self.run(["check", "golden/pgsql-crossmodule/pigsty.yml"])
        #expect(warn.status == 0)
        #expect(warn.stdout.hasSuffix("0 errors, 2 warnings\n"))
        let strict = try Self.run(["check", "--strict", "golden/strict-unknown/pigsty.yml"])
        #expect(strict.status == 1)
    }

    @Test func usageErrorsExit64UnreadableInputExits66() throws {
        let missing = try Self.run(["check", "no/such/file.yml"])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("cannot read 'no/such/file.yml': no such file"))
        let dir = try Self.run(["check", "golden"])
        #expect(dir.status == 66)
        let badFlag = try Self.run(["check", "--format", "xml"])
        #expect(badFlag.status == 64)
        let unknown = try Self.run(["frobnicate"])
        #expect(unknown.status == 64)
        // diff's 2 means "changes": a usage mistake must not look like one.
        let diffUsage = try Self.run(["diff", "pigsty.yml", "pigsty.yml", "--bogus"])
        #expect(diffUsage.status == 64, "\(diffUsage.stderr)")
        #expect(diffUsage.stderr.contains("Unknown option '--bogus'"))
        let compileUsage = try Self.run(["compile", "--bogus"])
        #expect(compileUsage.status == 64)
        let shipValidation = try Self.run(["ship", "--parallel", "0"])
        #expect(shipValidation.status == 64)
        let help = try Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("check"))
    }

    @Test func inventoryDefaultsToPigstyYmlInTheWorkingDirectory() throws {
        let dir = try Self.temp("all:\n  vars: { pg_verison: 18 }\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Self.run(["check"], cwd: dir)
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("pigsty.yml:2:11: warning[PGS0301]: unknown parameter 'pg_verison'"))
    }

    @Test(arguments: ["json", "junit", "checkstyle"])
    func structuredFormats(_ format: String) throws {
        let r = try Self.run(["check", "--format", format, "golden/hba/pigsty.yml"])
        #expect(r.status == 1)
        switch format {
        case "json":
            let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let ds = try #require(obj["diagnostics"] as? [[String: Any]])
            #expect(ds.count == 7)
            #expect(ds.first?["id"] as? String == "PGS0510")
            #expect(ds.first?["line"] as? Int == 11)
        default:
            let doc = try XMLDocumentShim.parse(r.stdout)
            #expect(doc.contains("PGS0514"))
        }
    }

    @Test func explainShowsProvenanceWithPositions() throws {
        let r = try Self.run(["explain", "pg_version", "--host", "10.10.10.10"])
        #expect(r.status == 0)
        #expect(r.stdout.hasPrefix("pg_version  (PGSQL / PG_INSTALL"))
        #expect(r.stdout.contains("value: 18  (from all.vars)"))
        #expect(r.stdout.contains("role default"))
        #expect(r.stdout.contains("pigsty.yml:57:5"))
        #expect(r.stdout.contains("<- in effect"))
    }

    @Test func explainMasksSecretsAndKnowsDerivedFacts() throws {
        let r = try Self.run(["explain", "pg_users", "--host", "10.10.10.10"])
        #expect(r.status == 0)
        #expect(!r.stdout.contains("DBUser.Meta"))
        #expect(r.stdout.contains("password: ********"))
        let d = try Self.run(["explain", "pg_instance", "--host", "10.10.10.10"])
        #expect(d.stdout.contains("value: pg-meta-1"))
        let typo = try Self.run(["explain", "pg_verison"])
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("did you mean 'pg_version'?"))
        let host = try Self.run(["explain", "pg_version", "--host", "10.10.10.99"])
        #expect(host.status == 64)
    }

    @Test func graphPrintsClustersAndReplication() throws {
        let json = try Self.run(["graph", "golden/cluster-trio/pigsty.yml", "--facts", "golden/cluster-trio/facts.yml"])
        #expect(json.status == 0)
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let clusters = try #require(obj["pg_clusters"] as? [[String: Any]])
        #expect(clusters.first?["primary_ip"] as? String == "10.10.10.11")
        #expect(clusters.first?["members"] as? [String] == ["10.10.10.10", "10.10.10.11", "10.10.10.12"])
        let nodes = try #require(obj["nodes"] as? [[String: Any]])
        #expect((nodes.first?["facts"] as? [String: Any])?["cpu"] as? Int == 4)
        #expect((nodes.last?["facts"] as? [String: Any])?["cpu"] as? Int == 8)
        let dot = try Self.run(["graph", "--format", "dot", "golden/cluster-trio/pigsty.yml"])
        #expect(dot.stdout.hasPrefix("digraph pigsty {"))
        #expect(dot.stdout.contains(#""pg:pg-test-2" -> "pg:pg-test-1" [label="replicates"];"#))
        let bad = try Self.run(["graph", "golden/pgsql-identity/pigsty.yml"])
        #expect(bad.status == 1)
    }

    @Test func compileWritesOutAndCheckDetectsDrift() throws {
        let dir = try Self.temp(try String(contentsOf: Self.root.appendingPathComponent("pigsty.yml"), encoding: .utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try Self.run(["compile"], cwd: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("out/10.10.10.10/manifest.json").path))
        let check = try Self.run(["compile", "--check"], cwd: dir)
        #expect(check.status == 0)
        try "x".write(to: dir.appendingPathComponent("out/10.10.10.10/files/etc/etcd/etcd.pass"), atomically: true, encoding: .utf8)
        let drift = try Self.run(["compile", "--check"], cwd: dir)
        #expect(drift.status == 1)
        #expect(drift.stdout.contains("changed: 10.10.10.10/files/etc/etcd/etcd.pass"))
        let broken = try Self.temp("all:\n  children:\n    pg-x: { hosts: { 10.10.10.10: { pg_seq: 1 } }, vars: { pg_cluster: pg-x } }\n")
        defer { try? FileManager.default.removeItem(at: broken) }
        let failed = try Self.run(["compile", "-o", "result"], cwd: broken)
        #expect(failed.status == 1)
        #expect(!FileManager.default.fileExists(atPath: broken.appendingPathComponent("result").path))
    }

    /// `compile -o .` in a project, `-o pigsty.yml`, `-o victim`, a link at DIR: refused (exit 2,
    /// the path, why and what to do), and nothing there is touched.
    @Test func compileRefusesOutputsItDidNotWrite() throws {
        let dir = try Self.temp(try String(contentsOf: Self.root.appendingPathComponent("pigsty.yml"), encoding: .utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        try "[defaults]\n".write(to: dir.appendingPathComponent("ansible.cfg"), atomically: false, encoding: .utf8)
        try fm.createDirectory(at: dir.appendingPathComponent("roles/node"), withIntermediateDirectories: true)
        try fm.createDirectory(at: dir.appendingPathComponent("victim/docs"), withIntermediateDirectories: true)
        try "keep\n".write(to: dir.appendingPathComponent("victim/notes.txt"), atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(at: dir.appendingPathComponent("link"), withDestinationURL: dir.appendingPathComponent("victim"))
        let before = try fm.subpathsOfDirectory(atPath: dir.path).sorted()
        for (output, why) in [(".", "did not write"), ("pigsty.yml", "it is a file"), ("victim", "did not write"),
                              ("link", "symbolic link")] {
            let r = try Self.run(["compile", "-o", output], cwd: dir)
            #expect(r.status == 73, "\(output): \(r.stderr)")
            #expect(r.stderr.contains("refusing to write \(output)") && r.stderr.contains(why), "\(output): \(r.stderr)")
            #expect(!r.stderr.contains("written"), "\(output)")
        }
        #expect(try fm.subpathsOfDirectory(atPath: dir.path).sorted() == before)
        // A marked output with a foreign entry: written, the entry left and named.
        #expect(try Self.run(["compile", "-o", "out"], cwd: dir).status == 0)
        try "mine\n".write(to: dir.appendingPathComponent("out/README"), atomically: false, encoding: .utf8)
        let again = try Self.run(["compile", "-o", "out"], cwd: dir)
        #expect(again.status == 0)
        #expect(again.stderr.contains("left 1 entry in out/ that pigstyc did not write: README"), "\(again.stderr)")
        #expect(fm.fileExists(atPath: dir.appendingPathComponent("out/README").path))
    }

    /// Two compiles of different inventories into one out/ at once: both succeed, and out/ holds
    /// exactly one of the two trees.
    @Test func concurrentCompilesDoNotMix() throws {
        let text = try String(contentsOf: Self.root.appendingPathComponent("golden/cluster-trio/pigsty.yml"), encoding: .utf8)
        let dir = try Self.temp(text, name: "a.yml")
        defer { try? FileManager.default.removeItem(at: dir) }
        try String(contentsOf: Self.root.appendingPathComponent("pigsty.yml"), encoding: .utf8)
            .write(to: dir.appendingPathComponent("b.yml"), atomically: false, encoding: .utf8)
        for _ in 0..<3 {
            let runs = DispatchQueue.global()
            let group = DispatchGroup()
            final class Statuses: @unchecked Sendable { var values: [Int32] = [-1, -1] }
            let status = Statuses()
            let lock = NSLock()
            for (i, inv) in ["a.yml", "b.yml"].enumerated() {
                group.enter()
                runs.async {
                    let s = (try? Self.run(["compile", inv, "-o", "out"], cwd: dir))?.status ?? -2
                    lock.lock(); status.values[i] = s; lock.unlock()
                    group.leave()
                }
            }
            group.wait()
            #expect(status.values == [0, 0])
            let a = try Self.run(["compile", "a.yml", "-o", "out", "--check"], cwd: dir)
            let b = try Self.run(["compile", "b.yml", "-o", "out", "--check"], cwd: dir)
            #expect((a.status == 0) != (b.status == 0), "\(a.stdout.prefix(300)) \(b.stdout.prefix(300))")
        }
    }

    /// A 5 GiB (sparse) inventory is refused from its size, at once, without being read.
    @Test func hugeInventoryIsRefusedBeforeReading() throws {
        let dir = try Self.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let big = dir.appendingPathComponent("big.yml")
        #expect(FileManager.default.createFile(atPath: big.path, contents: nil))
        let handle = try FileHandle(forWritingTo: big)
        try handle.truncate(atOffset: 5 << 30)
        try handle.close()
        let start = Date()
        for command in ["check", "compile"] {
            let r = try Self.run([command, "big.yml"], cwd: dir)
            #expect(r.status == 66, "\(r.stderr)")
            #expect(r.stderr.contains("cannot read 'big.yml': it is 5368709120 bytes, more than the limit") && r.stderr.contains("PGS0109"), "\(r.stderr)")
        }
        #expect(Date().timeIntervalSince(start) < 20)
    }

    @Test func compileTimingsNameEveryStage() throws {
        let dir = try Self.temp(try String(contentsOf: Self.root.appendingPathComponent("pigsty.yml"), encoding: .utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let run = try Self.run(["compile", "--timings"], cwd: dir)
        #expect(run.status == 0, "\(run.stderr)")
        for stage in ["check", "lower", "emit", "write", "total"] {
            #expect(run.stderr.contains("\n\(stage) ") || run.stderr.hasPrefix("\(stage) "), "\(stage) in \(run.stderr)")
        }
    }

    @Test func diffShowsChangedFilesMasksSecretsAndExitsLikeTerraform() throws {
        let bundled = try String(contentsOf: Self.root.appendingPathComponent("pigsty.yml"), encoding: .utf8)
        let dir = try Self.temp(bundled, name: "old.yml")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A new Patroni password: a file change Patroni reloads (a pg_version change would be a major
        // upgrade, which QuorumTests cover).
        let changed = bundled + "    patroni_password: Very.Secret.Patroni\n"
        try changed.write(to: dir.appendingPathComponent("new.yml"), atomically: true, encoding: .utf8)
        let same = try Self.run(["diff", "old.yml", "old.yml"], cwd: dir)
        #expect(same.status == 0)
        #expect(same.stdout == "No changes.\n")
        let diff = try Self.run(["diff", "old.yml", "new.yml"], cwd: dir)
        #expect(diff.status == 2, "\(diff.stderr)")
        // patronictl.yml on the infra node holds the password too; only Patroni reloads.
        #expect(diff.stdout.contains("== 10.10.10.10\n   changed  /infra/conf/patronictl.yml\n   changed  /pg/conf/pg-meta-1.yml\n   reload patroni\n"))
        #expect(diff.stdout.contains("+    password: ********\n"))
        #expect(!diff.stdout.contains("Very.Secret.Patroni"))
        let stat = try Self.run(["diff", "--stat", "old.yml", "new.yml"], cwd: dir)
        #expect(stat.status == 2)
        #expect(!stat.stdout.contains("@@"))
        try "all: [".write(to: dir.appendingPathComponent("bad.yml"), atomically: true, encoding: .utf8)
        #expect(try Self.run(["diff", "old.yml", "bad.yml"], cwd: dir).status == 1)
        #expect(try Self.run(["diff", "old.yml", "missing.yml"], cwd: dir).status == 66)
    }

    @Test func schemaCommandMatchesTheCommittedFile() throws {
        let r = try Self.run(["schema"])
        #expect(r.status == 0)
        let committed = try String(contentsOf: Self.root.appendingPathComponent("schema/pigsty.schema.json"), encoding: .utf8)
        #expect(r.stdout == committed, "schema/pigsty.schema.json is stale: run `swift run pigstyc schema > schema/pigsty.schema.json`")
    }
}

/// Minimal XML well-formedness check through FoundationXML.
enum XMLDocumentShim {
    static func parse(_ text: String) throws -> String {
        #if canImport(FoundationXML)
        let doc = try FoundationXMLDocument(text)
        return doc
        #else
        return text
        #endif
    }
}

#if canImport(FoundationXML)
import FoundationXML
func FoundationXMLDocument(_ text: String) throws -> String {
    let doc = try XMLDocument(xmlString: text)
    return doc.xmlString
}
#endif
