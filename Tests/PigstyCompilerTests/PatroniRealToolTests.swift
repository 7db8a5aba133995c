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

/// Runs the real `patroni --validate-config` (Debian package `patroni`) on generated files, without
/// network (`unshare -n`). Fails when the binary is missing.
///
/// The validator also checks the machine it runs on; complaints that only say this machine is not a
/// Pigsty node (etcd unreachable, no PostgreSQL binaries, 3.0's `bootstrap.pg_hba` notice) are ignored,
/// anything else fails.
struct PatroniRealToolTests {
    static let patroni = "/usr/bin/patroni"
    static let environmentOnly = ["is not reachable", "postgresql.bin_dir", "bootstrap.pg_hba"]

    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-meta, pg_conf: crit.yml }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.10, pg_delay: 1h }
            10.10.10.12: { pg_seq: 2, pg_role: replica }
          vars: { pg_cluster: pg-test, pg_conf: tiny.yml, pg_version: 16, pg_rpo: 0 }
        pg-olap:
          hosts: { 10.10.10.13: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-olap, pg_conf: olap.yml, pg_libs: 'timescaledb, pg_stat_statements' }
      vars:
        admin_ip: 10.10.10.10
    """

    /// Problems the validator reports for `text`, minus the environment-only ones.
    func problems(_ text: String) throws -> [String] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-patroni-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("patroni.yml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let (status, output) = try runTool("/usr/bin/unshare", ["-n", Self.patroni, "--validate-config", file.path])
        let lines = output.split(separator: "\n").map(String.init)
        let real = lines.filter { line in !Self.environmentOnly.contains { line.contains($0) } }
        if status != 0 && real.isEmpty && lines.isEmpty {
            return ["patroni exited with \(status) and no message"]
        }
        return real
    }

    func generated() throws -> [GeneratedFile] {
        let tree = try emit(Self.inventory, [PatroniBackend()]).tree
        return tree.nodeNames.flatMap { ip in tree.files(on: ip).filter { $0.path.hasPrefix("/pg/conf/") } }
    }

    @Test func patroniBinaryIsInstalled() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.patroni),
                "install Debian's 'patroni' package to run the real-tool checks")
    }

    @Test func generatedConfigsPassPatroniValidation() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.patroni), "patroni is not installed")
        let files = try generated()
        #expect(files.count == 4)
        for f in files {
            let problems = try problems(f.content)
            #expect(problems.isEmpty, "\(f.path): \(problems.joined(separator: "; "))")
        }
    }

    /// The validator does catch a broken file, so the test above can fail.
    @Test func validatorRejectsABrokenConfig() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.patroni), "patroni is not installed")
        let file = try #require(try generated().first)
        let broken = file.content.replacingOccurrences(of: "10.10.10.10:5432", with: "10.10.10.10:notaport")
        #expect(broken != file.content)
        #expect(!(try problems(broken)).isEmpty)
    }
}
