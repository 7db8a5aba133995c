import Foundation
import Testing

/// `scripts/e2e`: four local nodes (network, mount and PID namespaces, each with sshd), deployed
/// by the built `pigstyc ship` over SSH, then checked (etcd, Patroni and replication, pgbouncer,
/// HAProxy, dnsmasq, an idempotent second ship). Fails, not skips, when a tool is missing or the
/// run is not root: scripts/setup installs the packages.
struct EndToEndTests {
    @Test(.timeLimit(.minutes(10)))
    func scriptsE2EDeploysAndChecksFourNodes() throws {
        let script = CLITests.root.appendingPathComponent("scripts/e2e").path
        let r = try Process.runCapturing("/usr/bin/timeout", ["-s", "KILL", "540", script, "--pigstyc", CLITests.binary.path],
                                         cwd: CLITests.root)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let summary = lines.last ?? ""
        #expect(r.status == 0, "scripts/e2e exited \(r.status)\n\(r.stdout.suffix(4000))\n\(r.stderr.suffix(4000))")
        #expect(summary.hasPrefix("e2e: 4 nodes, leader pg-test-"), "\(summary)")
        #expect(summary.contains(", 2 replicas streaming, "), "\(summary)")
        #expect(summary.range(of: #"deploy [0-9]+ s"#, options: .regularExpression) != nil, "\(summary)")
    }
}
