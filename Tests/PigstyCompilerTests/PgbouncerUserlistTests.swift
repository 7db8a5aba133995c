import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyFormats
import PigstyTestSupport

/// pgbouncer's `userlist.txt`: the users Pigsty's `pgb-user` adds, with the verifiers the SQL
/// scripts set, and the real pgbouncer authenticating a client against them.
struct PgbouncerUserlistTests {
    static func inventory(_ extra: String = "") -> String {
        """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica, pgbouncer_auth_query: true }
              vars:
                pg_cluster: pg-test
                pgbouncer_port: 6543
                pg_databases: [ { name: app } ]
                pg_users:
                  - { name: app_owner, password: 'Pa"ss #1 word', pgbouncer: true }
                  - { name: app_hidden, password: hidden, pgbouncer: false }
                  - { name: app_gone, password: gone, pgbouncer: true, state: absent }
                  - { name: app_nopw, pgbouncer: true }
        \(extra)
          vars:
            admin_ip: 10.10.10.10
        """
    }

    func userlist(_ text: String, on node: String = "10.10.10.11") throws -> (GeneratedFile, FileTree) {
        let out = try emit(text, Backends.all)
        #expect(!out.sink.hasErrors, "\(out.sink.diagnostics)")
        return (try #require(out.tree.file("/etc/pgbouncer/userlist.txt", on: node)), out.tree)
    }

    func lines(_ f: GeneratedFile) -> [String] {
        f.content.split(separator: "\n").map(String.init)
    }

    @Test func usersAreThoseOfPgbUserWithTheVerifiersTheSQLSets() throws {
        let (f, tree) = try userlist(Self.inventory())
        let names = lines(f).map { $0.split(separator: " ")[0] }
        #expect(names == ["\"postgres\"", "\"dbuser_monitor\"", "\"dbuser_dba\"", "\"app_owner\"", "\"app_nopw\""])
        #expect(lines(f)[0] == "\"postgres\" \"\"")
        #expect(lines(f).last == "\"app_nopw\" \"\"")
        #expect((f.owner, f.group, f.mode) == ("postgres", "postgres", 0o600))
        #expect(f.apply == PgbouncerBackend.pgbouncerApply)
        // The verifier is the one pg-user-app_owner.sql sets, so pgbouncer and PostgreSQL agree.
        let sql = try #require(tree.file("/pg/tmp/pg-user-app_owner.sql", on: "10.10.10.11")).content
        let verifier = try #require(PgScram.verifier(password: "Pa\"ss #1 word", role: "app_owner"))
        #expect(sql.contains("'\(verifier)'"))
        #expect(lines(f).contains("\"app_owner\" \"\(verifier)\""))
        #expect(!f.content.contains("Pa\"ss"), "the password itself is written")
        #expect(f.secrets.contains(verifier))
    }

    @Test func authQueryLeavesBusinessUsersToPostgres() throws {
        let (f, _) = try userlist(Self.inventory(), on: "10.10.10.12")
        #expect(lines(f).count == 3, "\(f.content)")
    }

    @Test func md5ModeWritesMD5Verifiers() throws {
        let text = Self.inventory().replacingOccurrences(of: "pgbouncer_port: 6543", with: "pgbouncer_port: 6543\n        pg_pwd_enc: md5")
        let (f, _) = try userlist(text)
        // md5("DBUser.Monitor" + "dbuser_monitor"), as PostgreSQL computes it.
        let expected = "md5" + Insecure_md5Hex("DBUser.Monitordbuser_monitor")
        #expect(lines(f).contains("\"dbuser_monitor\" \"\(expected)\""), "\(f.content)")
    }

    /// pgbouncer (as `nobody`, in `unshare -n`, Unix socket only) loads the generated userlist and
    /// authenticates a client by SCRAM against it: the right password passes authentication (the
    /// client then hears that no server is there), a wrong one is refused.
    @Test func pgbouncerAuthenticatesAgainstTheGeneratedUserlist() throws {
        let (f, tree) = try userlist(Self.inventory())
        let ini = try #require(tree.file("/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.11")).content
        let databases = try #require(tree.file("/etc/pgbouncer/database.txt", on: "10.10.10.11")).content
        guard let pgbouncer = PgbouncerRealToolTests.pgbouncerPath else {
            Issue.record("pgbouncer is not installed (Debian package 'pgbouncer'); this test needs the real tool")
            return
        }
        let psql = try #require(["/usr/bin/psql", "/usr/local/bin/psql"].first { FileManager.default.isExecutableFile(atPath: $0) },
                                "psql (package postgresql-client) is needed")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-pgbul-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        giveToNobody(dir)
        let tool = PgbouncerRealToolTests()
        try writeForNobody(tool.relocate(ini, into: dir, version: try tool.version(pgbouncer)), to: dir.appendingPathComponent("pgbouncer.ini"))
        try writeForNobody(databases, to: dir.appendingPathComponent("database.txt"))
        try writeForNobody("", to: dir.appendingPathComponent("useropts.txt"))
        try writeForNobody(f.content, to: dir.appendingPathComponent("userlist.txt"))
        try writeForNobody("local all all scram-sha-256\n", to: dir.appendingPathComponent("pgb_hba.conf"))
        let pw = try #require(getpwnam("nobody"))
        let asNobody = getuid() == 0 ? "setpriv --reuid=\(pw.pointee.pw_uid) --regid=\(pw.pointee.pw_gid) --clear-groups " : ""
        let script = """
        set -u
        d=\(Shell.single(dir.path))
        \(asNobody)\(Shell.single(pgbouncer)) "$d/pgbouncer.ini" >"$d/stdout" 2>"$d/stderr" &
        pid=$!
        for _ in $(seq 100); do grep -q 'process up' "$d/pgbouncer.log" 2>/dev/null && break; sleep 0.1; done
        try() { PGPASSWORD=$2 PGCONNECT_TIMEOUT=3 \(Shell.single(psql)) -X -w -h "$d" -p 6543 -U "$1" -d app -c 'select 1' 2>&1; echo "status $?"; }
        echo "== right"; try app_owner 'Pa"ss #1 word'
        echo "== wrong"; try app_owner 'Pa"ss #1 wordX'
        echo "== monitor"; try dbuser_monitor DBUser.Monitor
        kill -9 "$pid"; wait "$pid" 2>/dev/null
        echo "== log"; cat "$d/pgbouncer.log" "$d/stderr"
        """
        let r = try runTool("/usr/bin/unshare", ["-n", "/bin/bash", "-c", script])
        let parts = r.output.components(separatedBy: "== ")
        func part(_ name: String) -> String { parts.first { $0.hasPrefix(name) } ?? "" }
        #expect(part("log").contains("process up"), "pgbouncer did not start:\n\(r.output)")
        #expect(!part("log").contains("broken auth file"), "pgbouncer refused the user list:\n\(r.output)")
        // Authentication passed: pgbouncer went on to connect to the (absent) server.
        #expect(!part("right").contains("authentication failed") && part("right").contains("status 2")
                    && part("right").contains("server"),
                "the right password was refused:\n\(r.output)")
        #expect(part("wrong").contains("authentication failed"), "a wrong password got through:\n\(r.output)")
        #expect(!part("monitor").contains("authentication failed"), "the monitor user was refused:\n\(r.output)")
    }
}

/// Hex MD5 as `md5sum` prints it (independent of the code under test).
private func Insecure_md5Hex(_ s: String) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/md5sum")
    let input = Pipe(), output = Pipe()
    p.standardInput = input
    p.standardOutput = output
    try? p.run()
    input.fileHandleForWriting.write(Data(s.utf8))
    try? input.fileHandleForWriting.close()
    let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    return String(text.prefix(32))
}
