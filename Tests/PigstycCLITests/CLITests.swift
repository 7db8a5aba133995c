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

    struct Run { let status: Int32; let stdout: String; let stderr: String }

    static func run(_ args: [String], cwd: URL = root, stdin: String? = nil) throws -> Run {
        let p = Process()
        p.executableURL = binary
        p.arguments = args
        p.currentDirectoryURL = cwd
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
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

    @Test func usageAndIOErrorsExitTwo() throws {
        let missing = try Self.run(["check", "no/such/file.yml"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read 'no/such/file.yml': no such file"))
        let dir = try Self.run(["check", "golden"])
        #expect(dir.status == 2)
        let badFlag = try Self.run(["check", "--format", "xml"])
        #expect(badFlag.status == 2)
        let unknown = try Self.run(["frobnicate"])
        #expect(unknown.status == 2)
        let help = try Self.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("check"))
    }

    @Test func inventoryDefaultsToPigstyYmlInTheWorkingDirectory() throws {
        let dir = try Self.temp("all:\n  vars: { pg_verison: 18 }\n")
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
            #expect(ds.count == 6)
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
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("did you mean 'pg_version'?"))
        let host = try Self.run(["explain", "pg_version", "--host", "10.10.10.99"])
        #expect(host.status == 2)
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
