import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The provisioning scripts run by the real programs, network-isolated (`unshare -n`): a
/// throwaway PostgreSQL 15 (Debian package `postgresql-15`) on a Unix socket only runs
/// `pg-init` and `pg-provision` twice; the first run raises no error but the expected "already
/// exists", and the second changes nothing (`pg_dumpall --roles-only` with the passwords, and
/// `pg_dump -s` of every database, are equal before and after). Users log in with their
/// passwords through SCRAM against the verifiers pigstyc computed. `shellcheck` accepts both
/// scripts. The tests fail when a tool is missing.
struct PgProvisionRealToolTests {
    static let bin = HBARealToolTests.pgBin

    static let inventory = #"""
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars:
            pg_cluster: pg-meta
            pg_users:
              - name: dbuser_app
                password: "pa'ss\"; DROP ROLE postgres; --\\$$ x"
                createdb: true
                connlimit: 12
                expire_at: '2030-12-31'
                roles: [ dbrole_readwrite, { name: dbrole_admin, admin: true }, { name: dbrole_offline, state: absent } ]
                parameters: { search_path: '"$user", public, Weird Name', statement_timeout: 30s, work_mem: default }
                comment: "it's \"quoted\"; -- $$ not a comment"
              - { name: dbuser.view-1@x, password: View.Pass, roles: [ dbrole_readonly ], comment: odd name }
              - { name: dbuser_gone, state: absent }
            pg_databases:
              - name: app
                owner: dbuser_app
                revokeconn: true
                connlimit: 50
                template: template0
                encoding: UTF8
                locale: C
                parameters: { search_path: 'app, public', work_mem: 64MB }
                schemas: [ app, { name: owned, owner: dbuser_app }, { name: old, state: absent } ]
                extensions: [ { name: pg_trgm, schema: app }, { name: hstore, version: '1.8' }, { name: citext, state: absent } ]
                comment: "the app's \"db\""
              - { name: other.db-1, comment: second }
              - { name: legacy, state: absent }
      vars:
        admin_ip: 10.10.10.10
        pg_version: 15
        pg_bin_dir: /usr/lib/postgresql/15/bin
        pg_admin_password: "Adm'in\\Pass"
        pg_default_extensions:
          - { name: pg_stat_statements, schema: monitor }
          - { name: pgstattuple, schema: monitor }
          - { name: pg_buffercache, schema: monitor }
          - { name: pageinspect, schema: monitor }
          - { name: pg_prewarm, schema: monitor }
          - { name: pg_visibility, schema: monitor }
          - { name: pg_freespacemap, schema: monitor }
          - { name: postgres_fdw, schema: public }
          - { name: file_fdw, schema: public }
          - { name: btree_gist, schema: public }
          - { name: btree_gin, schema: public }
          - { name: pg_trgm, schema: public }
          - { name: intagg, schema: public }
          - { name: intarray, schema: public }
    """#

    static func files(_ text: String = inventory) throws -> FileTree {
        let out = try emit(text, [PgProvisionBackend()])
        #expect(!out.sink.hasErrors)
        return out.tree
    }

    @Test func postgresRunsTheScriptsTwiceAndTheSecondRunChangesNothing() throws {
        let h = HBARealToolTests()
        guard let dir = try h.initdb() else { return }
        defer { try? FileManager.default.removeItem(at: dir) }
        let d = dir.path
        let tree = try Self.files()
        for sub in ["pg", "pg/tmp", "pg/bin"] {
            let u = dir.appendingPathComponent(sub)
            try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
            giveToNobody(u)
        }
        for f in tree.files(on: "10.10.10.10") {
            // The scripts' fixed places (/pg, the socket directory) moved into the scratch directory.
            let text = f.content.replacingOccurrences(of: "/pg/tmp/", with: "\(d)/pg/tmp/")
                .replacingOccurrences(of: "/var/run/postgresql", with: d)
            try writeForNobody(text, to: dir.appendingPathComponent(String(f.path.dropFirst())))
        }
        let script = """
        set -u
        B=\(Self.bin); D=\(d)
        export PGUSER=postgres
        printf 'local all postgres trust\\nlocal all all scram-sha-256\\n' > $D/data/pg_hba.conf
        $B/pg_ctl -D $D/data -w -l $D/log -o "-c listen_addresses='' -k $D -p 5432" start >/dev/null || { cat $D/log; exit 9; }
        trap '$B/pg_ctl -D $D/data -m immediate stop >/dev/null' EXIT
        # objects the second run must remove again
        $B/psql -X -q -h $D -d postgres -c 'CREATE ROLE dbuser_gone' -c 'CREATE DATABASE legacy'
        dump() {
          $B/pg_dumpall -h $D --roles-only
          for db in $($B/psql -XAt -h $D -d postgres -c 'SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1'); do
            echo "== $db"
            $B/pg_dump -h $D -s "$db"
            $B/psql -XAt -h $D -d postgres -c "SELECT datname, datconnlimit, datacl, pg_catalog.shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '$db'"
          done
        }
        for run in 1 2; do
          bash $D/pg/bin/pg-init > $D/init$run.log 2>&1
          echo "init$run=$?"
          bash $D/pg/bin/pg-provision > $D/provision$run.log 2>&1
          echo "provision$run=$?"
          dump 2>&1 | grep -Ev '^.(un)?restrict ' > $D/dump$run.sql   # pg_dump's restrict key differs per run
        done
        echo "errors1<$(cat $D/init1.log $D/provision1.log | grep ERROR | grep -v 'already exists' | head -5)>"
        echo "errors2<$(cat $D/init2.log $D/provision2.log | grep ERROR | grep -v 'already exists' | head -5)>"
        if cmp -s $D/dump1.sql $D/dump2.sql; then echo "dumps<same>"; else echo "dumps<differ>"; diff $D/dump1.sql $D/dump2.sql | head -20; fi
        echo "gone<$($B/psql -XAt -h $D -d postgres -c "SELECT count(*) FROM pg_roles WHERE rolname = 'dbuser_gone'")$($B/psql -XAt -h $D -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'legacy'")>"
        echo "scram<$(PGPASSWORD='pa'"'"'ss"; DROP ROLE postgres; --\\$$ x' $B/psql -XAt -w -h $D -U dbuser_app -d postgres -c 'SELECT current_user')>"
        echo "admin<$(PGPASSWORD='Adm'"'"'in\\Pass' $B/psql -XAt -w -h $D -U dbuser_dba -d app -c 'SELECT current_database()')>"
        echo "view<$(PGPASSWORD=View.Pass $B/psql -XAt -w -h $D -U dbuser.view-1@x -d postgres -c 'SELECT 1')>"
        echo "wrong<$(PGPASSWORD=wrong $B/psql -XAt -w -h $D -U dbuser_app -d postgres -c 'SELECT 1' 2>&1 | grep -o 'password authentication failed')>"
        $B/psql -XAt -h $D -d app -f $D/facts.sql
        echo "monitor<$($B/psql -XAt -h $D -d other.db-1 -c "SELECT count(*) FROM pg_views WHERE schemaname = 'monitor' AND viewname IN ('pg_table_bloat', 'pg_index_bloat', 'pg_bloat', 'pg_index_bloat_human', 'pg_table_bloat_human', 'pg_session', 'pg_seq_scan', 'pg_lock_waiting', 'pgbackrest', 'patroni')")>"
        echo "monitorext<$($B/psql -XAt -h $D -d other.db-1 -c "SELECT extnamespace::regnamespace FROM pg_extension WHERE extname = 'pg_stat_statements'")>"
        """
        try writeForNobody(Self.factsQuery, to: dir.appendingPathComponent("facts.sql"))
        let scriptURL = dir.appendingPathComponent("run.sh")
        try writeForNobody(script, to: scriptURL)
        let (exe, args) = try h.command(["/bin/bash", scriptURL.path], isolateNetwork: true)
        let (status, output) = try runTool(exe, args)
        #expect(status == 0, "\(output)")
        for expected in ["init1=0", "provision1=0", "init2=0", "provision2=0", "errors1<>", "errors2<>", "dumps<same>", "gone<00>",
                         "scram<dbuser_app>", "admin<app>", "view<1>"] {
            #expect(output.contains(expected), "\(expected) in:\n\(output)")
        }
        #expect(output.contains("wrong<") && output.contains("password authentication failed"), "\(output)")
        // app is a copy of template0: none of template1's monitor objects.
        let facts = "facts<t|12|2030-12-31|search_path=\"$user\", public, \"Weird Name\";statement_timeout=30s|it's \"quoted\"; -- $$ not a comment"
            + "|50|the app's \"db\"|f|app,owned|hstore@public,pg_trgm@app|0|t>"
        #expect(output.contains(facts), "\(output)")
        #expect(output.contains("monitor<10>") && output.contains("monitorext<monitor>"), "databases copied from template1: \(output)")
    }

    /// What the scripts set, one line.
    static let factsQuery = #"""
    SELECT 'facts<' || concat_ws('|',
    (SELECT rolpassword LIKE 'SCRAM-SHA-256$4096:%' FROM pg_authid WHERE rolname = 'dbuser_app'),
    (SELECT rolconnlimit FROM pg_roles WHERE rolname = 'dbuser_app'),
    (SELECT rolvaliduntil::date FROM pg_roles WHERE rolname = 'dbuser_app'),
    (SELECT array_to_string(setconfig, ';') FROM pg_db_role_setting WHERE setrole = 'dbuser_app'::regrole),
    (SELECT shobj_description('dbuser_app'::regrole, 'pg_authid')),
    (SELECT datconnlimit FROM pg_database WHERE datname = 'app'),
    (SELECT pg_catalog.shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = 'app'),
    (SELECT has_database_privilege('dbuser.view-1@x', 'app', 'CONNECT')),
    (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace WHERE nspname IN ('app', 'owned', 'old', 'monitor')),
    (SELECT string_agg(extname || '@' || extnamespace::regnamespace, ',' ORDER BY extname) FROM pg_extension WHERE extname IN ('pg_trgm', 'hstore', 'pg_stat_statements')),
    (SELECT count(*) FROM pg_views WHERE schemaname = 'monitor'),
    (SELECT admin_option FROM pg_auth_members WHERE member = 'dbuser_app'::regrole AND roleid = 'dbrole_admin'::regrole)
    ) || '>'
    """#

    @Test func shellcheckAcceptsTheScripts() throws {
        guard let exe = PgNodeRealToolTests.tool(["/usr/bin/shellcheck"], "shellcheck (Debian package shellcheck)") else { return }
        let dir = try PgNodeRealToolTests.scratch("pgprovision-sh")
        defer { try? FileManager.default.removeItem(at: dir) }
        let tree = try Self.files(Self.inventory + "\n    pg_mode: citus\n    pg_primary_db: \"it's db\"")
        var paths: [String] = []
        for name in ["pg-init", "pg-provision"] {
            let url = dir.appendingPathComponent(name)
            try #require(tree.file("/pg/bin/\(name)", on: "10.10.10.10")).content.write(to: url, atomically: true, encoding: .utf8)
            paths.append(url.path)
        }
        let (status, output) = try PgNodeRealToolTests.isolated([exe, "-s", "bash"] + paths)
        #expect(status == 0, "\(output)")
        let broken = dir.appendingPathComponent("broken")
        try "#!/bin/bash\nrm -rf $1/*\n".write(to: broken, atomically: true, encoding: .utf8)
        let (bad, _) = try PgNodeRealToolTests.isolated([exe, "-s", "bash", broken.path])
        #expect(bad != 0, "shellcheck must be able to fail")
    }
}
