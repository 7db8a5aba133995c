import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats
import PigstyTestSupport

/// Hostile inventory values through the config writers (`RedisConfWriter`, `KeepalivedWriter`,
/// `EnvFileWriter`, `PostgresConfWriter`), judged by the real programs: redis-server loads the
/// password as exactly itself, keepalived keeps a quoted interface as one token, `sh` sources the
/// environment file to exactly one variable, PostgreSQL (`postgres -C`, as nobody, no network)
/// reads every value back and nothing else is set. A missing program is a failure.
@Suite(.serialized)
struct ConfWriterRealToolTests {
    static let pgBin = "/usr/lib/postgresql/15/bin"

    /// Space, both quotes, backslash, tab, CR and LF, and an attempt to switch authentication off.
    static let redisPassword = "S3 c\"r\\e\t'x\r\nt requirepass \"\""
    static let pgHostile = "64MB'\narchive_mode = 'on"
    static let pgTricky = "a\\b ' c\td\r\ne \\n \\' $x"

    static func inventory(fsMain: String) -> String {
        """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            pg-test:
              hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
              vars:
                pg_cluster: pg-test
                pg_parameters:
                  log_line_prefix: "64MB'\\narchive_mode = 'on"
                  dynamic_library_path: "a\\\\b ' c\\td\\r\\ne \\\\n \\\\' $x"
                  "bad\\nname": 1
                  "x = 1 #": 1
                  shared_preload_libraries: "pg_cron, auto_explain"
                  cron.database_name: postgres
                  temp_tablespaces: fast
            redis-ms:
              hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 6379: { } } } }
              vars: { redis_cluster: redis-ms, redis_password: "S3 c\\"r\\\\e\\t'x\\r\\nt requirepass \\"\\"" }
            web:
              hosts: { 10.10.10.21: { vip_role: master }, 10.10.10.22: { } }
              vars:
                node_cluster: web
                vip_enabled: true
                vip_vrid: 42
                vip_address: 10.10.10.20
                vip_interface: "eth0\\n    notify_master \\"/bin/sh -c id\\""
                vip_auth_pass: "a b#c!d\\"e}"
          vars:
            admin_ip: 10.10.10.10
            redis_fs_main: \(fsMain)
            vmetrics_scrape_interval: "10s'\\nEVIL=1 \\"$HOME\\" `id`"
        """
    }

    static func compile(fsMain: String = "/data/redis") throws -> Emitted {
        // Unchecked: the hostile values hold control characters, which check rejects (PGS0315);
        // the writers must still give each its meaning.
        try emit(inventory(fsMain: fsMain), [RedisBackend(), VIPBackend(), MetricsBackend(), PostgresAutoConfBackend()],
                 checked: false)
    }

    // MARK: redis

    @Test func redisLoadsHostilePasswordAsItself() throws {
        let dir = try RedisRealToolTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try Self.compile(fsMain: dir.path)
        let file = try #require(out.tree.file("/etc/redis/redis-ms-1-6379.conf", on: "10.10.10.12"))
        // One line each, no directive but the intended ones.
        #expect(file.content.split(separator: "\n").filter { $0.hasPrefix("requirepass") }.count == 1)
        #expect(file.content.contains(#"requirepass "S3 c\"r\\e\t'x\r\nt requirepass \"\"""#))
        try RedisRealToolTests.withServer(file, in: dir, password: Self.redisPassword) { redis in
            #expect(redis(["config", "get", "requirepass"]) == "requirepass\n" + Self.redisPassword)
            #expect(redis(["config", "get", "masterauth"]) == "masterauth\n" + Self.redisPassword)
        }
    }

    @Test func redisArgumentQuoting() {
        #expect(RedisConfWriter.argument("Redis.MS.1") == "Redis.MS.1")
        #expect(RedisConfWriter.argument("") == "\"\"")
        #expect(RedisConfWriter.argument("it's") == #""it's""#)
        #expect(RedisConfWriter.argument("a\u{1}\u{7F}") == #""a\x01\x7f""#)
        var w = RedisConfWriter()
        w.directive("rename-command", [.word("FLUSHALL"), .quoted("nuke-all")])
        w.directive("save", "900", "1")
        #expect(w.text == "rename-command FLUSHALL \"nuke-all\"\nsave 900 1\n")
    }

    // MARK: keepalived

    @Test func keepalivedKeepsHostileValuesOneToken() throws {
        let dir = try RedisRealToolTests.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try Self.compile()
        let file = try #require(out.tree.file("/etc/keepalived/keepalived.conf", on: "10.10.10.21"))
        #expect(file.content.contains(#"  interface "eth0\n    notify_master \x22/bin/sh -c id\x22""#))
        #expect(file.content.contains(#"    auth_pass "a b#c!d\x22e}""#))
        #expect(!file.content.split(separator: "\n").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix("notify") })
        let r = try RedisRealToolTests.keepalivedTest(file.content, in: dir)
        // The whole hostile text is one token, the interface name keepalived refuses ...
        let interface = r.messages.filter { $0.contains(#"Interface name 'eth0\n    notify_master \x22/bin/sh -c id\x22' too long"#) }
        #expect(interface.count == 1, "\(r.messages)")
        // ... and nothing else is amiss: no unknown keyword, unmatched quote or brace, no script,
        // the password with a space, `#`, `!`, quote and brace read as one (truncated) token.
        let others = r.messages.filter { !$0.contains("Interface name") && !$0.contains("(web) Unknown interface!") && !$0.contains("Truncating auth_pass to 8 characters")
            && !$0.contains("nopreempt will not work with initial state MASTER") }
        #expect(others.isEmpty, "\(r.messages)")
    }

    @Test func keepalivedTokens() {
        #expect(KeepalivedWriter.token("10.10.10.20/24") == "10.10.10.20/24")
        #expect(KeepalivedWriter.token("") == "\"\"")
        #expect(KeepalivedWriter.token("a b") == "\"a b\"")
        #expect(KeepalivedWriter.token("x\"\n\r\0\u{1}") == #""x\x22\n\r\0\x01""#)
    }

    // MARK: environment files

    @Test func environmentFileSourcesToExactlyOneVariable() throws {
        let out = try Self.compile()
        let file = try #require(out.tree.file("/etc/default/vmalert", on: "10.10.10.10"))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-env-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("vmalert")
        try file.content.write(to: path, atomically: true, encoding: .utf8)
        for shell in ["/bin/sh", "/bin/bash"] where FileManager.default.isExecutableFile(atPath: shell) {
            // The one variable's value, then whether EVIL is set, NUL-separated.
            let r = try runTool("/usr/bin/env", ["-i", shell, "-c",
                                                 "set -a; . \(path.path); printf '%s\\0%s' \"$VMALERT_OPTS\" \"${EVIL-unset}\""])
            let parts = r.output.split(separator: "\0", omittingEmptySubsequences: false)
            #expect(r.status == 0 && parts.count == 2, "\(shell): \(r.output)")
            let value = String(parts.first ?? "")
            #expect(value.hasSuffix("-evaluationInterval=10s'\nEVIL=1 \"$HOME\" `id`  "), "\(shell): \(value)")
            #expect(parts.last == "unset", "\(shell): EVIL was set")
        }
        var w = EnvFileWriter()
        w.set("VMETRICS_OPTS", "-a -b")
        w.set("X", "it's\0")
        #expect(w.text == "VMETRICS_OPTS='-a -b'\nX='it'\\''s\\0'\n")
    }

    // MARK: postgresql.auto.conf

    @Test func postgresReadsHostileValuesBackAsThemselves() throws {
        let out = try Self.compile()
        let rejected = out.sink.diagnostics.filter { $0.code == .pgParameterName }
        #expect(rejected.count == 2, "\(out.sink.diagnostics.map(\.message))")
        let file = try #require(out.tree.file("/pg/data/postgresql.auto.conf", on: "10.10.10.11"))
        let body = file.content.split(separator: "\n").dropFirst().joined(separator: "\n")
        #expect(body == [
            #"log_line_prefix = '64MB''\narchive_mode = ''on'"#,
            #"dynamic_library_path = 'a\\b '' c"# + "\t" + #"d\r\ne \\n \\'' $x'"#,
            "shared_preload_libraries = 'pg_cron, auto_explain'",
            "cron.database_name = 'postgres'",
            "temp_tablespaces = fast",
        ].joined(separator: "\n"))

        let postgres = "\(Self.pgBin)/postgres"
        try #require(FileManager.default.isExecutableFile(atPath: postgres), "PostgreSQL 15 is required (Debian package postgresql-15)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-pgconf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        giveToNobody(dir)
        try writeForNobody("", to: dir.appendingPathComponent("postgresql.conf"))
        try writeForNobody(file.content, to: dir.appendingPathComponent("postgresql.auto.conf"))
        /// `postgres -C name`: the value from the config files, without starting a server.
        func show(_ name: String) throws -> String {
            var argv = [postgres, "-C", name, "-D", dir.path]
            if getuid() == 0 {
                let pw = try #require(getpwnam("nobody"))
                argv = ["/usr/bin/unshare", "-n", "/usr/bin/setpriv", "--reuid=\(pw.pointee.pw_uid)", "--regid=\(pw.pointee.pw_gid)",
                        "--clear-groups", "--reset-env"] + argv
            }
            let r = try runTool(argv[0], Array(argv.dropFirst()))
            #expect(r.status == 0, "postgres -C \(name): \(r.output)")
            return r.output.hasSuffix("\n") ? String(r.output.dropLast()) : r.output
        }
        #expect(try show("log_line_prefix") == Self.pgHostile)
        #expect(try show("dynamic_library_path") == Self.pgTricky)
        #expect(try show("archive_mode") == "off")
        #expect(try show("shared_preload_libraries") == "pg_cron, auto_explain")
        #expect(try show("temp_tablespaces") == "fast")
    }

    @Test func postgresNamesAndBareValues() {
        for name in ["work_mem", "cron.database_name", "_x9"] { #expect(PostgresConfWriter.isName(name), "\(name)") }
        for name in ["", "9x", "a.b.c", "a.", ".a", "a b", "a\nb", "a-b", "wörk"] { #expect(!PostgresConfWriter.isName(name), "\(name)") }
        for v in ["64MB", "on", "-1", "0.5", "pg_cron", "a/b:c-d.e"] { #expect(PostgresConfWriter.isBareValue(v), "\(v)") }
        for v in ["", "a, b", "'x'", "1 2", "x\n", "1.", "#", "/a/b"] { #expect(!PostgresConfWriter.isBareValue(v), "\(v)") }
    }
}
