import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyBackends

/// chrony's configuration read by the real chronyd (Debian package `chrony`), network-isolated
/// (`unshare -n`): `chronyd -p -f FILE` parses the file and prints the configuration without
/// starting (an unknown or malformed directive is a fatal error). Fails when chronyd is missing.
struct NodeBaseRealToolTests {
    @Test func chronydParsesEveryGeneratedConfiguration() throws {
        guard let exe = PgNodeRealToolTests.tool(["/usr/sbin/chronyd"], "chronyd (Debian package chrony)") else { return }
        var facts = FactsTable()
        facts.hosts["10.10.10.12"] = NodeFacts(os: "d12", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "eth0")
        let text = NodeBaseBackendTests.with("node_ntp_servers: [ 'pool pool.ntp.org iburst', 'server ${admin_ip} iburst prefer', 'pool 2.debian.pool.ntp.org iburst maxsources 2' ]")
        let tree = try NodeBaseBackendTests.tree(text, facts: facts)
        let dir = try PgNodeRealToolTests.scratch("chrony")
        defer { try? FileManager.default.removeItem(at: dir) }
        var checked = 0
        for node in ["10.10.10.10", "10.10.10.11", "10.10.10.12", "10.10.10.13"] {
            let f = try #require(tree.files(on: node).first { $0.path.hasSuffix("chrony.conf") }, "no chrony.conf on \(node)")
            let url = dir.appendingPathComponent("\(node).conf")
            try f.content.write(to: url, atomically: false, encoding: .utf8)
            let (status, output) = try PgNodeRealToolTests.isolated([exe, "-p", "-f", url.path])
            #expect(status == 0, "chronyd rejected \(f.path) of \(node): \(output)")
            #expect(output.contains("makestep 10 120") && output.contains("allow 10.0.0.0/8"), "\(output)")
            #expect(output.contains("server 10.10.10.10 iburst prefer") == (node != "10.10.10.10"), "\(node): \(output)")
            checked += 1
        }
        #expect(checked == 4)
        // The check can fail: an unknown directive and a malformed address.
        for broken in ["pool pool.ntp.org iburst\nbogus_directive 1\n", "allow 300.1.1.1/8\n"] {
            let url = dir.appendingPathComponent("broken.conf")
            try broken.write(to: url, atomically: false, encoding: .utf8)
            let (status, output) = try PgNodeRealToolTests.isolated([exe, "-p", "-f", url.path])
            #expect(status != 0, "chronyd accepted a broken file: \(output)")
        }
    }
}
