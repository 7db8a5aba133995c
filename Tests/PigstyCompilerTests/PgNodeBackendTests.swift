import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The PostgreSQL node's supporting files (PgNodeBackend) on small inline inventories.
struct PgNodeBackendTests {
    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        minio: { hosts: { 10.10.10.10: { minio_seq: 1 } }, vars: { minio_cluster: minio } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars:
            pg_cluster: pg-meta
            pg_crontab: [ '00 01 * * * /pg/bin/pg-backup full' ]
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica }
          vars:
            pg_cluster: pg-test
            pgbackrest_method: minio
            pg_dbsu_sudo: nopass
            pgsodium_key: 00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
            pgbackrest_repo:
              minio: { type: s3, path: '/pgbackrest/${pg_cluster}', s3_key_secret: S3.Secret, cipher_pass: Cipher.Pass, bundle: y, retention_full: 14 }
      vars:
        admin_ip: 10.10.10.10
    """

    /// The inventory with more vars for pg-meta.
    static func meta(_ vars: String...) -> String {
        inventory.replacingOccurrences(of: "pg_cluster: pg-meta\n",
                                       with: "pg_cluster: pg-meta\n" + vars.map { "        \($0)\n" }.joined())
    }

    static func tree(_ text: String = inventory, facts: FactsTable = FactsTable(), checked: Bool = true) throws -> FileTree {
        try emit(text, [PgNodeBackend()], facts: facts, checked: checked).tree
    }

    static func file(_ tree: FileTree, _ path: String, on node: String) throws -> GeneratedFile {
        try #require(tree.file(path, on: node), "\(path) missing on \(node)")
    }

    static func lines(_ tree: FileTree, _ path: String, on node: String) throws -> [String] {
        try file(tree, path, on: node).content.split(separator: "\n").map(String.init)
    }

    @Test func backrestLocalRepositoryAndProcessLimitsFromFacts() throws {
        var facts = FactsTable()
        facts.hosts["10.10.10.10"] = NodeFacts(os: "el9", arch: "x86_64", cpu: 16, memMB: 65536, diskGB: 100, iface: "eth0")
        let t = try Self.tree(facts: facts)
        let f = try Self.file(t, "/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.10")
        #expect((f.owner, f.group, f.mode) == ("postgres", "postgres", 0o640))
        #expect(f.apply == ApplyClass.in(.pgsql) && f.apply.effects.isEmpty)
        let l = f.content.split(separator: "\n").map(String.init)
        #expect(Array(l.drop { $0 != "[pg-meta]" }.prefix(3)) == ["[pg-meta]", "pg1-path=/pg/data", "pg1-port=5432"])
        #expect(l.filter { $0.hasPrefix("repo1-") } == ["repo1-path=/pg/backup", "repo1-retention-full-type=count", "repo1-retention-full=2"])
        #expect(l.contains("annotation=pg_cluster=pg-meta") && l.contains("log-path=/pg/log/pgbackrest"))
        // 16 CPUs: a quarter is 4 (at most 4), restore uses 8 (at most 8).
        #expect(l.filter { $0.hasPrefix("process-max=") } == ["process-max=4", "process-max=8", "process-max=4", "process-max=4"])
        let small = try Self.lines(t, "/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.11")
        #expect(small.filter { $0.hasPrefix("process-max=") } == ["process-max=2", "process-max=4", "process-max=2", "process-max=2"])
        #expect(t.objects(on: "10.10.10.10").directories["/etc/pgbackrest"]?.mode == 0o750)
    }

    @Test func backrestMinioRepositoryListsItsSecrets() throws {
        let t = try Self.tree()
        let f = try Self.file(t, "/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.12")
        let repo = f.content.split(separator: "\n").filter { $0.hasPrefix("repo1-") }
        #expect(repo == ["repo1-type=s3", "repo1-path=/pgbackrest/pg-test", "repo1-s3-key-secret=S3.Secret",
                         "repo1-cipher-pass=Cipher.Pass", "repo1-bundle=y", "repo1-retention-full=14"])
        #expect(Set(f.secrets) == ["S3.Secret", "Cipher.Pass"])
        #expect(!f.content.contains("pg-version-force"))
        let ivory = Self.meta("pg_mode: ivory", "pg_version: 17")
        let l = try Self.lines(try Self.tree(ivory), "/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.10")
        let stanza = Array(l.drop { $0 != "[pg-meta]" }.prefix { $0 != "[global]" }).filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(stanza == ["[pg-meta]", "pg1-path=/pg/data", "pg1-port=5432", "archive-header-check=n", "pg-version-force=17"])
        let off = Self.meta("pgbackrest_enabled: false")
        #expect(try Self.tree(off).file("/etc/pgbackrest/pgbackrest.conf", on: "10.10.10.10") == nil)
    }

    @Test func pgsodiumKeyIsTheClusterHashOrTheConfiguredKey() throws {
        let t = try Self.tree()
        let key = try Self.file(t, "/pg/conf/pgsodium.key", on: "10.10.10.10")
        // sha256("pg-meta"), as Pigsty's `pg_cluster|hash('sha256')` gives it.
        #expect(key.content == "bfe8b2f55805d5692e1064baa4e83a93439fb7d069767e76e6d32da14050ad38")
        #expect((key.owner, key.mode, key.secrets) == ("postgres", 0o600, [key.content]))
        let script = try Self.file(t, "/pg/bin/pgsodium_getkey", on: "10.10.10.11")
        #expect(script.content.contains(#"  echo "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff""#))
        #expect((script.owner, script.group, script.mode) == ("root", "postgres", 0o750))
        #expect(script.content.hasPrefix("#!/bin/bash\n# pigstyc: "))
        let noPatroni = Self.meta("patroni_enabled: false")
        #expect(try Self.tree(noPatroni).file("/pg/conf/pgsodium.key", on: "10.10.10.10") == nil)
    }

    @Test func crontabPathAndGroupFollowTheOS() throws {
        var facts = FactsTable()
        facts.hosts["10.10.10.10"] = NodeFacts(os: "d12", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "eth0")
        let t = try Self.tree(facts: facts)
        let cron = try Self.file(t, "/var/spool/cron/crontabs/postgres", on: "10.10.10.10")
        #expect((cron.owner, cron.group, cron.mode) == ("postgres", "crontab", 0o600))
        #expect(cron.content.hasSuffix("MAILTO=\"\"\n00 01 * * * /pg/bin/pg-backup full\n"))
        let el = try Self.file(try Self.tree(), "/var/spool/cron/postgres", on: "10.10.10.10")
        #expect(el.group == "postgres")
        // No pg_crontab, no crontab; the dbsu's uid moves to 543 on Debian.
        #expect(t.files(on: "10.10.10.11").allSatisfy { !$0.path.contains("/cron") })
        #expect(t.objects(on: "10.10.10.10").users["postgres"]?.uid == 543)
        #expect(try Self.tree().objects(on: "10.10.10.10").users["postgres"]?.uid == 26)
    }

    @Test func sudoRulesFollowPgDbsuSudo() throws {
        let t = try Self.tree()
        let limit = try Self.lines(t, "/etc/sudoers.d/postgres", on: "10.10.10.10").filter { !$0.hasPrefix("#") }
        #expect(limit.count == 2 + 8 * 6 + 1)
        #expect(limit.contains("%postgres ALL=NOPASSWD: /bin/chown postgres /dev/watchdog"))
        #expect(limit.contains("%postgres ALL=NOPASSWD: /usr/bin/journalctl -u vip-manager"))
        #expect(try Self.lines(t, "/etc/sudoers.d/postgres", on: "10.10.10.11").filter { !$0.hasPrefix("#") }
                == ["postgres ALL=(ALL) NOPASSWD: ALL"])
        #expect(try Self.file(t, "/etc/sudoers.d/postgres", on: "10.10.10.11").mode == 0o440)
        #expect(PgNodeBackend.sudoers(.none, dbsu: "postgres", node: "n").split(separator: "\n").allSatisfy { $0.hasPrefix("#") })
        #expect(PgNodeBackend.sudoers(.all, dbsu: "postgres", node: "n").hasSuffix("postgres ALL=(ALL) ALL\n"))
    }

    @Test func profileDbsuFilesAndObjects() throws {
        let t = try Self.tree()
        #expect(try Self.lines(t, "/etc/profile.d/pgsql.sh", on: "10.10.10.10").dropFirst() == [
            #"export PATH="/usr/pgsql/bin:/pg/bin:$PATH""#, "export PGHOME=/usr/pgsql", "export PGDATA=/pg/data",
            "export PGPORT=5432", "export PGDATABASE=postgres"])
        let rc = try Self.file(t, "/var/lib/pgsql/.psqlrc", on: "10.10.10.10")
        #expect((rc.owner, rc.mode) == ("postgres", 0o600) && rc.content.contains(#"\set activity '"#))
        let ssh = try Self.file(t, "/var/lib/pgsql/.ssh/config", on: "10.10.10.10")
        #expect((ssh.owner, ssh.mode) == ("postgres", 0o600) && ssh.content.hasSuffix("\nStrictHostKeyChecking=no\n"))
        let o = t.objects(on: "10.10.10.12")
        #expect(o.directories["/var/lib/pgsql/.ssh"]?.mode == 0o700)
        #expect(o.groups["postgres"]?.gid == 26)
        #expect(o.users["postgres"].map { ($0.home, $0.group, $0.groups) } ?? ("", "", []) == ("/var/lib/pgsql", "postgres", ["postgres"]))
        for f in t.files(on: "10.10.10.10") { #expect(f.apply.effects.isEmpty, "\(f.path)") }
    }

    /// Runs bash on `script` (the profile or alias file sourced first) and returns its output.
    static func bash(_ script: String) throws -> String {
        let r = try runTool("/bin/bash", ["-c", script])
        #expect(r.status == 0, "\(r.output)")
        return r.output
    }

    @Test func hostileDataAndBinDirectoriesStayOneWordInBash() throws {
        let data = #"/pg/da ta'x"$y`z"#
        let bin = #"/opt/p g"$HOME/bin"#
        let text = Self.meta("pg_data: '\(data.replacingOccurrences(of: "'", with: "''"))'", "pg_bin_dir: '\(bin)'")
        let t = try Self.tree(text, checked: false)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-pgalias-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["pg-alias.sh", "pgsql.sh"] {
            try Self.file(t, "/etc/profile.d/\(name)", on: "10.10.10.10").content
                .write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        // Stand-ins print each argument on its own line.
        let stubs = ["pg_ctl", "cat", "vi", "touch", "chown", "psql"].map { #"\#($0)() { printf '<%s>\n' "$@"; }; "# }.joined()
            + #"jq() { while IFS= read -r l; do printf '%s\n' "$l"; done; }; "#
        let out = try Self.bash("shopt -s expand_aliases; \(stubs). \(dir.path)/pg-alias.sh\npg-start\npg-cf\npg-h\npg-demote")
        #expect(out == ["<-D>", "<\(data)>", "<start>", "<\(data)/patroni.dynamic.json>", "<\(data)/pg_hba.conf>",
                        "<\(data)/standby.signal>", "<postgres:postgres>", "<\(data)/standby.signal>",
                        "<postgres>", "<-c>", "<CHECKPOINT;>", "<-D>", "<\(data)>", "<restart>"].map { $0 + "\n" }.joined())
        let env = try Self.bash(#". \#(dir.path)/pgsql.sh; printf '%s\n' "$PATH" "$PGDATA" "$PGHOME""#)
        #expect(env.hasPrefix("\(bin):/pg/bin:") && env.contains("\n\(data)\n/opt/p g\"$HOME\n"))
    }
}

/// pigstyc's own /pg/bin scripts, run by bash with stand-ins for psql and pgbackrest.
struct PgBinScriptTests {
    /// Writes the node's /pg/bin scripts and stand-ins into a scratch directory; returns it.
    static func stage(_ tree: FileTree, node: String, psql: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-pgbin-\(UUID().uuidString)")
        let bin = dir.appendingPathComponent("bin"), stubs = dir.appendingPathComponent("stubs")
        for d in [bin, stubs] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        func put(_ text: String, _ url: URL) throws {
            try text.write(to: url, atomically: true, encoding: .utf8)
            #expect(chmod(url.path, 0o755) == 0)
        }
        for f in tree.files(on: node) where f.path.hasPrefix("/pg/bin/pg-") {
            try put(f.content, bin.appendingPathComponent((f.path as NSString).lastPathComponent))
        }
        try put("#!/bin/bash\necho \"psql $*\" >>\"\(dir.path)/calls\"\n\(psql)\n", stubs.appendingPathComponent("psql"))
        try put("#!/bin/bash\necho \"pgbackrest $*\" >>\"\(dir.path)/calls\"\n", stubs.appendingPathComponent("pgbackrest"))
        return dir
    }

    static func run(_ dir: URL, _ command: String) throws -> (Int32, String) {
        let r = try runTool("/bin/bash", ["-c", "PATH=\(dir.path)/stubs:$PATH; \(command)"])
        return (r.status, r.output)
    }

    @Test func roleBackupAndCallbackScripts() throws {
        let logDir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-pglog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: logDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: logDir) }
        let tree = try PgNodeBackendTests.tree(PgNodeBackendTests.meta("pg_port: 5433", "patroni_log_dir: \(logDir.path)"))
        let files = tree.files(on: "10.10.10.10").filter { $0.path.hasPrefix("/pg/bin/pg-") }
        #expect(files.map(\.path).sorted() == ["/pg/bin/pg-backup", "/pg/bin/pg-failover-callback", "/pg/bin/pg-role"])
        #expect(files.allSatisfy { ($0.owner, $0.group, $0.mode) == ("root", "postgres", 0o755) })

        let primary = try Self.stage(tree, node: "10.10.10.10", psql: "echo f")
        defer { try? FileManager.default.removeItem(at: primary) }
        #expect(try Self.run(primary, "\(primary.path)/bin/pg-role") == (0, "primary\n"))
        let (status, out) = try Self.run(primary, "\(primary.path)/bin/pg-backup full")
        #expect(status == 0 && out.contains("full backup of pg-meta done"), "\(out)")
        let calls = try String(contentsOf: primary.appendingPathComponent("calls"), encoding: .utf8)
        #expect(calls.contains("psql -XAtqw -h /var/run/postgresql -p 5433 -d postgres -c SELECT pg_is_in_recovery()\n"))
        #expect(calls.hasSuffix("pgbackrest --stanza=pg-meta --type=full backup\n"), "\(calls)")
        #expect(try Self.run(primary, "\(primary.path)/bin/pg-backup weekly").0 == 3)
        #expect(try Self.run(primary, "\(primary.path)/bin/pg-failover-callback on_role_change master pg-meta").0 == 0)
        let log = try String(contentsOf: logDir.appendingPathComponent("callback.log"), encoding: .utf8)
        #expect(log.contains("on_role_change: cluster=pg-meta role=primary") && log.contains("checkpoint requested, now primary"), "\(log)")
        #expect(try String(contentsOf: primary.appendingPathComponent("calls"), encoding: .utf8).contains("-c CHECKPOINT\n"))
        #expect(try Self.run(primary, "\(primary.path)/bin/pg-failover-callback on_start").0 == 1)

        let replica = try Self.stage(tree, node: "10.10.10.10", psql: "echo t")
        defer { try? FileManager.default.removeItem(at: replica) }
        #expect(try Self.run(replica, "\(replica.path)/bin/pg-role") == (0, "replica\n"))
        let (rs, ro) = try Self.run(replica, "\(replica.path)/bin/pg-backup")
        #expect(rs == 1 && ro.contains("this instance is replica"), "\(ro)")
        #expect((try? String(contentsOf: replica.appendingPathComponent("calls"), encoding: .utf8))?.contains("pgbackrest") != true)
        let down = try Self.stage(tree, node: "10.10.10.10", psql: "exit 2")
        defer { try? FileManager.default.removeItem(at: down) }
        #expect(try Self.run(down, "\(down.path)/bin/pg-role") == (1, "down\n"))
        // No pgBackRest, no pg-backup; no Patroni, no callback.
        let bare = try PgNodeBackendTests.tree(PgNodeBackendTests.meta("pgbackrest_enabled: false", "patroni_enabled: false"))
        #expect(bare.files(on: "10.10.10.10").filter { $0.path.hasPrefix("/pg/bin/") }.map(\.path) == ["/pg/bin/pg-role"])
    }
}
