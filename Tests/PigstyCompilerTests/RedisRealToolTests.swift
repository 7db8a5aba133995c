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

/// The generated Redis and keepalived configs, loaded by the real programs (Debian `redis-server`,
/// `redis-tools`, `keepalived`, `util-linux`'s `unshare`, `iproute2`'s `ip`). Everything runs in a
/// fresh network namespace (`unshare -n`), so nothing listens on or talks to the host's network.
/// A missing program is a failure, not a skip.
@Suite(.serialized)
struct RedisRealToolTests {
    static let inventory = """
    all:
      children:
        redis-ms:
          hosts: { 10.10.10.10: { redis_node: 1, redis_instances: { 6379: { }, 6380: { replica_of: '10.10.10.10 6379' } } } }
          vars:
            redis_cluster: redis-ms
            redis_password: Redis.MS.1
            redis_max_memory: 64MB
            redis_rename_commands: { FLUSHALL: 'nuke-all' }
            redis_rdb_save: [ '900 1', '300 10' ]
            redis_aof_enabled: true
        redis-meta:
          hosts: { 10.10.10.11: { redis_node: 1, redis_instances: { 26379: { } } } }
          vars: { redis_cluster: redis-meta, redis_mode: sentinel, redis_password: Sentinel.1 }
        redis-test:
          hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 6379: { } } } }
          vars: { redis_cluster: redis-test, redis_mode: cluster, redis_max_memory: 32MB }
        web:
          hosts:
            10.10.10.21: { vip_role: master }
            10.10.10.22: { }
          vars: { node_cluster: web, vip_enabled: true, vip_vrid: 42, vip_address: 10.10.10.20 }
      vars:
        admin_ip: 10.10.10.10
        redis_fs_main: @FS@
    """

    // MARK: helpers

    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let dirs: [String] = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin"]
        for dir in dirs {
            let p = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: p) { return p }
        }
        return nil
    }

    static func tempDir() throws -> URL {
        // Short: the unix socket path must fit in 108 bytes.
        let dir = URL(fileURLWithPath: "/tmp/pgsc-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    static func compile(fsMain: String) throws -> FileTree {
        let sink = DiagnosticSink()
        let text = inventory.replacingOccurrences(of: "@FS@", with: fsMain)
        let tree = Compiler.emit(
            ResourceGraph.lower(try #require(Frontend.check(SourceFile(path: "pigsty.yml", text: text), sink: sink)),
                                facts: FactsTable(), inventoryName: "pigsty.yml"),
            sink: sink, backends: [VIPBackend(), RedisBackend()])
        #expect(!sink.hasErrors, "\(sink.diagnostics.map(\.message))")
        return try #require(tree)
    }

    /// Starts the instance from its generated config in a private network namespace, with only the
    /// run-time paths overridden (later directives win): no TCP port, a unix socket, pid and log file in
    /// the temp dir, foreground. Its `dir` is the generated one (`redis_fs_main` is the temp dir).
    /// Checks PING answers PONG, runs `check` with a redis-cli runner, then shuts the server down.
    static func withServer(_ file: GeneratedFile, in dir: URL, password: String, sentinel: Bool = false,
                           check: (([String]) -> String) throws -> Void = { _ in }) throws {
        let unshare = try #require(which("unshare"), "unshare (util-linux) is required")
        let server = try #require(which("redis-server"), "redis-server is required (apt-get install redis-server)")
        let cli = try #require(which("redis-cli"), "redis-cli is required (apt-get install redis-tools)")
        let name = String(file.path.split(separator: "/").last!.dropLast(".conf".count))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent(name), withIntermediateDirectories: true)
        let sock = dir.appendingPathComponent("\(name).sock").path
        let conf = dir.appendingPathComponent("\(name).conf")
        let overrides = """

        port 0
        unixsocket \(sock)
        pidfile \(dir.path)/\(name).pid
        logfile \(dir.path)/\(name).log
        daemonize no
        \(sentinel ? "" : "supervised no")

        """
        try (file.content + overrides).write(to: conf, atomically: true, encoding: .utf8)

        let p = Process()
        p.executableURL = URL(fileURLWithPath: unshare)
        p.arguments = ["-n", server, conf.path] + (sentinel ? ["--sentinel"] : [])
        let errPath = dir.appendingPathComponent("\(name).stderr")
        FileManager.default.createFile(atPath: errPath.path, contents: nil)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: errPath)
        try p.run()
        defer {
            // SIGKILL: the test runner blocks SIGTERM and children inherit the mask.
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        /// redis-cli's answer, or the error that kept it from running.
        func redis(_ args: [String]) -> String {
            do {
                return try runTool(cli, ["-s", sock] + (password.isEmpty ? [] : ["-a", password, "--no-auth-warning"]) + args)
                    .output.trimmingCharacters(in: .whitespacesAndNewlines)
            } catch { return "redis-cli failed: \(error)" }
        }
        var pong = ""
        for _ in 0..<50 where pong != "PONG" {
            guard p.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.1)
            if FileManager.default.fileExists(atPath: sock) { pong = redis(["ping"]) }
        }
        let log = ["log", "stderr"].map {
            (try? String(contentsOf: dir.appendingPathComponent("\(name).\($0)"), encoding: .utf8)) ?? ""
        }.joined()
        #expect(pong == "PONG", "\(name) did not answer PING; log:\n\(log.suffix(2000))")
        guard pong == "PONG" else { return }
        try check(redis)
        _ = redis(["shutdown", "nosave"])
        for _ in 0..<50 where p.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        #expect(!p.isRunning, "\(name) did not shut down")
    }

    // MARK: redis

    @Test func redisServerLoadsStandaloneReplicaAndClusterConfigs() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tree = try Self.compile(fsMain: dir.path)

        let primary = try #require(tree.file("/etc/redis/redis-ms-1-6379.conf", on: "10.10.10.10"))
        try Self.withServer(primary, in: dir, password: "Redis.MS.1") { redis in
            #expect(redis(["config", "get", "maxmemory"]) == "maxmemory\n67108864")
            #expect(redis(["config", "get", "appendonly"]) == "appendonly\nyes")
            #expect(redis(["config", "get", "save"]) == "save\n900 1 300 10")
            #expect(redis(["config", "get", "dir"]) == "dir\n\(dir.path)/redis-ms-1-6379")
            // FLUSHALL exists only under its new name.
            #expect(redis(["flushall"]).contains("unknown command"))
            #expect(redis(["nuke-all"]) == "OK")
        }
        let replica = try #require(tree.file("/etc/redis/redis-ms-1-6380.conf", on: "10.10.10.10"))
        try Self.withServer(replica, in: dir, password: "Redis.MS.1") { redis in
            #expect(redis(["config", "get", "replicaof"]) == "replicaof\n10.10.10.10 6379")
        }
        let clustered = try #require(tree.file("/etc/redis/redis-test-1-6379.conf", on: "10.10.10.12"))
        try Self.withServer(clustered, in: dir, password: "") { redis in
            #expect(redis(["info", "cluster"]).contains("cluster_enabled:1"))
            #expect(redis(["config", "get", "maxmemory-policy"]) == "maxmemory-policy\nallkeys-lru")
        }
        #expect(FileManager.default.fileExists(atPath: "\(dir.path)/redis-test-1-6379/nodes-6379.conf"))
    }

    @Test func redisServerLoadsSentinelConfig() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tree = try Self.compile(fsMain: dir.path)
        let sentinel = try #require(tree.file("/etc/redis/redis-meta-1-26379.conf", on: "10.10.10.11"))
        try Self.withServer(sentinel, in: dir, password: "Sentinel.1", sentinel: true) { redis in
            #expect(redis(["info", "server"]).contains("redis_mode:sentinel"))
            #expect(redis(["sentinel", "masters"]) == "")
        }
    }

    // MARK: keepalived

    /// `keepalived -t` (config test) in a private namespace with a veth named as the config's interface.
    /// Returns the messages it printed.
    static func keepalivedTest(_ content: String, in dir: URL) throws -> (status: Int32, messages: [String]) {
        let unshare = try #require(which("unshare"), "unshare (util-linux) is required")
        let keepalived = try #require(which("keepalived"), "keepalived is required (apt-get install keepalived)")
        let ip = try #require(which("ip"), "ip (iproute2) is required")
        let conf = dir.appendingPathComponent("keepalived-\(UUID().uuidString.prefix(6)).conf")
        try content.write(to: conf, atomically: true, encoding: .utf8)
        let script = "\(ip) link add eth0 type veth peer name eth0p && exec \(keepalived) -t -l -f \(conf.path)"
        let r = try runTool(unshare, ["-n", "/bin/sh", "-c", script])
        let messages = r.output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        return (r.status, messages)
    }

    @Test func keepalivedAcceptsGeneratedConfig() throws {
        let dir = try Self.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let tree = try Self.compile(fsMain: dir.path)
        // Pigsty's defaults draw two harmless notes: the default auth_pass `<cluster>-<vrid>` is longer than
        // VRRP's 8 characters, and nopreempt is ignored on the initial MASTER. keepalived then exits 5.
        let harmless = ["Truncating auth_pass to 8 characters", "nopreempt will not work with initial state MASTER"]
        for ip in ["10.10.10.21", "10.10.10.22"] {
            let file = try #require(tree.file("/etc/keepalived/keepalived.conf", on: ip))
            let r = try Self.keepalivedTest(file.content, in: dir)
            let unexpected = r.messages.filter { m in !harmless.contains { m.contains($0) } }
            #expect(unexpected.isEmpty, "keepalived -t on \(ip): \(r.messages)")
            #expect(r.status == 0 || (r.status == 5 && !r.messages.isEmpty), "exit \(r.status): \(r.messages)")
        }
        // The harness notices a broken config.
        let file = try #require(tree.file("/etc/keepalived/keepalived.conf", on: "10.10.10.22"))
        let broken = try Self.keepalivedTest(file.content.replacingOccurrences(of: "advert_int 1", with: "advert_intt 1"), in: dir)
        #expect(broken.messages.contains { $0.contains("Unknown keyword 'advert_intt'") }, "\(broken.messages)")
    }
}
