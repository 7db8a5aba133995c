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

/// The generated pgbouncer.ini, database.txt and useropts.txt loaded by the real pgbouncer (Debian
/// package `pgbouncer`). Only the host paths are redirected into a temp dir and the TCP listener
/// is dropped (`listen_addr =`, Unix socket in the temp dir); every other line is pgbouncer's to
/// judge. As root it runs as `nobody` (through `setpriv`, package `util-linux`) inside `unshare -n`.
/// The tests fail when pgbouncer is missing.
struct PgbouncerRealToolTests {
    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pgbouncer_auth_query: true, pgbouncer_poolmode: session }
          vars:
            pg_cluster: pg-test
            pg_listen: '${ip},${vip},${lo}'
            pg_vip_enabled: true
            pg_vip_address: 10.10.10.3/24
            pg_vip_interface: eth1
            pgbouncer_port: 6543
            pgbouncer_ignore_param: [ extra_float_digits, application_name ]
            pg_databases:
              - { name: meta, pool_auth_user: dbuser_meta, pool_mode: session, pool_size: 10, pool_size_min: 1, pool_reserve: 5, pool_connlimit: 50 }
              - { name: stmt, pool_mode: statement }
              - { name: direct, pgbouncer: false }
              - { name: plain }
            pg_users:
              - { name: app_mode_only, password: x, pool_mode: transaction }
              - { name: app_limit_only, password: x, pool_connlimit: 20 }
              - { name: app_both, password: x, pool_mode: statement, pool_connlimit: 3 }
      vars:
        admin_ip: 10.10.10.10
    """

    /// Settings pgbouncer gained after some release, with that release: an older binary (Debian 12
    /// ships 1.18) rejects them as unknown, so they are left out when testing with it.
    static let newerSettings: [(key: String, since: [Int])] = [("max_prepared_statements", [1, 21])]

    static var pgbouncerPath: String? {
        ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func generate() throws -> FileTree {
        let out = try emit(Self.inventory, [PgbouncerBackend()])
        #expect(!out.sink.hasErrors)
        return out.tree
    }


    /// The installed version as numbers, from `pgbouncer --version` ("PgBouncer 1.18.0").
    func version(_ pgbouncer: String) throws -> [Int] {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: pgbouncer)
        p.arguments = ["--version"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        let m = try #require(text.firstMatch(of: #/PgBouncer ([0-9]+)\.([0-9]+)/#), "unexpected version output: \(text)")
        return [Int(m.1) ?? 0, Int(m.2) ?? 0]
    }

    /// The generated pgbouncer.ini with host paths moved into `dir` and no TCP listener.
    func relocate(_ ini: String, into dir: URL, version: [Int]) -> String {
        let moved: [String: String] = [
            "listen_addr": "",
            "unix_socket_dir": dir.path,
            "pidfile": dir.appendingPathComponent("pgbouncer.pid").path,
            "logfile": dir.appendingPathComponent("pgbouncer.log").path,
            "auth_file": dir.appendingPathComponent("userlist.txt").path,
            "auth_hba_file": dir.appendingPathComponent("pgb_hba.conf").path,
        ]
        let dropped = Set(Self.newerSettings.filter { version.lexicographicallyPrecedes($0.since) }.map(\.key))
        var seen: Set<String> = []
        var lines: [String] = []
        for line in ini.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("%include /etc/pgbouncer/") {
                lines.append("%include " + dir.path + "/" + line.dropFirst("%include /etc/pgbouncer/".count))
                seen.insert("%include")
                continue
            }
            let key = line.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            if dropped.contains(key) { continue }
            if let value = moved[key] {
                lines.append("\(key) = \(value)")
                seen.insert(key)
            } else {
                lines.append(line)
            }
        }
        #expect(seen == Set(moved.keys).union(["%include"]), "settings to relocate missing from pgbouncer.ini: \(seen)")
        return lines.joined(separator: "\n")
    }

    /// Starts pgbouncer on the given files, waits until it is up or has exited, stops it; its log
    /// followed by its stderr.
    func start(ini: String, databases: String, userOptions: String) throws -> String? {
        guard let pgbouncer = Self.pgbouncerPath else {
            Issue.record("pgbouncer is not installed (Debian package 'pgbouncer'); this test needs the real tool")
            return nil
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-pgb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        giveToNobody(dir)
        try writeForNobody(relocate(ini, into: dir, version: try version(pgbouncer)), to: dir.appendingPathComponent("pgbouncer.ini"))
        try writeForNobody(databases, to: dir.appendingPathComponent("database.txt"))
        try writeForNobody(userOptions, to: dir.appendingPathComponent("useropts.txt"))
        try writeForNobody("\"postgres\" \"\"\n", to: dir.appendingPathComponent("userlist.txt"))
        try writeForNobody("local all all peer\n", to: dir.appendingPathComponent("pgb_hba.conf"))

        var argv = [pgbouncer, dir.appendingPathComponent("pgbouncer.ini").path]
        if getuid() == 0 {
            let setpriv = try #require(["/usr/bin/setpriv", "/bin/setpriv"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                       "setpriv (package util-linux) is needed to run pgbouncer as nobody")
            let unshare = try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare") ? "/usr/bin/unshare" : nil,
                                       "unshare (package util-linux) is missing")
            let pw = try #require(getpwnam("nobody"), "no user 'nobody'")
            argv = [unshare, "-n", setpriv, "--reuid=\(pw.pointee.pw_uid)", "--regid=\(pw.pointee.pw_gid)",
                    "--clear-groups", "--reset-env"] + argv
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        // Errors found while loading the configuration go to stderr only (the log is opened later).
        let stderrURL = dir.appendingPathComponent("stderr.txt")
        FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        let stderrFile = try FileHandle(forWritingTo: stderrURL)
        defer { try? stderrFile.close() }
        p.standardOutput = FileHandle.nullDevice
        p.standardError = stderrFile
        try p.run()
        let logPath = dir.appendingPathComponent("pgbouncer.log").path
        var log = ""
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if log.contains("process up") || !p.isRunning { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        // SIGKILL: the test runner's threads block SIGTERM, and the child inherits that mask.
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        let stderr = (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? ""
        return ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? log) + stderr
    }

    func problems(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter {
            $0.contains(" WARNING ") || $0.contains(" ERROR ") || $0.contains(" FATAL ")
        }
    }

    @Test func pgbouncerLoadsTheGeneratedConfiguration() throws {
        let tree = try generate()
        for node in ["10.10.10.11", "10.10.10.12"] {
            let ini = try #require(tree.file("/etc/pgbouncer/pgbouncer.ini", on: node)).content
            let databases = try #require(tree.file("/etc/pgbouncer/database.txt", on: node)).content
            let users = try #require(tree.file("/etc/pgbouncer/useropts.txt", on: node)).content
            // The inventory exercises every pool field, both one-sided user lines and auth_query.
            #expect(databases.contains("min_pool_size=1") && users.contains("=  max_user_connections=20"))
            #expect(node == "10.10.10.11" || ini.contains("auth_query"))
            guard let log = try start(ini: ini, databases: databases, userOptions: users) else { return }
            #expect(log.contains("process up"), "pgbouncer did not start with \(node)'s configuration:\n\(log)")
            #expect(problems(log).isEmpty, "pgbouncer complained about \(node)'s configuration:\n\(log)")
        }
    }

    @Test func pgbouncerRejectsABrokenUserOption() throws {
        // Guards the test above against a check that accepts anything.
        let tree = try generate()
        let ini = try #require(tree.file("/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.11")).content
        let databases = try #require(tree.file("/etc/pgbouncer/database.txt", on: "10.10.10.11")).content
        guard let log = try start(ini: ini, databases: databases, userOptions: "app = pool_mode=bogus\n") else { return }
        #expect(!log.contains("process up"), "pgbouncer started with a broken pool_mode:\n\(log)")
        #expect(!problems(log).isEmpty, "no error logged:\n\(log)")
    }
}
