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

/// The generated dnsmasq and VictoriaMetrics files, read by the real programs: `dnsmasq --test` and a
/// dnsmasq started in a private network namespace (`unshare -n`, only loopback up) from the generated
/// configuration, reading every record file; `promtool check config` with the file-SD target files, and
/// `promtool check rules` and `vmalert -dryRun` with the agent rules. A missing program is a failure.
@Suite(.serialized)
struct DnsmasqMetricsRealToolTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10:
              infra_seq: 1
              pg_exporters:
                20001: { pg_cluster: pg-rds, pg_seq: 1, pg_host: 10.10.10.31 }
                20002: { pg_cluster: pg-rds, pg_seq: 2, pg_host: 10.10.10.32 }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-meta, pg_vip_enabled: true, pg_vip_address: 10.10.10.2/24, pg_dns_suffix: .db }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica }
          vars: { pg_cluster: pg-test, pg_dns_target: none }
        pg-adhoc:
          hosts: { 10.10.10.15: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-adhoc, pg_dns_target: 10.10.10.99/32 }
        redis-ms:
          hosts: { 10.10.10.13: { redis_node: 1, redis_instances: { 6379: { }, 6380: { replica_of: '10.10.10.13 6379' } } } }
          vars: { redis_cluster: redis-ms }
        minio:
          hosts: { 10.10.10.14: { minio_seq: 1, vip_role: master } }
          vars: { minio_cluster: minio, node_cluster: s3, vip_enabled: true, vip_vrid: 9, vip_address: 10.10.10.9 }
      vars:
        admin_ip: 10.10.10.10
        patroni_ssl_enabled: true
    """

    static func which(_ name: String) -> String? { RedisRealToolTests.which(name) }

    static func compile() throws -> [GeneratedFile] {
        let tree = try emit(inventory, [DnsmasqBackend(), MetricsBackend()]).tree
        return tree.files(on: "10.10.10.10")
    }

    /// A scratch directory readable by the unprivileged user dnsmasq switches to.
    static func tempDir() throws -> URL {
        let dir = try RedisRealToolTests.tempDir()
        chmod(dir.path, 0o755)
        return dir
    }

    // MARK: dnsmasq

    /// Stages the configuration under `dir`: record files in `dir/pigsty`, an empty `dir/conf.d`, and the
    /// configuration with its paths moved there, loopback only, `port`, and an unprivileged user.
    static func stageDnsmasq(_ files: [GeneratedFile], in dir: URL, port: Int) throws -> (conf: URL, records: [GeneratedFile]) {
        let records = files.filter { $0.path.hasPrefix("/etc/dnsmasq.d/pigsty/") }
        let hostsdir = dir.appendingPathComponent("pigsty"), confdir = dir.appendingPathComponent("conf.d")
        for d in [hostsdir, confdir] {
            try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
            chmod(d.path, 0o755)
        }
        for r in records {
            let name = String(r.path.dropFirst("/etc/dnsmasq.d/pigsty/".count))
            try r.content.write(to: hostsdir.appendingPathComponent(name), atomically: false, encoding: .utf8)
        }
        let original = try #require(files.first { $0.path == "/etc/dnsmasq.conf" }).content
        let user = getuid() == 0 ? ["user=nobody", "group=nogroup"] : []
        let staged = original.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> String? in
            if line.hasPrefix("hostsdir=") { return "hostsdir=\(hostsdir.path)" }
            if line.hasPrefix("conf-dir=") { return "conf-dir=\(confdir.path)" }
            if line.hasPrefix("listen-address=") { return "listen-address=127.0.0.1" }
            if line.hasPrefix("port=") { return "port=\(port)" }
            if line.hasPrefix("user=") || line.hasPrefix("group=") { return nil }
            return String(line)
        }.joined(separator: "\n") + "\n" + user.joined(separator: "\n") + "\n"
        let conf = dir.appendingPathComponent("dnsmasq.conf")
        try staged.write(to: conf, atomically: false, encoding: .utf8)
        return (conf, records)
    }

    /// Runs dnsmasq from `conf` in a fresh network namespace until it has read `expected` record files
    /// (or 5 s passed, or it exited); returns its log.
    static func runDnsmasq(_ conf: URL, in dir: URL, expected: Int) throws -> String {
        let unshare = try #require(which("unshare"), "unshare (util-linux) is required")
        let ip = try #require(which("ip"), "ip (iproute2) is required")
        let dnsmasq = try #require(which("dnsmasq"), "dnsmasq is required (apt-get install dnsmasq-base)")
        let log = dir.appendingPathComponent("dnsmasq.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: unshare)
        p.arguments = ["-n", "/bin/sh", "-c",
                       "\(ip) link set lo up && exec \(dnsmasq) --keep-in-foreground --conf-file=\(conf.path) --no-resolv --log-facility=- --pid-file="]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: log)
        try p.run()
        defer {
            // SIGKILL: the test runner blocks SIGTERM and children inherit the mask.
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        var text = ""
        for _ in 0..<50 {
            text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let reads = text.split(separator: "\n").filter { $0.contains(": read ") }.count
            if reads >= expected || !p.isRunning { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return text
    }

    /// Names in a hosts-format file as dnsmasq counts them: every field after the address.
    static func nameCount(_ content: String) -> Int {
        content.split(separator: "\n").filter { !$0.hasPrefix("#") }
            .map { $0.split(whereSeparator: { $0 == " " || $0 == "\t" }).count - 1 }.filter { $0 > 0 }.reduce(0, +)
    }

    @Test func dnsmasqTestAcceptsTheConfigurationAndRefusesABrokenOne() throws {
        let dnsmasq = try #require(Self.which("dnsmasq"), "dnsmasq is required (apt-get install dnsmasq-base)")
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (conf, _) = try Self.stageDnsmasq(Self.compile(), in: dir, port: 5353)
        let ok = try runTool(dnsmasq, ["--test", "--conf-file=\(conf.path)"])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("syntax check OK"))
        let broken = dir.appendingPathComponent("broken.conf")
        try (String(contentsOf: conf, encoding: .utf8) + "listen-adress=127.0.0.1\n").write(to: broken, atomically: false, encoding: .utf8)
        let bad = try runTool(dnsmasq, ["--test", "--conf-file=\(broken.path)"])
        #expect(bad.status != 0)
        #expect(bad.output.contains("bad option"), "\(bad.output)")
    }

    @Test func dnsmasqLoadsEveryRecordFile() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (conf, records) = try Self.stageDnsmasq(Self.compile(), in: dir, port: 5353)
        let names = Set(records.map { String($0.path.split(separator: "/").last ?? "") })
        #expect(names == ["default", "pg-meta", "pg-meta-1", "pg-test", "pg-test-1", "pg-test-2", "pg-adhoc", "pg-adhoc-1",
                          "s3.vip", "minio-1"])
        let log = try Self.runDnsmasq(conf, in: dir, expected: records.count)
        #expect(!log.contains("bad address") && !log.contains("bad name"), "\(log)")
        for r in records {
            let name = String(r.path.split(separator: "/").last ?? "")
            let line = "read \(dir.path)/pigsty/\(name) - \(Self.nameCount(r.content)) names"
            #expect(log.contains(line), "\(line) not in log:\n\(log)")
        }
        #expect(Self.nameCount(records.first { $0.path.hasSuffix("/default") }?.content ?? "") == 7)
    }

    @Test func dnsmasqReportsABrokenRecordFile() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        var files = try Self.compile()
        files.append(GeneratedFile(path: "/etc/dnsmasq.d/pigsty/broken", content: "10.10.10.300 pg-broken\n", producer: "test"))
        let (conf, records) = try Self.stageDnsmasq(files, in: dir, port: 5353)
        let log = try Self.runDnsmasq(conf, in: dir, expected: records.count)
        #expect(log.contains("bad address at \(dir.path)/pigsty/broken line 1"), "\(log)")
    }

    // MARK: promtool / vmalert

    /// Stages `prometheus.yml` and its target files under `dir`, with placeholder TLS files. promtool 2.42
    /// checks `__address__` before relabelling, so redis targets lose their `redis://` scheme in the copy.
    static func stagePrometheus(_ files: [GeneratedFile], in dir: URL) throws -> URL {
        let pki = dir.appendingPathComponent("pki")
        try FileManager.default.createDirectory(at: pki, withIntermediateDirectories: true)
        for f in ["ca.crt", "infra.crt", "infra.key"] { FileManager.default.createFile(atPath: pki.appendingPathComponent(f).path, contents: Data()) }
        for f in files where f.path.hasPrefix("/infra/targets/") {
            let url = dir.appendingPathComponent("targets").appendingPathComponent(String(f.path.dropFirst("/infra/targets/".count)))
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try f.content.replacingOccurrences(of: "redis://", with: "").write(to: url, atomically: false, encoding: .utf8)
        }
        let prom = try #require(files.first { $0.path == "/infra/prometheus.yml" }).content
            .replacingOccurrences(of: "/infra/targets/", with: "\(dir.path)/targets/")
            .replacingOccurrences(of: "/etc/pki/", with: "\(pki.path)/")
        let url = dir.appendingPathComponent("prometheus.yml")
        try prom.write(to: url, atomically: false, encoding: .utf8)
        return url
    }

    @Test func promtoolAcceptsTheScrapeConfigWithItsTargets() throws {
        let promtool = try #require(Self.which("promtool"), "promtool is required (apt-get install prometheus)")
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try Self.compile()
        let jobs = Set(files.compactMap { f -> String? in
            guard f.path.hasPrefix("/infra/targets/") else { return nil }
            return String(f.path.split(separator: "/")[2])
        })
        #expect(jobs == ["infra", "node", "ping", "etcd", "minio", "pgsql", "patroni", "redis", "pgrds"])
        let prom = try Self.stagePrometheus(files, in: dir)
        let ok = try runTool(promtool, ["check", "config", prom.path])
        #expect(ok.status == 0, "\(ok.output)")
        #expect(ok.output.contains("SUCCESS"))
        for job in jobs.sorted() {
            #expect(!ok.output.contains("targets/\(job)/*.yml\" for file_sd in scrape job"), "\(job) targets not found:\n\(ok.output)")
        }
        // A target file with a misspelt field fails the whole check.
        let node = dir.appendingPathComponent("targets/node/10.10.10.11.yml")
        try (String(contentsOf: node, encoding: .utf8) + "- targetz: [ 10.10.10.11:9100 ]\n").write(to: node, atomically: false, encoding: .utf8)
        let bad = try runTool(promtool, ["check", "config", prom.path])
        #expect(bad.status != 0)
        #expect(bad.output.contains("field targetz not found"), "\(bad.output)")
    }

    @Test func promtoolAndVmalertAcceptTheAgentRules() throws {
        let promtool = try #require(Self.which("promtool"), "promtool is required (apt-get install prometheus)")
        let vmalert = try #require(Self.which("vmalert"), "vmalert is required (apt-get install victoria-metrics)")
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let rules = try #require(Self.compile().first { $0.path == "/infra/rules/agent.yml" }).content
        let good = dir.appendingPathComponent("agent.yml")
        try rules.write(to: good, atomically: false, encoding: .utf8)
        let p = try runTool(promtool, ["check", "rules", good.path])
        #expect(p.status == 0, "\(p.output)")
        #expect(p.output.contains("SUCCESS: 14 rules found"), "\(p.output)")
        let v = try runTool(vmalert, ["-dryRun", "-rule=\(good.path)", "-loggerLevel=ERROR"])
        #expect(v.status == 0, "\(v.output)")

        let broken = dir.appendingPathComponent("broken.yml")
        try rules.replacingOccurrences(of: #"up{job="etcd"}"#, with: #"up{job="etcd""#).write(to: broken, atomically: false, encoding: .utf8)
        let pb = try runTool(promtool, ["check", "rules", broken.path])
        #expect(pb.status != 0)
        #expect(pb.output.contains("etcd_up"), "\(pb.output)")
        let vb = try runTool(vmalert, ["-dryRun", "-rule=\(broken.path)", "-loggerLevel=ERROR"])
        #expect(vb.status != 0)
        #expect(vb.output.contains("etcd_up"), "\(vb.output)")
    }
}
