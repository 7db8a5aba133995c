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

/// Generated HBA files loaded by the real parsers: `pg_hba.conf` by PostgreSQL 15 (Debian package
/// `postgresql-15`: `initdb` a throwaway cluster, then `postgres --single` reads the
/// `pg_hba_file_rules` view — no server, no socket) and `pgb_hba.conf` by pgbouncer (package
/// `pgbouncer`: started with a Unix socket in a temp dir only, inside `unshare -n` when root).
/// As root the tools run as `nobody` through `setpriv` (package `util-linux`); both refuse root.
/// The tests fail when a tool is missing.
struct HBARealToolTests {
    static let pgBin = "/usr/lib/postgresql/15/bin"

    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 }, 10.10.10.3: { infra_seq: 2 } } }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pg_offline_query: true }
          vars:
            pg_cluster: pg-test
            pg_hba_rules:
              - { title: first, addr: 10.20.0.0/16, user: app, db: appdb, auth: md5, order: 10 }
              - { title: replica only, role: replica, addr: cluster, auth: trust }
              - { title: offline etl, role: offline, addr: intra, user: '+dbrole_offline', auth: ssl-sha }
              - { title: certs, addr: world, user: certuser, auth: cert }
              - { title: ident host, addr: 10.30.1.1/32, user: '${monitor}', auth: os }
              - { title: deny rest, addr: all, user: '${admin}', auth: deny, order: 2000 }
              - { title: infra trust, addr: infra, auth: sha }
              - { title: raw, rules: [ 'host all all 10.40.0.0/16 scram-sha-256', 'local all nobody reject' ] }
            pgb_hba_rules:
              - { title: pgb os, addr: localhost, user: '${dbsu}', auth: os }
              - { title: pgb cert, addr: admin, user: certuser, auth: cert }
              - { title: pgb ssl, addr: cluster, auth: ssl-md5, role: primary }
      vars:
        admin_ip: 10.10.10.10
    """

    static func executable(_ paths: [String]) -> String? {
        paths.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func generate() throws -> FileTree {
        let out = try emit(Self.inventory, [HBABackend()])
        #expect(!out.sink.hasErrors)
        return out.tree
    }

    /// A fresh directory the tools' user owns.
    func tempDir(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        giveToNobody(dir)
        return dir
    }


    /// The command line, prefixed to drop root (and the network) when running as root.
    func command(_ argv: [String], isolateNetwork: Bool = false) throws -> (String, [String]) {
        guard getuid() == 0 else { return (argv[0], Array(argv.dropFirst())) }
        let setpriv = try #require(Self.executable(["/usr/bin/setpriv", "/bin/setpriv"]),
                                   "setpriv (package util-linux) is needed to run the tools as nobody")
        let pw = try #require(getpwnam("nobody"), "no user 'nobody'")
        let drop = [setpriv, "--reuid=\(pw.pointee.pw_uid)", "--regid=\(pw.pointee.pw_gid)", "--clear-groups", "--reset-env"]
        if isolateNetwork {
            let unshare = try #require(Self.executable(["/usr/bin/unshare"]), "unshare (package util-linux) is missing")
            return (unshare, ["-n"] + drop + argv)
        }
        return (drop[0], Array(drop.dropFirst()) + argv)
    }

    /// Runs a command to completion; exit status and combined output.
    func run(_ argv: [String], stdin: String? = nil) throws -> (Int32, String) {
        let (exe, args) = try command(argv)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.currentDirectoryURL = FileManager.default.temporaryDirectory
        let out = Pipe()
        p.standardOutput = out
        p.standardError = out
        let input = Pipe()
        p.standardInput = input
        try p.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    // MARK: PostgreSQL

    /// A throwaway data directory from `initdb`.
    func initdb() throws -> URL? {
        guard Self.executable(["\(Self.pgBin)/initdb"]) != nil, Self.executable(["\(Self.pgBin)/postgres"]) != nil else {
            Issue.record("PostgreSQL 15 is not installed (\(Self.pgBin)/initdb, postgres; Debian package 'postgresql-15'); this test needs the real tool")
            return nil
        }
        let dir = try tempDir("pg")
        let data = dir.appendingPathComponent("data")
        let (status, output) = try run(["\(Self.pgBin)/initdb", "-D", data.path, "-U", "postgres", "--no-sync",
                                        "--no-instructions", "-A", "trust"])
        try #require(status == 0, "initdb failed:\n\(output)")
        return dir
    }

    /// Loads `hba` as the data directory's pg_hba.conf; (rules PostgreSQL accepted, error lines).
    func postgresRules(_ hba: String, in dir: URL) throws -> (Int, String) {
        let data = dir.appendingPathComponent("data")
        try writeForNobody(hba, to: data.appendingPathComponent("pg_hba.conf"))
        // ssl=on so hostssl lines are judged as on a server with SSL; single-user mode never loads certs.
        let query = "select 'RESULT<' || count(*) filter (where error is null) || '|' || "
            + "coalesce(string_agg(line_number || ': ' || error, '; ') filter (where error is not null), '') || '>' "
            + "from pg_hba_file_rules;\n"
        let (status, output) = try run(["\(Self.pgBin)/postgres", "--single", "-D", data.path, "-c", "ssl=on",
                                        "-c", "log_min_messages=fatal", "postgres"], stdin: query)
        try #require(status == 0, "postgres --single failed:\n\(output)")
        let m = try #require(output.firstMatch(of: #/RESULT<([0-9]+)\|([^>]*)>/#), "no result in:\n\(output)")
        return (Int(m.1) ?? -1, String(m.2))
    }

    /// Rule lines in a file: neither blank nor comments.
    func ruleLines(_ text: String) -> Int {
        text.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.trimmingCharacters(in: .whitespaces).isEmpty }.count
    }

    @Test func postgresAcceptsEveryGeneratedRule() throws {
        let tree = try generate()
        guard let dir = try initdb() else { return }
        defer { try? FileManager.default.removeItem(at: dir) }
        for node in ["10.10.10.11", "10.10.10.12"] {
            let hba = try #require(tree.file("/pg/data/pg_hba.conf", on: node)).content
            let (accepted, errors) = try postgresRules(hba, in: dir)
            #expect(errors.isEmpty, "PostgreSQL rejected lines of \(node)'s pg_hba.conf: \(errors)")
            #expect(accepted == ruleLines(hba) && accepted > 20, "\(node): \(accepted) rules loaded, \(ruleLines(hba)) written")
        }
    }

    @Test func postgresRejectsABrokenRule() throws {
        // Guards the test above against a check that accepts anything.
        guard let dir = try initdb() else { return }
        defer { try? FileManager.default.removeItem(at: dir) }
        let (accepted, errors) = try postgresRules("local all all peer\nhost all all 10.0.0.0/99 md5\n", in: dir)
        #expect(accepted == 1)
        #expect(errors.hasPrefix("2: "), "\(errors)")
    }

    // MARK: pgbouncer

    /// Starts pgbouncer on `hba` (Unix socket in a temp dir, no TCP listener), waits until it is up,
    /// stops it, and returns its log.
    func pgbouncerLog(_ hba: String) throws -> String? {
        guard let pgbouncer = Self.executable(["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer"]) else {
            Issue.record("pgbouncer is not installed (Debian package 'pgbouncer'); this test needs the real tool")
            return nil
        }
        let dir = try tempDir("pgb")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = { (name: String) in dir.appendingPathComponent(name).path }
        try writeForNobody(hba, to: dir.appendingPathComponent("pgb_hba.conf"))
        try writeForNobody("", to: dir.appendingPathComponent("userlist.txt"))
        try writeForNobody("""
        [databases]
        [pgbouncer]
        listen_addr =
        listen_port = 6432
        unix_socket_dir = \(dir.path)
        pidfile = \(path("pgbouncer.pid"))
        logfile = \(path("pgbouncer.log"))
        auth_type = hba
        auth_file = \(path("userlist.txt"))
        auth_hba_file = \(path("pgb_hba.conf"))

        """, to: dir.appendingPathComponent("pgbouncer.ini"))
        let (exe, args) = try command([pgbouncer, path("pgbouncer.ini")], isolateNetwork: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        var log = ""
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            log = (try? String(contentsOfFile: path("pgbouncer.log"), encoding: .utf8)) ?? ""
            if log.contains("process up") || !p.isRunning { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        // SIGKILL: the child inherits the test thread's signal mask, where SIGTERM may be blocked.
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        #expect(log.contains("process up"), "pgbouncer did not start:\n\(log)")
        return log
    }

    func hbaWarnings(_ log: String) -> [String] {
        log.split(separator: "\n").map(String.init).filter { $0.contains("hba") && ($0.contains("WARNING") || $0.contains("ERROR")) }
    }

    @Test func pgbouncerAcceptsEveryGeneratedRule() throws {
        let tree = try generate()
        for node in ["10.10.10.11", "10.10.10.12"] {
            let hba = try #require(tree.file("/etc/pgbouncer/pgb_hba.conf", on: node)).content
            guard let log = try pgbouncerLog(hba) else { return }
            #expect(hbaWarnings(log).isEmpty, "pgbouncer rejected lines of \(node)'s pgb_hba.conf:\n\(log)")
        }
    }

    @Test func pgbouncerRejectsABrokenRule() throws {
        guard let log = try pgbouncerLog("local all all peer\nhost all all 10.0.0.0/8 bogus\n") else { return }
        #expect(!hbaWarnings(log).isEmpty, "pgbouncer accepted a broken rule:\n\(log)")
    }
}
