import Foundation
import Testing

/// The exported JSON Schema, run through a standard draft-07 validator (Python's `jsonschema`,
/// installed by scripts/setup), accepts real inventories and flags a misspelled parameter.
struct JSONSchemaValidationTests {
    static let validator = """
    import json, sys, yaml, jsonschema
    schema = json.load(open(sys.argv[1]))
    jsonschema.Draft7Validator.check_schema(schema)
    v = jsonschema.Draft7Validator(schema)
    for path in sys.argv[2:]:
        errors = sorted(v.iter_errors(yaml.safe_load(open(path))), key=lambda e: list(e.absolute_path))
        print(path, len(errors), ";".join("/".join(map(str, e.absolute_path)) for e in errors))
    """

    func validate(_ files: [String]) throws -> [String: (Int, String)] {
        let root = CLITests.root
        let r = try Process.runCapturing("/usr/bin/env", ["python3", "-c", Self.validator, "schema/pigsty.schema.json"] + files, cwd: root)
        #expect(r.status == 0, "validator failed: \(r.stderr)")
        var out: [String: (Int, String)] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count >= 2, let n = Int(parts[1]) else { continue }
            out[String(parts[0])] = (n, parts.count > 2 ? String(parts[2]) : "")
        }
        return out
    }

    @Test func acceptsValidInventoriesAndFlagsAMisspelling() throws {
        let dir = try CLITests.temp("""
        all:
          children:
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-meta, pg_verison: 18, app_owner: me }
          vars: { admin_ip: 10.10.10.10 }
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let typo = dir.appendingPathComponent("pigsty.yml").path
        let results = try validate(["pigsty.yml", "golden/ok-minimal/pigsty.yml", "golden/levels/pigsty.yml", typo])
        #expect(results["pigsty.yml"]?.0 == 0, "\(results["pigsty.yml"]?.1 ?? "")")
        #expect(results["golden/ok-minimal/pigsty.yml"]?.0 == 0)
        #expect(results["golden/levels/pigsty.yml"]?.0 == 0)
        // pg_verison is flagged; the custom app_owner is not.
        #expect(results[typo]?.0 == 1)
        #expect(results[typo]?.1 == "all/children/pg-meta/vars")
    }

    /// Templates where typed values are expected (Pigsty's conf/demo/minio.yml writes
    /// `repo_packages: "{{ … | list }}"`) are accepted; a plain string is not.
    @Test func acceptsTemplatesWhereTypedValuesAreExpected() throws {
        let dir = try CLITests.temp("""
        all:
          children:
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary, pg_weight: "{{ 50 + 50 }}" } }
              vars: { pg_cluster: pg-meta, pg_port: "{{ 5432 + 1 }}" }
          vars:
            admin_ip: 10.10.10.10
            repo_packages: "{{ repo_packages_default | reject('equalto', 'pgsql-utility') | list }}"
        """)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bad = try CLITests.temp("all: { vars: { admin_ip: 10.10.10.10, repo_packages: not-a-list } }")
        defer { try? FileManager.default.removeItem(at: bad) }
        let good = dir.appendingPathComponent("pigsty.yml").path, wrong = bad.appendingPathComponent("pigsty.yml").path
        let results = try validate([good, wrong])
        #expect(results[good]?.0 == 0, "\(results[good]?.1 ?? "")")
        #expect(results[wrong]?.0 == 1)
    }
}

extension Process {
    struct Captured { let status: Int32; let stdout: String; let stderr: String }

    static func runCapturing(_ exe: String, _ args: [String], cwd: URL) throws -> Captured {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = cwd
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Captured(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}
