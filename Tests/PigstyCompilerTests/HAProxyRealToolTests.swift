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

/// The generated HAProxy configuration checked by the real `haproxy -c` (Debian package
/// `haproxy`), run without network access (`unshare -n`). Fails when haproxy is not installed.
struct HAProxyRealToolTests {
    static let inventory = """
    all:
      children:
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pg_offline_query: true, pg_weight: 50, pg_port: 5444 }
            10.10.10.13: { pg_seq: 3, pg_role: replica }
          vars:
            pg_cluster: pg-test
            pg_rto: fast
            pg_services:
              - { name: standby, port: 5435, check: /sync, selector: "[]", backup: "[? pg_role == `primary`]", maxconn: 3000 }
              - { name: late, port: 5440, dest: 15432, selector: "[? pg_seq > `1`]", balance: leastconn }
        web:
          hosts:
            10.10.10.20: {}
          vars:
            haproxy_services:
              - name: web
                port: 8080
                protocol: http
                balance: leastconn
                options: [ "option httpchk", "http-check send meth GET uri /health", "http-check expect status 200" ]
                servers:
                  - { name: w1, ip: 10.10.10.21, port: 80, weight: 10, options: "check port 80" }
                  - { name: w2, ip: 10.10.10.22, port: 80, backup: true, options: check }
      vars:
        admin_ip: 10.10.10.11
        haproxy_admin_password: "odd #pass word's"
    """

    static func haproxyPath() -> String? {
        let dirs = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return dirs.map { "\($0)/haproxy" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func generate() throws -> FileTree {
        let out = try emit(Self.inventory, [HAProxyBackend()])
        #expect(!out.sink.hasErrors)
        return out.tree
    }

    /// Writes a node's /etc/haproxy into a fresh directory, returning it.
    func write(_ tree: FileTree, node: String, extra: [String: String] = [:]) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-haproxy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("conf.d"), withIntermediateDirectories: true)
        for f in tree.files(on: node) where f.path.hasPrefix("/etc/haproxy/") {
            try f.content.write(to: dir.appendingPathComponent(String(f.path.dropFirst("/etc/haproxy/".count))),
                                atomically: true, encoding: .utf8)
        }
        for (name, content) in extra {
            try content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        return dir
    }

    /// `haproxy -c -f haproxy.cfg -f conf.d/` inside a network namespace; exit status and output.
    func check(_ dir: URL, haproxy: String) throws -> (Int32, String) {
        // Unprivileged runs need a user namespace to create the network namespace.
        try runTool("/usr/bin/unshare", (getuid() == 0 ? ["-n"] : ["-r", "-n"])
            + [haproxy, "-c", "-f", dir.appendingPathComponent("haproxy.cfg").path,
               "-f", dir.appendingPathComponent("conf.d").path + "/"])
    }

    @Test func generatedConfigurationPassesHAProxyCheck() throws {
        guard let haproxy = Self.haproxyPath() else {
            Issue.record("haproxy is not installed (Debian package 'haproxy'); this test needs the real tool")
            return
        }
        let tree = try generate()
        for node in ["10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.20"] {
            let names = tree.files(on: node).map(\.path)
            #expect(names.contains("/etc/haproxy/haproxy.cfg"), "\(node): \(names)")
            let dir = try write(tree, node: node)
            defer { try? FileManager.default.removeItem(at: dir) }
            let (status, output) = try check(dir, haproxy: haproxy)
            #expect(status == 0, "haproxy -c on \(node)'s files failed:\n\(output)")
        }
        // The pg nodes really carried the services, the web node its generic one.
        #expect(tree.files(on: "10.10.10.12").filter { $0.path.hasPrefix("/etc/haproxy/conf.d/") }.count == 6)
        #expect(tree.file("/etc/haproxy/conf.d/web.cfg", on: "10.10.10.20") != nil)
    }

    @Test func haproxyCheckRejectsABrokenFile() throws {
        // Guards the test above against a check that passes anything.
        guard let haproxy = Self.haproxyPath() else {
            Issue.record("haproxy is not installed (Debian package 'haproxy'); this test needs the real tool")
            return
        }
        let dir = try write(try generate(), node: "10.10.10.11",
                            extra: ["conf.d/broken.cfg": "listen broken\n    bind *:5999\n    balance nosuchalgorithm\n"])
        defer { try? FileManager.default.removeItem(at: dir) }
        let (status, output) = try check(dir, haproxy: haproxy)
        #expect(status != 0, "haproxy accepted a broken file:\n\(output)")
    }
}
