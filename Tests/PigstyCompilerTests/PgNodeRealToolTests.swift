import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The PostgreSQL node's supporting files and the admin environment, read by the real programs,
/// network-isolated (`unshare -n`): pgBackRest (Debian package `pgbackrest`) parses every
/// pgbackrest.conf (`help <command> <option>` loads the file, reports its options' values and
/// warns about unknown ones, without touching a repository); `visudo -cf` (package `sudo`)
/// accepts every sudoers file; `shellcheck` accepts every shell file; PostgreSQL 15's libpq and
/// psql connect with the generated `.pg_service.conf` and `.pgpass` to a throwaway server on a
/// Unix socket (no TCP listener) and run every query `.psqlrc` defines. Each test also feeds its
/// tool a broken file. The tests fail when a tool is missing.
struct PgNodeRealToolTests {
    static func generate(_ text: String = PgNodeBackendTests.inventory, facts: FactsTable = FactsTable()) throws -> FileTree {
        let out = try emit(text, [PgNodeBackend(), AdminEnvBackend()], facts: facts)
        #expect(!out.sink.hasErrors)
        return out.tree
    }

    static func tool(_ paths: [String], _ what: String) -> String? {
        if let p = paths.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) { return p }
        Issue.record("\(what) is not installed (scripts/setup installs it); this test needs the real tool")
        return nil
    }

    static func scratch(_ tag: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-\(tag)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// `argv` without a network (`unshare -n`, `-rn` when not root).
    static func isolated(_ argv: [String]) throws -> (Int32, String) {
        try runTool("/usr/bin/unshare", (getuid() == 0 ? ["-n"] : ["-r", "-n"]) + argv)
    }

    // MARK: pgBackRest

    /// `pgbackrest help COMMAND OPTION` on `conf`: the option's current value and any warning or error.
    static func backrest(_ exe: String, conf: URL, stanza: String, command: String, option: String, lock: URL) throws -> (Int32, String) {
        try isolated([exe, "--config=\(conf.path)", "--stanza=\(stanza)", "--beta", "--log-level-file=off",
                      "--log-level-console=warn", "--lock-path=\(lock.path)", "help", command, option])
    }

    @Test func pgbackrestParsesEveryGeneratedConfiguration() throws {
        guard let exe = Self.tool(["/usr/bin/pgbackrest"], "pgbackrest (Debian package pgbackrest)") else { return }
        var facts = FactsTable()
        facts.hosts["10.10.10.10"] = NodeFacts(os: "el9", arch: "x86_64", cpu: 16, memMB: 65536, diskGB: 100, iface: "eth0")
        let ivory = try Self.generate(PgNodeBackendTests.meta("pg_mode: ivory", "pg_version: 17")).file("/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.10")
        let tree = try Self.generate(facts: facts)
        let dir = try Self.scratch("pgbackrest")
        defer { try? FileManager.default.removeItem(at: dir) }
        var checked = 0
        let cases: [(String, String, GeneratedFile?)] = [("10.10.10.10", "pg-meta", tree.file("/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.10")),
                                                        ("10.10.10.12", "pg-test", tree.file("/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.12")),
                                                        ("ivory", "pg-meta", ivory)]
        for (node, stanza, file) in cases {
            let f = try #require(file, "no pgbackrest.conf for \(node)")
            let conf = dir.appendingPathComponent("\(node).conf")
            try f.content.write(to: conf, atomically: true, encoding: .utf8)
            let big = node == "10.10.10.10"
            for (command, expected) in [("backup", big ? 4 : 2), ("restore", big ? 8 : 4), ("archive-get", big ? 4 : 2),
                                        ("archive-push", big ? 4 : 2)] {
                let (status, output) = try Self.backrest(exe, conf: conf, stanza: stanza, command: command,
                                                         option: "process-max", lock: dir)
                #expect(status == 0 && !output.contains("WARN") && !output.contains("ERROR"), "\(node) \(command):\n\(output)")
                #expect(output.contains("current: \(expected)\n"), "\(node) \(command) process-max:\n\(output)")
                checked += 1
            }
            let (_, path) = try Self.backrest(exe, conf: conf, stanza: stanza, command: "backup", option: "repo1-path", lock: dir)
            #expect(path.contains(node == "10.10.10.12" ? "current: /pgbackrest/pg-test\n" : "current: /pg/backup\n"), "\(path)")
        }
        #expect(checked == 12)
        let (_, forced) = try Self.backrest(exe, conf: dir.appendingPathComponent("ivory.conf"), stanza: "pg-meta",
                                            command: "backup", option: "pg-version-force", lock: dir)
        #expect(forced.contains("current: 17\n"), "\(forced)")
        // A broken file: an unknown option warns, a bad value fails.
        let base = try #require(tree.file("/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.11")).content
        let bad = dir.appendingPathComponent("bad.conf")
        try base.replacingOccurrences(of: "delta=y\n", with: "delta=y\nrepo1-bogus-option=1\n")
            .write(to: bad, atomically: true, encoding: .utf8)
        #expect(try Self.backrest(exe, conf: bad, stanza: "pg-test", command: "backup", option: "process-max", lock: dir).1.contains("WARN"))
        try base.replacingOccurrences(of: "process-max=2", with: "process-max=two").write(to: bad, atomically: true, encoding: .utf8)
        #expect(try Self.backrest(exe, conf: bad, stanza: "pg-test", command: "backup", option: "process-max", lock: dir).0 != 0)
    }

    // MARK: sudo

    @Test func visudoAcceptsEverySudoersFile() throws {
        guard let visudo = Self.tool(["/usr/sbin/visudo"], "visudo (Debian package sudo)") else { return }
        let dir = try Self.scratch("sudoers")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tree = try Self.generate()
        var files = tree.nodeNames.flatMap { node in tree.files(on: node).filter { $0.path.hasPrefix("/etc/sudoers.d/") }.map(\.content) }
        files += [DbsuSudo.none, .limit, .all, .nopass].map { PgNodeBackend.sudoers($0, dbsu: "postgres", node: "n") }
        files += ["all", "limit", "nopass", "x"].map { AdminEnvBackend.adminSudoers(NodeAdminFiles(ip: "n", username: "dba", uid: 88, sudo: $0)) }
        #expect(files.count > 8)
        for (i, text) in files.enumerated() {
            let url = dir.appendingPathComponent("s\(i)")
            try text.write(to: url, atomically: true, encoding: .utf8)
            let (status, output) = try Self.isolated([visudo, "-cf", url.path])
            #expect(status == 0, "visudo rejects:\n\(text)\n\(output)")
        }
        let broken = dir.appendingPathComponent("broken")
        try "%postgres ALL=NOPASSWD /bin/systemctl\n".write(to: broken, atomically: true, encoding: .utf8)
        #expect(try Self.isolated([visudo, "-cf", broken.path]).0 != 0)
    }

    // MARK: shell

    @Test func shellcheckAcceptsEveryShellFile() throws {
        guard let shellcheck = Self.tool(["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"], "shellcheck") else { return }
        let dir = try Self.scratch("pgshell")
        defer { try? FileManager.default.removeItem(at: dir) }
        // The second inventory has an infra node outside etcd (the infra role's etcdctl.sh).
        let trees = [try Self.generate(), try Self.generate(AdminEnvBackendTests.inventory)]
        let shells = trees.flatMap { tree in tree.nodeNames.flatMap { node in
            tree.files(on: node).filter {
                $0.path.hasPrefix("/etc/profile.d/") || $0.path.hasPrefix("/pg/bin/")
                    || $0.path.hasSuffix("/.pigsty") || $0.path.hasSuffix("/.bashrc")
            }.map { (node + $0.path, $0.content) }
        } }
        let names = Set(shells.map { ($0.0 as NSString).lastPathComponent })
        #expect(names == ["pgsql.sh", "pg-alias.sh", "pglog.sh", "etcdctl.sh", "pgsodium_getkey", ".pigsty", ".bashrc",
                          "pg-role", "pg-backup", "pg-failover-callback"])
        // Both etcdctl.sh variants: the member's and the infra node's.
        let etcdctl = shells.filter { $0.0.hasSuffix("etcdctl.sh") }.map(\.1)
        #expect(etcdctl.contains { $0.contains("/etc/pki/infra.crt") } && etcdctl.contains { $0.contains("/etc/etcd/server.crt") })
        for (i, (name, text)) in shells.enumerated() {
            let url = dir.appendingPathComponent("f\(i).sh")
            try text.write(to: url, atomically: true, encoding: .utf8)
            let (status, output) = try Self.isolated([shellcheck, "--shell=bash", "--severity=style", url.path])
            #expect(status == 0, "shellcheck on \(name):\n\(output)")
        }
        let broken = dir.appendingPathComponent("broken.sh")
        try "#!/bin/bash\nlocal x=$(date)\necho $x\n".write(to: broken, atomically: true, encoding: .utf8)
        #expect(try Self.isolated([shellcheck, "--shell=bash", "--severity=style", broken.path]).0 != 0)
    }

    // MARK: libpq and psql

    static let libpqInventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-meta, pg_databases: [ { name: meta } ] }
      vars:
        admin_ip: 10.10.10.10
        pg_admin_password: 'Pass:wo\\rd x#1'
    """

    @Test func libpqAndPsqlReadTheServiceFilePasswordFileAndPsqlrc() throws {
        let h = HBARealToolTests()
        guard let dir = try h.initdb() else { return }
        defer { try? FileManager.default.removeItem(at: dir) }
        let tree = try Self.generate(Self.libpqInventory)
        let node = "10.10.10.10"
        let files: [(String, String)] = [("pg_service.conf", "/root/.pg_service.conf"), ("pgpass", "/root/.pgpass"),
                                          ("psqlrc", "/var/lib/pgsql/.psqlrc")]
        for (name, path) in files {
            let url = dir.appendingPathComponent(name)
            try writeForNobody(try #require(tree.file(path, on: node)).content, to: url)
            #expect(chmod(url.path, 0o600) == 0)
        }
        let wrong = dir.appendingPathComponent("wrong.pgpass")
        try writeForNobody("*:*:*:dbuser_dba:Pass:wo\\rd x#1\n", to: wrong)   // the colon unescaped
        #expect(chmod(wrong.path, 0o600) == 0)
        let queries = PsqlrcText.queries.map { ":\($0.0)\n" }.joined()
        try writeForNobody(queries, to: dir.appendingPathComponent("queries.sql"))
        let bin = HBARealToolTests.pgBin
        let d = dir.path
        let script = """
        set -u
        B=\(bin); D=\(d)
        printf 'local all postgres trust\\nlocal all all scram-sha-256\\n' > $D/data/pg_hba.conf
        $B/pg_ctl -D $D/data -w -l $D/log -o "-c listen_addresses='' -k $D -p 5432" start >/dev/null || { cat $D/log; exit 9; }
        trap '$B/pg_ctl -D $D/data -m immediate stop >/dev/null' EXIT
        printf '%s\\n' "CREATE ROLE dbuser_dba LOGIN PASSWORD :'pw';" 'CREATE DATABASE meta OWNER dbuser_dba;' |
          $B/psql -X -q -v ON_ERROR_STOP=1 -v pw='Pass:wo\\rd x#1' -h $D -U postgres -d postgres || exit 8
        echo "service<$(PGSERVICEFILE=$D/pg_service.conf PGPASSFILE=/dev/null $B/psql -X -w -At "service=meta host=$D" -c 'select current_user || current_database()')>"
        echo "pgpass<$(PGPASSFILE=$D/pgpass $B/psql -X -w -At "host=$D port=5432 user=dbuser_dba dbname=meta" -c 'select 42')>"
        echo "wrong<$(PGPASSFILE=$D/wrong.pgpass $B/psql -X -w -At "host=$D port=5432 user=dbuser_dba dbname=meta" -c 'select 42' 2>&1 | head -c 200)>"
        $B/psql -X -q -v ON_ERROR_STOP=1 -h $D -U postgres -d postgres -f $D/psqlrc -f $D/queries.sql >/dev/null && echo "psqlrc<ok>"
        """
        let scriptURL = dir.appendingPathComponent("run.sh")
        try writeForNobody(script, to: scriptURL)
        let (exe, args) = try h.command(["/bin/bash", scriptURL.path], isolateNetwork: true)
        let (status, output) = try runTool(exe, args)
        #expect(status == 0, "\(output)")
        #expect(output.contains("service<dbuser_dbameta>"), "\(output)")
        #expect(output.contains("pgpass<42>"), "\(output)")
        #expect(output.contains("wrong<") && !output.contains("wrong<42>"), "\(output)")
        #expect(output.contains("psqlrc<ok>"), "\(output)")
    }
}
