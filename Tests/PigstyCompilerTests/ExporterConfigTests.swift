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

/// Alertmanager, blackbox exporter and pgbouncer exporter configurations. The first two are
/// checked by the real tools, network-isolated: `amtool check-config` (Debian package
/// `prometheus-alertmanager`) and `prometheus-blackbox-exporter --config.check` (Debian package
/// `prometheus-blackbox-exporter`); each test fails when its tool is missing.
struct ExporterConfigTests {
    static let amtool = "/usr/bin/amtool"
    static let blackbox = "/usr/bin/prometheus-blackbox-exporter"

    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 }, 10.10.10.11: { infra_seq: 2, alertmanager_enabled: false } } }
        pg-meta:
          hosts:
            10.10.10.10: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pg_exporter_cache_ttls: '2,20,120,600', pg_dbsu: dba }
            10.10.10.13: { pg_seq: 3, pg_role: replica, pgbouncer_exporter_enabled: false }
            10.10.10.14: { pg_seq: 4, pg_role: replica, pgbouncer_enabled: false }
          vars: { pg_cluster: pg-meta }
      vars: { admin_ip: 10.10.10.10 }
    """

    static func installed(_ tool: String, _ package: String) -> Bool {
        if FileManager.default.isExecutableFile(atPath: tool) { return true }
        Issue.record("\(tool) is not installed (Debian package '\(package)'); this test needs the real tool")
        return false
    }

    /// Writes `text` to a scratch file and runs `tool` with `args(path)` in a network namespace.
    func check(_ tool: String, _ text: String, _ args: (String) -> [String]) throws -> (Int32, String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-exporter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("config.yml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        let r = try runTool("/usr/bin/unshare", (getuid() == 0 ? ["-n"] : ["-r", "-n"]) + [tool] + args(file.path))
        return (r.status, r.output)
    }

    @Test func filesPerNodeWithOwnersAndReloads() throws {
        let tree = try emit(Self.inventory, [ExporterConfigBackend()]).tree
        for node in ["10.10.10.10", "10.10.10.11"] {
            let am = try #require(tree.file("/etc/alertmanager.yml", on: node))
            #expect(am.owner == "prometheus" && am.group == "infra" && am.mode == 0o644)
            #expect(am.apply == .in(.infra, .reload("alertmanager")))
            #expect(try #require(tree.file("/etc/blackbox.yml", on: node)).apply == .in(.infra, .reload("blackbox_exporter")))
        }
        #expect(tree.file("/etc/alertmanager.yml", on: "10.10.10.12") == nil)
        let pgb = try #require(tree.file("/etc/pgbouncer_exporter.yml", on: "10.10.10.12"))
        #expect(pgb.owner == "dba" && pgb.group == "postgres" && pgb.apply == .in(.pgbouncer, .reload("pgbouncer_exporter")))
        #expect(try #require(tree.file("/etc/pgbouncer_exporter.yml", on: "10.10.10.10")).owner == "postgres")
        #expect(tree.file("/etc/pgbouncer_exporter.yml", on: "10.10.10.13") == nil)
        #expect(tree.file("/etc/pgbouncer_exporter.yml", on: "10.10.10.14") == nil)
    }

    @Test func pgbouncerCollectorsTakeTheNormalCacheStage() throws {
        let tree = try emit(Self.inventory, [ExporterConfigBackend()]).tree
        let sink = DiagnosticSink()
        for (node, ttl) in [("10.10.10.10", 10), ("10.10.10.12", 20)] {
            let text = try #require(tree.file("/etc/pgbouncer_exporter.yml", on: node)).content
            let doc = try #require(YAML.parse(text, into: sink))
            let keys = (doc.mapping ?? []).compactMap { $0.key.keyName }
            #expect(keys == PgbouncerCollectors.all.map(\.key))
            #expect(doc["pgbouncer_list"]?["ttl"]?.int == 10 && doc["pgbouncer_list"]?["fatal"]?.bool == true)
            #expect(doc["pgbouncer_pool_124"]?["ttl"]?.int == ttl, "\(node)")
            #expect(doc["pgbouncer_pool_118"]?["max_version"]?.int == 12400)
            // Every column: one mapping with a known usage; descriptions whole, commas included.
            for pair in doc.mapping ?? [] {
                for column in pair.value["metrics"]?.sequence ?? [] {
                    let spec = column.mapping?.first?.value
                    #expect(["LABEL", "GAUGE", "COUNTER", "DISCARD"].contains(spec?["usage"]?.string ?? ""))
                    #expect((spec?.mapping ?? []).allSatisfy { ["usage", "rename", "scale", "description"].contains($0.key.keyName ?? "") })
                }
            }
            let paused = doc["pgbouncer_database_124"]?["metrics"]?.sequence?.compactMap { $0["paused"] }.first
            #expect(paused?["description"]?.string == "True(1) if this database is currently paused, else 0")
        }
        #expect(!sink.hasErrors)
    }

    @Test func amtoolAcceptsTheAlertmanagerConfiguration() throws {
        guard Self.installed(Self.amtool, "prometheus-alertmanager") else { return }
        let tree = try emit(Self.inventory, [ExporterConfigBackend()]).tree
        let text = try #require(tree.file("/etc/alertmanager.yml", on: "10.10.10.10")).content
        let ok = try check(Self.amtool, text) { ["check-config", $0] }
        #expect(ok.0 == 0, "\(ok.1)")
        // The check can fail: a route to a receiver that does not exist.
        let broken = try check(Self.amtool, text.replacingOccurrences(of: "receiver: default", with: "receiver: nobody")) { ["check-config", $0] }
        #expect(broken.0 != 0 && broken.1.contains("nobody"), "\(broken.1)")
    }

    @Test func blackboxAcceptsTheProbeModules() throws {
        guard Self.installed(Self.blackbox, "prometheus-blackbox-exporter") else { return }
        let tree = try emit(Self.inventory, [ExporterConfigBackend()]).tree
        let text = try #require(tree.file("/etc/blackbox.yml", on: "10.10.10.10")).content
        let args = { (path: String) in ["--config.check", "--config.file=\(path)"] }
        let ok = try check(Self.blackbox, text, args)
        #expect(ok.0 == 0 && ok.1.contains("Config file is ok"), "\(ok.1)")
        let broken = try check(Self.blackbox, text.replacingOccurrences(of: "timeout: 5s", with: "timeout: soon"), args)
        #expect(broken.0 != 0 && broken.1.contains("Error loading config"), "\(broken.1)")
    }
}
