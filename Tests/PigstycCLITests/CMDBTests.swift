import Foundation
import PigstyCMDB
import XCTest

/// A throwaway PostgreSQL 15 for one test class: `initdb` into a temporary directory, the server
/// listening on a Unix socket there only (`listen_addresses=''`), inside `unshare -n` (as the
/// `postgres` user) when the tests run as root; stopped by its postmaster's PID.
final class TestPostgres {
    static let bin = "/usr/lib/postgresql/15/bin"
    let dir: URL
    let process: Process
    private(set) var postmasterPID: pid_t = 0
    private var databases = 0

    struct Unavailable: Error, CustomStringConvertible { let description: String }

    init() throws {
        let fm = FileManager.default
        guard fm.isExecutableFile(atPath: "\(Self.bin)/initdb"), fm.isExecutableFile(atPath: "\(Self.bin)/postgres") else {
            throw Unavailable(description: "PostgreSQL 15 is not installed (\(Self.bin); Debian package 'postgresql-15', see scripts/setup)")
        }
        // A short path: a Unix socket's path is limited to about 100 bytes.
        dir = URL(fileURLWithPath: "/tmp/pgsc-\(UUID().uuidString.prefix(8))")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let root = getuid() == 0
        if root { _ = try Self.run("/bin/chown", ["postgres:postgres", dir.path]) }
        let asUser: [String] = root ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []
        let initdb = try Self.run(asUser.first ?? "\(Self.bin)/initdb",
                                  Array(asUser.dropFirst()) + (root ? ["\(Self.bin)/initdb"] : []) +
                                      ["-D", dir.appendingPathComponent("data").path, "-U", "postgres", "-A", "trust", "--no-sync"])
        guard initdb.status == 0 else { throw Unavailable(description: "initdb failed: \(initdb.output)") }
        let server = ["\(Self.bin)/postgres", "-D", dir.appendingPathComponent("data").path,
                      "-c", "listen_addresses=", "-c", "unix_socket_directories=\(dir.path)",
                      "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
        let argv = root ? ["/usr/bin/unshare", "-n"] + asUser + server : server
        process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        let log = dir.appendingPathComponent("server.log")
        fm.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // Ready when a connection succeeds; the postmaster's PID is the first line of postmaster.pid.
        let deadline = Date().addingTimeInterval(60)
        while true {
            if let c = try? PQConnection(url(database: "postgres")) {
                c.close()
                break
            }
            if !process.isRunning || Date() > deadline {
                let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                throw Unavailable(description: "postgres did not start:\n\(text)")
            }
            usleep(100_000)
        }
        let pidFile = try String(contentsOf: dir.appendingPathComponent("data/postmaster.pid"), encoding: .utf8)
        postmasterPID = pid_t(pidFile.split(separator: "\n").first.flatMap { Int32($0) } ?? 0)
    }

    func url(database: String) -> String { "postgresql://postgres@/\(database)?host=\(dir.path)" }

    /// A new, empty database (one per test, so tests do not see each other's tables).
    func freshDatabase() throws -> String {
        databases += 1
        let name = "t\(databases)"
        let c = try PQConnection(url(database: "postgres"))
        defer { c.close() }
        try c.exec("CREATE DATABASE \(name)")
        return url(database: name)
    }

    func stop() {
        if postmasterPID > 0 { kill(postmasterPID, SIGINT) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: dir)
    }

    static func run(_ exe: String, _ args: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

final class CMDBTests: XCTestCase {
    nonisolated(unsafe) static var server: TestPostgres?
    nonisolated(unsafe) static var startError: String?

    override class func setUp() {
        super.setUp()
        do { server = try TestPostgres() } catch { startError = "\(error)" }
    }

    override class func tearDown() {
        server?.stop()
        server = nil
        super.tearDown()
    }

    func db() throws -> String {
        guard let server = Self.server else {
            XCTFail("no PostgreSQL for the CMDB tests: \(Self.startError ?? "unknown")")
            throw TestPostgres.Unavailable(description: Self.startError ?? "")
        }
        return try server.freshDatabase()
    }

    // MARK: helpers

    @discardableResult
    func pigstyc(_ args: [String], expect status: Int32? = 0, file: StaticString = #filePath, line: UInt = #line) throws -> Process.Captured {
        let r = try CLITests.run(args)
        if let status { XCTAssertEqual(r.status, status, "pigstyc \(args.joined(separator: " ")):\n\(r.stdout)\n\(r.stderr)", file: file, line: line) }
        return r
    }

    func temp(_ text: String, name: String = "pigsty.yml") throws -> String {
        let dir = try CLITests.temp(text, name: name)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-cmdb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// Every file of a tree by relative path.
    func tree(_ dir: URL) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let base = dir.resolvingSymlinksInPath().path
        for case let url as URL in FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])! {
            guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
            let path = url.resolvingSymlinksInPath().path
            out[String(path.dropFirst(base.count))] = try Data(contentsOf: url)
        }
        return out
    }

    /// Compiles `inventory` into a new directory and returns its tree.
    func compiled(_ inventory: String, facts: String? = nil) throws -> [String: Data] {
        let out = try tempDir().appendingPathComponent("out")
        try pigstyc(["compile", inventory, "-o", out.path] + (facts.map { ["--facts", $0] } ?? []))
        return try tree(out)
    }

    /// The inventory tables' content (every column but the timestamps) and the revision count.
    func tables(_ url: String) throws -> String {
        let c = try PQConnection(url)
        defer { c.close() }
        guard try c.exec("SELECT to_regclass('pigsty.revision') IS NOT NULL").scalar == "t" else { return "no schema" }
        var out = ""
        for table in [#"pigsty."group""#, "pigsty.group_child", "pigsty.host", "pigsty.global_var", "pigsty.group_var", "pigsty.host_var"] {
            let rows = try c.exec("""
                SELECT coalesce(json_agg(j ORDER BY j::text), '[]')::text
                FROM (SELECT to_jsonb(t) - 'ctime' - 'mtime' AS j FROM \(table) t) s
                """).scalar ?? ""
            out += "\(table): \(rows)\n"
        }
        out += "revisions: " + (try c.exec("SELECT count(*) FROM pigsty.revision").scalar ?? "") + "\n"
        return out
    }

    func sql(_ url: String, _ statement: String) throws {
        let c = try PQConnection(url)
        defer { c.close() }
        try c.exec(statement)
    }

    static let nested = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pgsql:
              children:
                pg-meta:
                  hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: pg-meta, pg_parameters: { work_mem: 64MB, max_connections: 200 } }
                pg-test:
                  hosts:
                    10.10.10.12: { pg_seq: 2, pg_role: replica }
                    10.10.10.11: { pg_seq: 1, pg_role: primary, my_ratio: 1.50, my_raw: !unsafe '{{ x }}' }
                  vars: { pg_cluster: pg-test, pg_users: [ { name: test, password: test.pw, roles: [ dbrole_admin ] } ] }
              vars:
                pg_version: 17
                ansible_group_priority: 2
            prod:
              children:
                pg-test:
              vars: { node_tune: oltp, yes_thing: yes, nothing: ~ }
          vars:
            version: v4.0
            admin_ip: 10.10.10.10
            region: default
            proxy_env: { no_proxy: "localhost,127.0.0.1", z: 1, a: 2 }
        """

    // MARK: tests

    /// compile postgres://… writes the same tree, byte for byte, as compile of the file it was
    /// loaded from: the bundled pigsty.yml, the golden inventories without errors, nested groups.
    func testCompileFromTheCMDBIsByteIdentical() throws {
        let nested = try temp(Self.nested)
        var cases: [(String, String?)] = [("pigsty.yml", nil), ("golden/cluster-trio/pigsty.yml", "golden/cluster-trio/facts.yml"), (nested, nil)]
        for name in ["bundled", "cluster-trio", "ok-minimal", "pgsql-crossmodule", "strict-unknown", "yaml-duplicate-key"] {
            cases.append(("golden/\(name)/pigsty.yml", nil))
        }
        for (inventory, facts) in cases {
            let url = try db()
            try pigstyc(["cmdb", "load", inventory, "--db", url])
            let fromFile = try compiled(inventory, facts: facts)
            let fromDB = try compiled(url, facts: facts)
            XCTAssertFalse(fromFile.isEmpty)
            XCTAssertEqual(fromFile.keys.sorted(), fromDB.keys.sorted(), inventory)
            for (path, data) in fromFile where fromDB[path] != data {
                XCTFail("\(inventory): \(path) differs when compiled from the CMDB")
            }
        }
    }

    func testASecondLoadOfTheSameContentRecordsNoRevision() throws {
        let url = try db()
        let first = try pigstyc(["cmdb", "load", "pigsty.yml", "--db", url, "--author", "alice"])
        XCTAssertTrue(first.stdout.hasPrefix("revision 1 of "), first.stdout)
        let before = try tables(url)
        let second = try pigstyc(["cmdb", "load", "pigsty.yml", "--db", url])
        XCTAssertTrue(second.stdout.contains("no revision recorded"), second.stdout)
        XCTAssertEqual(try tables(url), before)
        let log = try pigstyc(["cmdb", "log", "--db", url, "--short"])
        XCTAssertEqual(log.stdout.split(separator: "\n").count, 1, log.stdout)
        XCTAssertTrue(log.stdout.contains("revision 1 ") && log.stdout.contains("by alice"), log.stdout)
    }

    func testLoadDumpLoadGivesIdenticalTables() throws {
        for inventory in ["pigsty.yml", try temp(Self.nested)] {
            let first = try db(), second = try db()
            try pigstyc(["cmdb", "load", inventory, "--db", first])
            let dump = try pigstyc(["cmdb", "dump", "--db", first])
            XCTAssertTrue(dump.stdout.hasPrefix("all:\n  children:\n"), dump.stdout)
            let dumped = try temp(dump.stdout)
            try pigstyc(["cmdb", "load", dumped, "--db", second])
            XCTAssertEqual(try tables(first), try tables(second))
            // Loading the dump where it came from changes nothing.
            let again = try pigstyc(["cmdb", "load", dumped, "--db", first])
            XCTAssertTrue(again.stdout.contains("no revision recorded"), again.stdout)
        }
        // The dump is in Pigsty's style: plain strings, host variables inline.
        let url = try db()
        try pigstyc(["cmdb", "load", try temp(Self.nested), "--db", url])
        let text = try pigstyc(["cmdb", "dump", "--db", url]).stdout
        XCTAssertTrue(text.contains("        10.10.10.11: { pg_seq: 1, pg_role: primary, my_ratio: 1.50, my_raw: !unsafe \"{{ x }}\" }\n"), text)
        XCTAssertTrue(text.contains("    proxy_env: { no_proxy: 'localhost,127.0.0.1', z: 1, a: 2 }\n"), text)
        XCTAssertTrue(text.contains("    prod:\n      children:\n        pg-test:\n      vars:\n"), text)
    }

    func testAnInvalidInventoryLeavesTheTablesUnchanged() throws {
        let url = try db()
        try pigstyc(["cmdb", "load", "golden/pgsql-identity/pigsty.yml", "--db", url], expect: 1)
        XCTAssertEqual(try tables(url), "no schema")
        try pigstyc(["cmdb", "load", "pigsty.yml", "--db", url])
        let before = try tables(url)
        let r = try pigstyc(["cmdb", "load", "golden/pgsql-identity/pigsty.yml", "--db", url], expect: 1)
        XCTAssertTrue(r.stderr.contains("error[PGS0404]") && r.stderr.contains("nothing loaded"), r.stderr)
        XCTAssertEqual(try tables(url), before)
    }

    func testAFailureMidLoadLeavesTheTablesUnchanged() throws {
        let url = try db()
        try pigstyc(["cmdb", "load", "pigsty.yml", "--db", url])
        let before = try tables(url)
        let changed = try temp(try String(contentsOfFile: "\(CLITests.root.path)/pigsty.yml", encoding: .utf8)
            .replacingOccurrences(of: "pg_cluster: pg-meta", with: "pg_cluster: pg-meta\n        my_marker: 1"))
        // A trigger that raises on the 3rd host variable written.
        try sql(url, "CREATE SEQUENCE public.rows_seen")
        try sql(url, """
            CREATE FUNCTION public.fail_on_third() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF nextval('public.rows_seen') = 3 THEN RAISE EXCEPTION 'injected failure'; END IF; RETURN NEW; END $$
            """)
        try sql(url, "CREATE TRIGGER fail_on_third BEFORE INSERT ON pigsty.host_var FOR EACH ROW EXECUTE FUNCTION public.fail_on_third()")
        let raised = try pigstyc(["cmdb", "load", changed, "--db", url], expect: 73)
        XCTAssertTrue(raised.stderr.contains("injected failure"), raised.stderr)
        XCTAssertEqual(try tables(url), before)
        // The connection killed in the middle of the load (the backend terminates itself on the 3rd row).
        try sql(url, "DROP TRIGGER fail_on_third ON pigsty.host_var")
        try sql(url, """
            CREATE FUNCTION public.die_on_third() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF nextval('public.rows_seen') % 100 = 3 THEN PERFORM pg_terminate_backend(pg_backend_pid()); END IF; RETURN NEW; END $$
            """)
        try sql(url, "SELECT setval('public.rows_seen', 100)")
        try sql(url, "CREATE TRIGGER die_on_third BEFORE INSERT ON pigsty.group_var FOR EACH ROW EXECUTE FUNCTION public.die_on_third()")
        let killed = try pigstyc(["cmdb", "load", changed, "--db", url], expect: 73)
        XCTAssertTrue(killed.stderr.contains("nothing loaded") && killed.stderr.contains("server closed the connection"), killed.stderr)
        XCTAssertEqual(try tables(url), before)
        try sql(url, "DROP TRIGGER die_on_third ON pigsty.group_var")
        try pigstyc(["cmdb", "load", changed, "--db", url])
        XCTAssertNotEqual(try tables(url), before)
    }

    func testAPastRevisionCompilesTheOldInventory() throws {
        let url = try db()
        let old = "pigsty.yml"
        let new = try temp(try String(contentsOfFile: "\(CLITests.root.path)/pigsty.yml", encoding: .utf8)
            .replacingOccurrences(of: "pg_cluster: pg-meta", with: "pg_cluster: pg-meta\n        pg_max_conn: 321"))
        try pigstyc(["cmdb", "load", old, "--db", url])
        let second = try pigstyc(["cmdb", "load", new, "--db", url])
        XCTAssertTrue(second.stdout.contains("revision 2 of ") && second.stdout.contains("1 added, 0 removed, 0 changed"), second.stdout)
        XCTAssertEqual(try compiled(url + "#rev=1"), try compiled(old))
        XCTAssertEqual(try compiled(url + "#rev=2"), try compiled(new))
        XCTAssertEqual(try compiled(url), try compiled(new))
        XCTAssertNotEqual(try compiled(url + "#rev=1"), try compiled(url))
        let diff = try pigstyc(["diff", url + "#rev=1", url], expect: 2)
        XCTAssertTrue(diff.stdout.contains("max_connections"), diff.stdout)
        try pigstyc(["diff", url + "#rev=2", url], expect: 0)
        let missing = try pigstyc(["check", url + "#rev=9"], expect: 66)
        XCTAssertTrue(missing.stderr.contains("no revision 9"), missing.stderr)
        let log = try pigstyc(["cmdb", "log", "--db", url])
        XCTAssertTrue(log.stdout.contains("    + pigsty.group_var(pg-meta).pg_max_conn\n"), log.stdout)
        XCTAssertTrue(log.stdout.hasPrefix("revision 2 "), log.stdout)
    }

    /// `inventory --list` is Ansible's dynamic-inventory model: groups with their own hosts, vars
    /// and children; `_meta.hostvars` with each host's own variables; the same from either source.
    func testInventoryListIsAnsiblesModel() throws {
        let file = try temp("""
            all:
              children:
                pgsql:
                  children:
                    pg-test:
                      hosts:
                        10.10.10.11: { pg_seq: 1, pg_role: primary }
                        10.10.10.12: { pg_seq: 2, pg_role: replica, my_weight: 1.5 }
                      vars: { pg_cluster: pg-test, pg_users: [ { name: u, roles: [ a ] } ] }
                  vars: { pg_version: 17 }
                infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
              vars: { admin_ip: 10.10.10.10, flag: true, nothing: ~ }
            """)
        let expected: [String: Any] = [
            "_meta": ["hostvars": [
                "10.10.10.11": ["pg_seq": 1, "pg_role": "primary"],
                "10.10.10.12": ["pg_seq": 2, "pg_role": "replica", "my_weight": 1.5],
                "10.10.10.10": ["infra_seq": 1],
            ]],
            "all": ["children": ["pgsql", "infra"], "vars": ["admin_ip": "10.10.10.10", "flag": true, "nothing": NSNull()]],
            "pgsql": ["children": ["pg-test"], "vars": ["pg_version": 17]],
            "pg-test": ["hosts": ["10.10.10.11", "10.10.10.12"],
                        "vars": ["pg_cluster": "pg-test", "pg_users": [["name": "u", "roles": ["a"]]]]],
            "infra": ["hosts": ["10.10.10.10"]],
        ]
        let url = try db()
        try pigstyc(["cmdb", "load", file, "--db", url])
        for source in [file, url] {
            let out = try pigstyc(["inventory", source, "--list"]).stdout
            let json = try JSONSerialization.jsonObject(with: Data(out.utf8)) as? NSDictionary
            XCTAssertEqual(json, expected as NSDictionary, "\(source):\n\(out)")
            let host = try pigstyc(["inventory", source, "--host", "10.10.10.12"]).stdout
            let vars = try JSONSerialization.jsonObject(with: Data(host.utf8)) as? NSDictionary
            XCTAssertEqual(vars, ["admin_ip": "10.10.10.10", "flag": true, "nothing": NSNull(), "pg_version": 17,
                                  "pg_cluster": "pg-test", "pg_users": [["name": "u", "roles": ["a"]]],
                                  "pg_seq": 2, "pg_role": "replica", "my_weight": 1.5] as NSDictionary, host)
        }
        try pigstyc(["inventory", file], expect: 64)
        try pigstyc(["inventory", file, "--host", "10.9.9.9"], expect: 64)
    }

    /// Diagnostics of an inventory read from the CMDB name the table, the row and the key; a row
    /// edited in the database (its JSONB value) is what is read.
    func testDiagnosticsNameTheTableRowAndKey() throws {
        let url = try db()
        try pigstyc(["cmdb", "load", try temp(Self.nested), "--db", url])
        try sql(url, #"UPDATE pigsty.host_var SET value = '"one"' WHERE host(ip) = '10.10.10.11' AND key = 'pg_seq'"#)
        let r = try pigstyc(["check", url], expect: 1)
        XCTAssertTrue(r.stdout.contains(": pigsty.host_var(pg-test, 10.10.10.11).pg_seq: error[PGS0302]"), r.stdout)
        XCTAssertTrue(r.stdout.contains(": pigsty.group_var(prod).yes_thing: warning[PGS0301]"), r.stdout)
        let json = try pigstyc(["check", url, "--format", "json"], expect: 1).stdout
        XCTAssertTrue(json.contains(#""location" : "pigsty.host_var(pg-test, 10.10.10.11).pg_seq""#), json)
    }

    func testBadRowsAreDiagnostics() throws {
        let url = try db()
        try pigstyc(["cmdb", "load", try temp(Self.nested), "--db", url])
        try sql(url, "INSERT INTO pigsty.host (cls, ip, ord) VALUES ('ghost', '10.10.10.99', 0)")
        try sql(url, "INSERT INTO pigsty.group_child (parent, cls, ord) VALUES ('nowhere', 'infra', 1)")
        try sql(url, "INSERT INTO pigsty.group_child (parent, cls, ord) VALUES ('pg-test', 'missing', 1)")
        let r = try pigstyc(["check", url], expect: 1)
        XCTAssertTrue(r.stdout.contains(": pigsty.host(ghost, 10.10.10.99): error[PGS0213]: host 10.10.10.99 is in no group"), r.stdout)
        XCTAssertTrue(r.stdout.contains(": pigsty.group_child(nowhere, infra): error[PGS0213]"), r.stdout)
        XCTAssertTrue(r.stdout.contains(": pigsty.group_child(pg-test, missing): error[PGS0213]"), r.stdout)
        try pigstyc(["compile", url, "-o", try tempDir().appendingPathComponent("out").path], expect: 1)
        try pigstyc(["cmdb", "dump", "--db", url], expect: 1)
    }

    func testNoPasswordInMessages() throws {
        let url = try db()
        let socket = Self.server!.dir.path
        let r = try pigstyc(["check", "postgresql://postgres:S3cr3tPw@/nosuchdb?host=\(socket)"], expect: 66)
        XCTAssertTrue(r.stderr.contains("cannot read 'postgresql://postgres@/nosuchdb?host=\(socket)'"), r.stderr)
        XCTAssertTrue(r.stderr.contains("nosuchdb"), r.stderr)
        let load = try pigstyc(["cmdb", "load", "pigsty.yml", "--db", "postgresql://postgres:S3cr3tPw@/nosuchdb?host=\(socket)"], expect: 73)
        for text in [r.stdout, r.stderr, load.stdout, load.stderr] { XCTAssertFalse(text.contains("S3cr3tPw"), text) }
        let query = try pigstyc(["check", url + "&password=S3cr3tPw#rev=1"], expect: 66)
        XCTAssertFalse(query.stderr.contains("S3cr3tPw"), query.stderr)
        try pigstyc(["check", url + "#rev=x"], expect: 64)
    }

    /// Values JSON cannot carry (key order, integer keys, tags, numbers as written, odd strings)
    /// come back from the CMDB exactly, through a dump too.
    func testValuesSurviveTheTables() throws {
        let file = try temp(#"""
            all:
              children:
                infra:
                  hosts:
                    10.10.10.10:
                      infra_seq: 1
                      my_text: "quote \" backslash \\ tab \t newline \n bell \a é ✓ \u2028"
                      my_block: |
                        line one
                          line two
                      my_strings: [ "yes", "1.0", "", "~", "null", '#', 'a: b', "- x", "<<" ]
                      my_numbers: [ 0x1F, 0o17, 1_000, -2.50, 1e3, 1.0e+3, .inf, -.NaN, 123456789012345678901234567890 ]
                      my_when: [ 2001-12-14, 2001-12-14t21:59:43.10-05:00 ]
                      my_map: { z: 1, a: 2, 3: three, "<<": merge-looking, "": empty, yes: boolean-key }
                      my_nested: [ [], {}, [ [ 1 ] ], { k: [ { x: null } ] } ]
                      my_tagged: !unsafe "{{ not a template }}"
                      my_str_tag: !!str 123
                      my_bools: [ yes, No, on, OFF, true ]
              vars:
                admin_ip: 10.10.10.10
            """#)
        let url = try db()
        try pigstyc(["cmdb", "load", file, "--db", url])
        XCTAssertEqual(try pigstyc(["inventory", url, "--list"]).stdout, try pigstyc(["inventory", file, "--list"]).stdout)
        let explained = try pigstyc(["explain", "my_map", "--host", "10.10.10.10", url]).stdout
        XCTAssertTrue(explained.contains("pigsty.host_var(infra, 10.10.10.10).my_map"), explained)
        let dump = try temp(try pigstyc(["cmdb", "dump", "--db", url]).stdout)
        let second = try db()
        try pigstyc(["cmdb", "load", dump, "--db", second])
        XCTAssertEqual(try tables(url), try tables(second))
        XCTAssertEqual(try pigstyc(["inventory", second, "--list"]).stdout, try pigstyc(["inventory", file, "--list"]).stdout)
    }

    func testLocationsHideThePassword() throws {
        let a = try CMDBLocation("postgres://alice:p%40ss@db.example:5433/meta?sslmode=require&password=other#rev=4")
        XCTAssertEqual(a.conninfo, "postgres://alice:p%40ss@db.example:5433/meta?sslmode=require&password=other")
        XCTAssertEqual(a.display, "postgres://alice@db.example:5433/meta?sslmode=require#rev=4")
        XCTAssertEqual(a.revision, 4)
        XCTAssertTrue(a.secrets.contains("p@ss") && a.secrets.contains("p%40ss") && a.secrets.contains("other"))
        let b = try CMDBLocation("postgresql:///meta?host=/run/postgresql")
        XCTAssertEqual(b.display, "postgresql:///meta?host=/run/postgresql")
        XCTAssertNil(b.revision)
        XCTAssertThrowsError(try CMDBLocation("postgres://h/db#rev=0"))
        XCTAssertThrowsError(try CMDBLocation("postgres://h/db#branch"))
        XCTAssertFalse(CMDBLocation.isURL("pigsty.yml"))
        XCTAssertTrue(CMDBLocation.isURL("PostgreSQL://h/db"))
    }
}
