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

/// The generated alert rules checked by the real `promtool check rules` (Debian package
/// `prometheus`) and `vmalert -dryRun` (Debian package `victoria-metrics`), run without network
/// access (`unshare -n`). Fails when either tool is missing.
struct AlertRulesRealToolTests {
    static let promtool = "/usr/bin/promtool"
    static let vmalert = "/usr/bin/vmalert"

    static func toolsInstalled() -> Bool {
        for tool in [promtool, vmalert] where !FileManager.default.isExecutableFile(atPath: tool) {
            Issue.record("\(tool) is not installed (Debian packages 'prometheus' and 'victoria-metrics'); this test needs the real tool")
            return false
        }
        return true
    }

    /// Writes the rule files of one infra node of the every-module inventory (plus `extra`) into a
    /// fresh directory, returning it and the file names.
    func write(extra: [String: String] = [:]) throws -> (URL, [String]) {
        let tree = try emit(AlertRulesBackendTests.everything, [AlertRulesBackend()]).tree
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        var names: [String] = []
        for f in tree.files(on: "10.10.10.10") where f.path.hasPrefix("/infra/rules/") {
            let name = String(f.path.dropFirst("/infra/rules/".count))
            try f.content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            names.append(name)
        }
        for (name, content) in extra {
            try content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
            names.append(name)
        }
        return (dir, names)
    }

    /// Runs a tool inside a network namespace; exit status and output. A tool that hangs is
    /// killed (SIGKILL) after 60 seconds.
    func run(_ tool: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = (getuid() == 0 ? ["-n"] : ["-r", "-n"]) + [tool] + args
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-rules-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let handle = try FileHandle(forWritingTo: out)
        defer { try? FileManager.default.removeItem(at: out) }
        p.standardOutput = handle
        p.standardError = handle
        try p.run()
        let deadline = Date().addingTimeInterval(60)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        try handle.close()
        return (p.terminationStatus, (try? String(contentsOf: out, encoding: .utf8)) ?? "")
    }

    func promtoolCheck(_ dir: URL, _ name: String) throws -> (Int32, String) {
        try run(Self.promtool, ["check", "rules", dir.appendingPathComponent(name).path])
    }

    func vmalertCheck(_ dir: URL, _ name: String) throws -> (Int32, String) {
        try run(Self.vmalert, ["-dryRun", "-rule=\(dir.appendingPathComponent(name).path)", "-loggerLevel=ERROR"])
    }

    @Test func everyGeneratedRuleFilePassesPromtoolAndVmalert() throws {
        guard Self.toolsInstalled() else { return }
        let (dir, names) = try write()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(names == ["etcd.yml", "infra.yml", "minio.yml", "node.yml", "pgsql.yml", "redis.yml"])
        for name in names {
            let (p, pout) = try promtoolCheck(dir, name)
            #expect(p == 0, "promtool check rules \(name):\n\(pout)")
            let (v, vout) = try vmalertCheck(dir, name)
            #expect(v == 0, "vmalert -dryRun \(name):\n\(vout)")
        }
    }

    @Test func bothToolsRejectABrokenRule() throws {
        // Guards the test above against checks that pass anything.
        guard Self.toolsInstalled() else { return }
        let broken = """
        groups:
          - name: broken
            rules:
              - alert: Broken
                expr: 'sum(up{job="node"} > '
                for: 1m
        """
        let (dir, _) = try write(extra: ["broken.yml": broken])
        defer { try? FileManager.default.removeItem(at: dir) }
        let (p, pout) = try promtoolCheck(dir, "broken.yml")
        #expect(p != 0, "promtool accepted a broken rule:\n\(pout)")
        let (v, vout) = try vmalertCheck(dir, "broken.yml")
        #expect(v != 0, "vmalert accepted a broken rule:\n\(vout)")
    }
}
