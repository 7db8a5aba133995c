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

/// The generated etcd.conf, started by the real etcd (Debian `etcd-server`) in a fresh network
/// namespace with only loopback up (`unshare -n`). etcd 3.4 has no check flag and reads only the
/// file, so a copy is rewritten for the sandbox: every member address maps to 127.0.0.1 with its
/// own ports (keeping "this member is in initial-cluster" meaningful), the data directory goes to
/// a temp dir, TLS sections become plain http. A missing binary is a failure, not a skip.
@Suite(.serialized)
struct EtcdRealToolTests {
    static let inventory = """
    all:
      children:
        etcd:
          hosts:
            10.10.10.10: { etcd_seq: 1 }
            10.10.10.11: { etcd_seq: 2 }
            10.10.10.2: { etcd_seq: 3 }
          vars: { etcd_cluster: etcd, etcd_election_timeout: 1500, etcd_heartbeat_interval: 150 }
      vars:
        admin_ip: 10.10.10.10
    """

    static func generated() throws -> [String: String] {
        let sink = DiagnosticSink()
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", text: inventory), sink: sink))
        var out: [String: String] = [:]
        for node in tree.nodeNames { out[node] = tree.file("/etc/etcd/etcd.conf", on: node)?.content }
        return out
    }

    /// The sandbox copy: node IPs → 127.0.0.1 with distinct ports, https → http, data in `dir`.
    static func sandboxed(_ conf: String, dir: URL) -> String {
        // The loopback client listener first, so that mapped addresses are not rewritten twice.
        var text = conf.replacingOccurrences(of: ",https://127.0.0.1:2379\"", with: ",http://127.0.0.1:23799\"")
        for (i, ip) in ["10.10.10.10", "10.10.10.11", "10.10.10.2"].enumerated() {
            text = text.replacingOccurrences(of: "\(ip):2380", with: "127.0.0.1:\(23800 + i)")
            text = text.replacingOccurrences(of: "\(ip):2379", with: "127.0.0.1:\(23790 + i)")
        }
        text = text.replacingOccurrences(of: "https://", with: "http://")
        text = text.replacingOccurrences(of: "data-dir: /data/etcd", with: "data-dir: \(dir.path)/data")
        // TLS blocks are dropped: the sandbox has no certificates and speaks plain http.
        var kept: [Substring] = []
        var skipping = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasSuffix("-transport-security:") { skipping = true; continue }
            if skipping, line.hasPrefix("  ") { continue }
            skipping = false
            kept.append(line)
        }
        return kept.joined(separator: "\n") + "\nlog-outputs: [stderr]\n"
    }

    /// Starts etcd on a config for up to 10 s; true when it gets as far as running raft.
    static func serves(_ conf: String) throws -> (ok: Bool, log: String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/etcd"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") else {
            Issue.record("etcd or unshare is missing: install Debian's etcd-server and util-linux (scripts/setup)")
            return (false, "")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-etcd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("etcd.conf")
        try sandboxed(conf, dir: dir).write(to: file, atomically: true, encoding: .utf8)
        let logURL = dir.appendingPathComponent("etcd.log")
        FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
        p.arguments = ["-n", "sh", "-c", "ip link set lo up 2>/dev/null; exec /usr/bin/etcd --config-file \"$0\"", file.path]
        p.standardOutput = try FileHandle(forWritingTo: logURL)
        p.standardError = p.standardOutput
        try p.run()
        defer {
            // SIGKILL: the test runner blocks SIGTERM and children inherit the mask.
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        let deadline = Date().addingTimeInterval(10)
        var log = ""
        while Date() < deadline {
            log = (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
            // A lone member of a 3-node cluster never gets quorum, but it only reaches raft (adding
            // the initial members, holding elections) once the whole configuration is valid.
            if log.contains("membership: added member") && log.contains("starting a new election") {
                return (true, log)
            }
            if !p.isRunning { return (false, log) }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (false, log)
    }

    @Test func generatedMembersStart() throws {
        let confs = try Self.generated()
        #expect(confs.count == 3)
        for (node, conf) in confs.sorted(by: { $0.key < $1.key }) {
            let (ok, log) = try Self.serves(conf)
            #expect(ok, "etcd did not start from the configuration of \(node):\n\(log.suffix(1500))")
        }
    }

    @Test func aBrokenConfigurationIsRejected() throws {
        let conf = try #require(try Self.generated()["10.10.10.11"])
        // A member name that is not in initial-cluster: etcd must refuse to start.
        let broken = conf.replacingOccurrences(of: "name: etcd-2", with: "name: etcd-9")
        let (ok, log) = try Self.serves(broken)
        #expect(!ok)
        #expect(log.contains("etcd-9"), "\(log.suffix(800))")
    }
}
