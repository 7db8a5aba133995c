import Foundation
import Testing

/// Rough edges of the command line: streams as inputs, help layout, `explain` without an
/// inventory, `diff --format json`, plural counts and the `--strict` note.
struct CLIEdgeTests {
    /// `script` under `/bin/sh -c` in `cwd`, with `$PIGSTYC` the executable and `extra` in the environment.
    static func shell(_ script: String, cwd: URL = CLITests.root, env extra: [String: String] = [:]) throws -> Process.Captured {
        var env = ProcessInfo.processInfo.environment
        env["PIGSTYC"] = CLITests.binary.path
        for (k, v) in extra { env[k] = v }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = cwd
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes at once: a long stderr must not block stdout.
        nonisolated(unsafe) var e = Data()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async { e = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
        let o = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        p.waitUntilExit()
        return Process.Captured(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
                                stderr: String(decoding: e, as: UTF8.self))
    }

    @Test func inventoryFromAPipeOrAFIFO() throws {
        let piped = try Self.shell(#"cat pigsty.yml | "$PIGSTYC" check /dev/stdin"#)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(piped.stdout == "no problems found\n")
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = try Self.shell(#"mkfifo "$D/inv" && { cat pigsty.yml >"$D/inv" & } && "$PIGSTYC" check "$D/inv""#,
                                  env: ["D": dir.path])
        #expect(fifo.status == 0, "\(fifo.stderr)")
        #expect(fifo.stdout == "no problems found\n")
        // An endless stream stops at the size limit instead of filling memory.
        let endless = try Self.shell(#"yes 'key: value' | "$PIGSTYC" check /dev/stdin"#)
        #expect(endless.status == 66, "\(endless.stderr)")
        #expect(endless.stderr.contains("more than the limit of 67108864 bytes (PGS0109)"), "\(endless.stderr)")
    }

    /// `compile full.yml`, then `compile --check ./full.yml` or a renamed copy elsewhere: up to date,
    /// and `diff` between the copies has no changes.
    @Test func compiledTreeDoesNotDependOnTheInventoryPath() throws {
        let text = try String(contentsOf: CLITests.root.appendingPathComponent("golden/cluster-trio/pigsty.yml"), encoding: .utf8)
        let dir = try CLITests.temp(text, name: "full.yml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let facts = CLITests.root.appendingPathComponent("golden/cluster-trio/facts.yml").path
        let first = try CLITests.run(["compile", "full.yml", "--facts", facts], cwd: dir)
        #expect(first.status == 0, "\(first.stderr)")
        let dotted = try CLITests.run(["compile", "--check", "./full.yml", "--facts", facts], cwd: dir)
        #expect(dotted.status == 0, "\(dotted.stdout)")
        let sub = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: sub, withIntermediateDirectories: true)
        try text.write(to: sub.appendingPathComponent("renamed.yml"), atomically: true, encoding: .utf8)
        let renamed = try CLITests.run(["compile", "--check", "elsewhere/renamed.yml", "--facts", facts], cwd: dir)
        #expect(renamed.status == 0, "\(renamed.stdout)")
        let diff = try CLITests.run(["diff", "full.yml", "elsewhere/renamed.yml", "--facts", facts], cwd: dir)
        #expect(diff.status == 0)
        #expect(diff.stdout == "No changes.\n")
    }

    /// Facts about a host the inventory does not list are an error, positioned in the facts file.
    @Test func factsForAStrayHostAreRefused() throws {
        let dir = try CLITests.temp("hosts:\n  10.10.10.10: { cpu: 4 }\n  10.10.10.99: { os: el9 }\n", name: "facts.yml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let inventory = CLITests.root.appendingPathComponent("golden/cluster-trio/pigsty.yml").path
        let r = try CLITests.run(["graph", inventory, "--facts", "facts.yml"], cwd: dir)
        #expect(r.status == 1)
        #expect(r.stderr.contains("facts.yml:3:3: error[PGS0801]: facts host '10.10.10.99' is not a host of the inventory"), "\(r.stderr)")
        try "hosts:\n  10.10.10.10: { cpu: 4 }\n".write(to: dir.appendingPathComponent("facts.yml"), atomically: true, encoding: .utf8)
        let ok = try CLITests.run(["graph", inventory, "--facts", "facts.yml"], cwd: dir)
        #expect(ok.status == 0, "\(ok.stderr)")
    }

    @Test func byteOrderMarkBeforeTheDocumentIsAccepted() throws {
        let bundled = try String(contentsOf: CLITests.root.appendingPathComponent("pigsty.yml"), encoding: .utf8)
        let dir = try CLITests.temp("\u{FEFF}---\n" + bundled)
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLITests.run(["check"], cwd: dir)
        #expect(r.status == 0, "\(r.stdout)")
        #expect(r.stdout == "no problems found\n")
    }

    /// Help paragraphs are wrapped by the argument parser to the terminal's width, never by hand:
    /// at a wide terminal every paragraph before USAGE is one line.
    @Test func helpTextIsNotWrappedByHand() throws {
        for command in ["", "check", "compile", "diff", "explain", "graph", "plan", "bundle", "ship", "schema"] {
            let r = try Self.shell(#""$PIGSTYC" \#(command) --help"#, env: ["COLUMNS": "1000"])
            #expect(r.status == 0)
            let head = r.stdout.components(separatedBy: "\nUSAGE:").first ?? ""
            let lines = head.components(separatedBy: "\n")
            for (a, b) in zip(lines, lines.dropFirst()) where !a.isEmpty && !b.isEmpty {
                Issue.record("pigstyc \(command) --help breaks a paragraph by hand:\n\(a)\n\(b)")
            }
        }
    }

    @Test func explainPrintsTheSchemaWithoutAnInventory() throws {
        let empty = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: empty) }
        try FileManager.default.removeItem(at: empty.appendingPathComponent("pigsty.yml"))
        let r = try CLITests.run(["explain", "pg_version"], cwd: empty)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("pg_version  (PGSQL / PG_INSTALL"))
        #expect(r.stdout.contains("default: 18"))
        #expect(!r.stdout.contains("definitions in"))
        let derived = try CLITests.run(["explain", "pg_instance"], cwd: empty)
        #expect(derived.status == 0)
        #expect(derived.stdout.contains("<pg_cluster>-<pg_seq>"))
        let typo = try CLITests.run(["explain", "pg_verison"], cwd: empty)
        #expect(typo.status == 64)
        #expect(typo.stderr.contains("did you mean 'pg_version'?"))
        let host = try CLITests.run(["explain", "pg_version", "--host", "10.10.10.10"], cwd: empty)
        #expect(host.status == 64)
        #expect(host.stderr.contains("--host needs an inventory"))
        // With ./pigsty.yml, the effective-value part follows.
        let here = try CLITests.run(["explain", "pg_version"])
        #expect(here.stdout.contains("definitions in pigsty.yml:"))
    }

    @Test func diffFormatJSONPrintsTheReportAsJSON() throws {
        let bundled = try String(contentsOf: CLITests.root.appendingPathComponent("pigsty.yml"), encoding: .utf8)
        let dir = try CLITests.temp(bundled, name: "old.yml")
        defer { try? FileManager.default.removeItem(at: dir) }
        // A new Patroni password: a file change Patroni reloads (a pg_version change would be a major
        // upgrade, which QuorumTests cover).
        let changed = bundled + "    patroni_password: Very.Secret.Patroni\n"
        try changed.write(to: dir.appendingPathComponent("new.yml"), atomically: true, encoding: .utf8)
        let r = try CLITests.run(["diff", "--format", "json", "old.yml", "new.yml"], cwd: dir)
        #expect(r.status == 2, "\(r.stderr)")
        #expect(!r.stdout.contains("Very.Secret.Patroni"))
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        #expect(obj["changed"] as? Bool == true)
        let nodes = try #require(obj["nodes"] as? [[String: Any]])
        #expect(nodes.map { $0["node"] as? String } == ["10.10.10.10"])
        let files = try #require(nodes.first?["files"] as? [[String: Any]])
        // patronictl.yml on the infra node holds the password too.
        #expect(files.map { $0["path"] as? String } == ["/infra/conf/patronictl.yml", "/pg/conf/pg-meta-1.yml"])
        let patroni = try #require(files.last)
        #expect(patroni["change"] as? String == "changed")
        let diff = try #require(patroni["diff"] as? String)
        #expect(diff.contains("+    password: ********\n"))
        let units = try #require(nodes.first?["units"] as? [[String: String]])
        #expect(units == [["unit": "patroni", "action": "reload"]])
        #expect((obj["summary"] as? [String: Int]) == ["nodes": 1, "files": 2])
        let stat = try CLITests.run(["diff", "--format", "json", "--stat", "old.yml", "new.yml"], cwd: dir)
        let statObj = try #require(try JSONSerialization.jsonObject(with: Data(stat.stdout.utf8)) as? [String: Any])
        let statFiles = try #require((statObj["nodes"] as? [[String: Any]])?.first?["files"] as? [[String: Any]])
        #expect(statFiles.first?["diff"] == nil)
        let same = try CLITests.run(["diff", "--format", "json", "old.yml", "old.yml"], cwd: dir)
        #expect(same.status == 0)
        let sameObj = try #require(try JSONSerialization.jsonObject(with: Data(same.stdout.utf8)) as? [String: Any])
        #expect(sameObj["changed"] as? Bool == false)
    }

    @Test func countsArePluralisedByNumber() throws {
        let dir = try CLITests.temp(try String(contentsOf: CLITests.root.appendingPathComponent("pigsty.yml"), encoding: .utf8))
        defer { try? FileManager.default.removeItem(at: dir) }
        let first = try CLITests.run(["compile"], cwd: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains(" files for 1 node in out/: 1 node written"), "\(first.stderr)")
        let check = try CLITests.run(["compile", "--check"], cwd: dir)
        #expect(check.stdout.hasPrefix("out is up to date (1 node, "), "\(check.stdout)")
        let bundle = try CLITests.run(["bundle", "-o", "b"], cwd: dir)
        #expect(bundle.stderr.contains("wrote 1 bundle to b/"), "\(bundle.stderr)")
    }

    @Test func strictNoteDoesNotSuggestStrict() throws {
        let dir = try CLITests.temp("all: { vars: { zzqx_custom: 1 }, hosts: {} }\n")
        defer { try? FileManager.default.removeItem(at: dir) }
        let loose = try CLITests.run(["check"], cwd: dir)
        #expect(loose.stdout.contains("pass --strict to make unknown names errors"))
        let strict = try CLITests.run(["check", "--strict"], cwd: dir)
        #expect(strict.status == 1)
        #expect(strict.stdout.contains("error[PGS0301]"))
        #expect(!strict.stdout.contains("pass --strict"), "\(strict.stdout)")
    }

    @Test func readmeCommandTableListsEveryOption() throws {
        let readme = try String(contentsOf: CLITests.root.appendingPathComponent("README.md"), encoding: .utf8)
        for command in ["check", "compile", "diff", "explain", "graph", "plan", "bundle", "ship", "schema"] {
            let help = try Self.shell(#""$PIGSTYC" \#(command) --help"#, env: ["COLUMNS": "1000"]).stdout
            let row = try #require(readme.components(separatedBy: "\n").first { $0.hasPrefix("| `pigstyc \(command)") },
                                   "README has no row for \(command)")
            let usage = help.components(separatedBy: "\n").first { $0.hasPrefix("USAGE:") } ?? ""
            // Every long option of the usage line (`--format`, `--strict`, …) appears in the row.
            for word in usage.split(separator: " ") {
                let option = word.trimmingCharacters(in: CharacterSet(charactersIn: "[]<>"))
                guard option.hasPrefix("--") else { continue }
                let shortForm = ["--output": "-o", "--limit": "-l"][option]
                #expect(row.contains("`\(option)") || row.contains(" \(option)") || row.contains("[\(option)")
                        || shortForm.map { row.contains("[\($0) ") || row.contains(" \($0) ") } == true,
                        "README's \(command) row lacks \(option)")
            }
        }
    }
}
