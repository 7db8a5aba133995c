import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The provisioning scripts (PgProvisionBackend) on small inline inventories.
struct PgProvisionBackendTests {
    static let inventory = #"""
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary }, 10.10.10.11: { pg_seq: 2, pg_role: replica } }
          vars:
            pg_cluster: pg-meta
            pg_users:
              - name: dbuser_app
                password: "pa'ss\"; DROP ROLE postgres; --\\$$"
                login: true
                superuser: false
                createdb: yes
                bypassrls: false
                connlimit: 12
                expire_at: '2030-12-31'
                roles: [ dbrole_readwrite, { name: dbrole_admin, admin: true, set: false, inherit: true }, { name: dbrole_offline, state: absent } ]
                parameters: { search_path: '"$user", public, Weird Name', statement_timeout: 30s, work_mem: default, lock_timeout: ~ }
                comment: "it's \"quoted\"; --"
                pgbouncer: true
              - { name: dbuser_temp, expire_in: 30 }
              - { name: dbuser_gone, state: absent }
              - { name: dbuser_dba, state: absent }
            pg_databases:
              - name: app
                owner: dbuser_app
                revokeconn: true
                allowconn: yes
                connlimit: 50
                is_template: false
                template: template0
                encoding: UTF8
                locale: C
                strategy: wal_log
                parameters: { search_path: 'app, public', work_mem: 64MB }
                schemas: [ app, { name: old, state: absent }, { name: owned, owner: dbuser_app } ]
                extensions: [ { name: pg_trgm, schema: app, version: '1.6' }, btree_gin, { name: gone, state: absent } ]
                comment: "the app's database"
              - { name: legacy, state: absent }
              - { name: rebuilt, state: recreate, pgbouncer: false }
      vars:
        admin_ip: 10.10.10.10
        pg_version: 15
    """#

    static func files(_ text: String = inventory) throws -> FileTree {
        let out = try emit(text, [PgProvisionBackend()])
        #expect(!out.sink.hasErrors)
        return out.tree
    }

    static func with(_ vars: String...) -> String {
        inventory + vars.map { "\n    \($0)" }.joined()
    }

    /// Lines that are not comments or blank.
    static func statements(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("--") && !$0.isEmpty }
    }

    @Test func quotingHelper() {
        #expect(SQL.ident("a\"b") == #""a""b""#)
        #expect(SQL.ident("x\ny\\") == #"U&"x\000ay\\""#)
        #expect(SQL.literal("it's") == "'it''s'")
        #expect(SQL.literal(#"back\slash"#) == #"'back\slash'"#, "standard_conforming_strings: a backslash is itself")
        #expect(SQL.literal("a\nb'\\") == #"E'a\nb''\\'"#)
        #expect(SQL.name("dbuser_dba") == "dbuser_dba")
        #expect(SQL.name("user") == "\"user\"")
        #expect(SQL.name("public") == "\"public\"")
        #expect(SQL.name("Upper") == "\"Upper\"")
        #expect(SQL.name("a-b") == "\"a-b\"")
        #expect(SQL.dollarQuoted("cat x") == "$$cat x$$")
        #expect(SQL.dollarQuoted("a$$b") == "$q0$a$$b$q0$")
        #expect(SQL.dollarQuoted("a$q0$b$") == "$q1$a$q0$b$$q1$")
        #expect(SQL.comment("a\nb") == "a b")
    }

    @Test func scramVerifiers() {
        // PBKDF2-HMAC-SHA-256 test vector (RFC 7914 section 11 style: P=password, S=salt, c=4096).
        let dk = PgScram.pbkdf2(password: Array("password".utf8), salt: Array("salt".utf8), iterations: 4096)
        #expect(dk.map { String(format: "%02x", $0) }.joined() == "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
        let v = PgScram.verifier(password: "DBUser.DBA", role: "dbuser_dba")
        #expect(v == PgScram.verifier(password: "DBUser.DBA", role: "dbuser_dba"), "deterministic")
        #expect(v != PgScram.verifier(password: "DBUser.DBA", role: "dbuser_other"), "the salt depends on the role")
        #expect(v?.hasPrefix("SCRAM-SHA-256$4096:") == true)
        #expect(PgScram.verifier(password: "pässword", role: "x") == nil, "non-ASCII goes through SASLprep on the server")
        #expect(PgScram.verifier(password: v!, role: "x") == nil, "a verifier is stored as given")
        #expect(PgScram.verifier(password: "md5" + String(repeating: "a", count: 32), role: "x") == nil)
        #expect(PgScram.verifier(password: "", role: "x") == nil)
    }

    @Test func filesOnThePrimaryOnly() throws {
        let tree = try Self.files()
        let primary = Set(tree.files(on: "10.10.10.10").map(\.path))
        #expect(primary == ["/pg/bin/pg-init", "/pg/bin/pg-provision", "/pg/tmp/pg-init-roles.sql", "/pg/tmp/pg-init-template.sql",
                            "/pg/tmp/pg-user-dbuser_app.sql", "/pg/tmp/pg-user-dbuser_temp.sql",
                            "/pg/tmp/pg-db-app.sql", "/pg/tmp/pg-db-rebuilt.sql"])
        #expect(tree.files(on: "10.10.10.11").isEmpty)
        #expect(tree.objects(on: "10.10.10.10").directories["/pg/tmp"] == (NodeDirectory(path: "/pg/tmp", owner: "postgres", group: "postgres", mode: 0o700,
                                                                         producer: "pgprovision:pg-meta-1", step: .pgsql)))
        let roles = try #require(tree.file("/pg/tmp/pg-init-roles.sql", on: "10.10.10.10"))
        #expect(roles.mode == 0o600 && roles.owner == "postgres" && roles.group == "postgres")
        let verifiers = ["replicator": "DBUser.Replicator", "dbuser_monitor": "DBUser.Monitor", "dbuser_dba": "DBUser.DBA"]
            .map { PgScram.verifier(password: $0.value, role: $0.key)! }
        #expect(Set(roles.secrets) == Set(["DBUser.Replicator", "DBUser.Monitor", "DBUser.DBA"] + verifiers))
        for v in verifiers { #expect(roles.content.contains("PASSWORD '\(v)';")) }
        #expect(!roles.content.contains("'DBUser.DBA'"), "no plaintext with scram-sha-256")
        let user = try #require(tree.file("/pg/tmp/pg-user-dbuser_app.sql", on: "10.10.10.10"))
        let password = "pa'ss\"; DROP ROLE postgres; --\\$$"
        #expect(user.mode == 0o600 && Set(user.secrets) == [password, PgScram.verifier(password: password, role: "dbuser_app")!])
        #expect(tree.file("/pg/tmp/pg-user-dbuser_temp.sql", on: "10.10.10.10")?.mode == 0o640)
        #expect(tree.file("/pg/tmp/pg-init-template.sql", on: "10.10.10.10")?.mode == 0o640)
        let initScript = try #require(tree.file("/pg/bin/pg-init", on: "10.10.10.10"))
        #expect(initScript.owner == "root" && initScript.group == "postgres" && initScript.mode == 0o740)
        for f in tree.files(on: "10.10.10.10") { #expect(f.apply == .in(.pgsql), "\(f.path)") }
    }

    @Test func hostileValuesStayInsideTheirQuotes() throws {
        let user = try #require(try Self.files(Self.with("pg_pwd_enc: md5")).file("/pg/tmp/pg-user-dbuser_app.sql", on: "10.10.10.10")).content
        let lines = Self.statements(user)
        #expect(lines.contains(#"ALTER USER "dbuser_app" PASSWORD 'pa''ss"; DROP ROLE postgres; --\$$';"#))
        #expect(lines.contains(#"COMMENT ON ROLE "dbuser_app" IS 'it''s "quoted"; --';"#))
        #expect(lines.contains(#"ALTER USER "dbuser_app" SET "search_path" = "$user", public, 'Weird Name';"#))
        #expect(lines.contains(#"ALTER USER "dbuser_app" SET "statement_timeout" = '30s';"#))
        #expect(lines.contains(#"ALTER USER "dbuser_app" SET "work_mem" = DEFAULT;"#))
        #expect(!user.contains("lock_timeout"), "a null parameter is left out")
        // check rejects line breaks (PGS0315); should one reach the back end, it stays inside its quotes.
        let unchecked = try emit(Self.inventory.replacingOccurrences(of: #"comment: "it's \"quoted\"; --""#,
                                                                     with: #"comment: "two\nCOMMENT ON ROLE x IS 'y'""#),
                                 [PgProvisionBackend()], checked: false)
        let broken = try #require(unchecked.tree.file("/pg/tmp/pg-user-dbuser_app.sql", on: "10.10.10.10")).content
        #expect(Self.statements(broken).contains(#"COMMENT ON ROLE "dbuser_app" IS E'two\nCOMMENT ON ROLE x IS ''y''';"#))
        #expect(!broken.split(separator: "\n").contains { $0.hasPrefix("COMMENT ON ROLE x") })
    }

    @Test func roleAttributesExpiryAndMemberships() throws {
        let tree = try Self.files()
        let lines = Self.statements(try #require(tree.file("/pg/tmp/pg-user-dbuser_app.sql", on: "10.10.10.10")).content)
        #expect(lines.contains(#"CREATE USER "dbuser_app" LOGIN NOSUPERUSER CREATEDB NOBYPASSRLS;"#))
        #expect(lines.contains(#"ALTER USER "dbuser_app" LOGIN NOSUPERUSER CREATEDB NOBYPASSRLS;"#))
        #expect(lines.contains(#"ALTER USER "dbuser_app" VALID UNTIL '2030-12-31';"#))
        #expect(lines.contains(#"ALTER USER "dbuser_app" CONNECTION LIMIT 12;"#))
        #expect(lines.contains(#"GRANT "dbrole_readwrite" TO "dbuser_app";"#))
        #expect(lines.contains(#"GRANT "dbrole_admin" TO "dbuser_app" WITH ADMIN OPTION;"#), "PostgreSQL 15 spells it OPTION")
        #expect(lines.contains(#"REVOKE "dbrole_offline" FROM "dbuser_app";"#))
        #expect(!lines.contains { $0.contains("WITH SET") || $0.contains("INHERIT OPTION") }, "set/inherit need 16")
        let temp = Self.statements(try #require(tree.file("/pg/tmp/pg-user-dbuser_temp.sql", on: "10.10.10.10")).content)
        #expect(temp.contains("DO $$BEGIN EXECUTE format('ALTER USER %I VALID UNTIL %L', 'dbuser_temp', (current_date + 30)::text); END$$;"))
        #expect(temp.contains(#"COMMENT ON ROLE "dbuser_temp" IS 'business user dbuser_temp';"#))
        let v16 = try Self.files(Self.inventory.replacingOccurrences(of: "pg_version: 15", with: "pg_version: 16"))
        let lines16 = Self.statements(try #require(v16.file("/pg/tmp/pg-user-dbuser_app.sql", on: "10.10.10.10")).content)
        #expect(lines16.contains(#"GRANT "dbrole_admin" TO "dbuser_app" WITH ADMIN TRUE;"#))
        #expect(lines16.contains(#"REVOKE SET OPTION FOR "dbrole_admin" FROM "dbuser_app";"#))
        #expect(lines16.contains(#"GRANT "dbrole_admin" TO "dbuser_app" WITH INHERIT TRUE;"#))
    }

    @Test func databaseScript() throws {
        let lines = Self.statements(try #require(try Self.files().file("/pg/tmp/pg-db-app.sql", on: "10.10.10.10")).content)
        for expected in [
            #"ALTER DATABASE "app" OWNER TO "dbuser_app";"#, #"ALTER DATABASE "app" ALLOW_CONNECTIONS true;"#,
            #"ALTER DATABASE "app" CONNECTION LIMIT 50;"#, #"ALTER DATABASE "app" IS_TEMPLATE false;"#,
            #"ALTER DATABASE "app" SET "search_path" = app, public;"#, #"ALTER DATABASE "app" SET "work_mem" = '64MB';"#,
            #"COMMENT ON DATABASE "app" IS 'the app''s database';"#, #"REVOKE CONNECT ON DATABASE "app" FROM PUBLIC;"#,
            #"GRANT CONNECT ON DATABASE "app" TO "dbuser_app" WITH GRANT OPTION;"#,
            #"ALTER DEFAULT PRIVILEGES FOR ROLE "dbuser_app" GRANT USAGE      ON SCHEMAS    TO  dbrole_readonly;"#,
            #"CREATE SCHEMA IF NOT EXISTS "app";"#, #"DROP SCHEMA IF EXISTS "old" CASCADE;"#,
            #"CREATE SCHEMA IF NOT EXISTS "owned" AUTHORIZATION "dbuser_app";"#,
            #"CREATE EXTENSION IF NOT EXISTS "pg_trgm" WITH SCHEMA "app" VERSION '1.6' CASCADE;"#,
            #"CREATE EXTENSION IF NOT EXISTS "btree_gin" CASCADE;"#, #"DROP EXTENSION IF EXISTS "gone" CASCADE;"#,
        ] {
            #expect(lines.contains(expected), "\(expected)")
        }
    }

    @Test func provisionScriptCreatesDropsAndRuns() throws {
        let script = try #require(try Self.files().file("/pg/bin/pg-provision", on: "10.10.10.10")).content
        #expect(script.contains("run -d postgres -f /pg/tmp/pg-user-dbuser_app.sql\nrun -d postgres -f /pg/tmp/pg-user-dbuser_temp.sql\n"))
        #expect(script.contains(#"run -d postgres -c 'DROP ROLE IF EXISTS "dbuser_gone";'"#))
        #expect(!script.contains(#"DROP ROLE IF EXISTS "dbuser_dba""#), "system users are never dropped")
        #expect(script.contains(#"run -d postgres -c 'DROP DATABASE IF EXISTS "legacy" WITH (FORCE);'"#))
        #expect(script.contains(#"run -d postgres -c 'DROP DATABASE IF EXISTS "rebuilt" WITH (FORCE);'"#))
        #expect(script.contains(#"run -d postgres -c 'CREATE DATABASE "app" OWNER "dbuser_app" TEMPLATE "template0" ENCODING '\''UTF8'\'' LOCALE '\''C'\'' IS_TEMPLATE false STRATEGY '\''WAL_LOG'\'';'"#))
        #expect(script.contains("run -d app -f /pg/tmp/pg-db-app.sql"))
        #expect(!script.contains("pg-db-legacy"))
    }

    @Test func switchesAndVersions() throws {
        let noProvision = try Self.files(Self.with("pg_provision: false"))
        #expect(Set(noProvision.files(on: "10.10.10.10").map(\.path)) == ["/pg/bin/pg-init", "/pg/bin/pg-provision",
                                                                          "/pg/tmp/pg-init-roles.sql", "/pg/tmp/pg-init-template.sql"])
        let noPatroni = try Self.files(Self.with("patroni_enabled: false"))
        #expect(noPatroni.file("/pg/bin/pg-init", on: "10.10.10.10") == nil)
        #expect(noPatroni.file("/pg/tmp/pg-db-app.sql", on: "10.10.10.10") != nil)
        let v13 = try Self.files(Self.inventory.replacingOccurrences(of: "pg_version: 15", with: "pg_version: 13")
            .replacingOccurrences(of: "admin_ip: 10.10.10.10", with: "admin_ip: 10.10.10.10\n    pgbouncer_enabled: false\n    patroni_ssl_enabled: true\n    patroni_port: 8009"))
        let template = try #require(v13.file("/pg/tmp/pg-init-template.sql", on: "10.10.10.10")).content
        #expect(template.contains("pg_catalog.pg_start_backup(text, boolean, boolean)"))
        #expect(template.contains("state_change       -- PG 13 and below"))
        #expect(template.contains(",backend    TEXT") && !template.contains(",query_id"))
        #expect(!template.contains("pgbouncer_auth"))
        #expect(template.contains("PROGRAM $$curl https://127.0.0.1:8009/cluster$$"))
        let v15 = try #require(try Self.files().file("/pg/tmp/pg-init-template.sql", on: "10.10.10.10")).content
        #expect(!v15.contains("pg_start_backup") && v15.contains(",query_id") && v15.contains("monitor.pgbouncer_auth"))
        #expect(v15.contains("PROGRAM $$pgbackrest --stanza=pg-meta --output=json info$$"))
        let citus = try Self.files(Self.with("pg_mode: citus", "pg_primary_db: citus"))
        #expect(try #require(citus.file("/pg/bin/pg-init", on: "10.10.10.10")).content
            .contains("/usr/pgsql/bin/psql -h /var/run/postgresql -p 5432 citus -qAXwtf /pg/tmp/pg-init-template.sql"))
    }

    @Test func defaultPrivilegeOwnersAndRejectedClauses() throws {
        let tree = try Self.files(Self.with("pg_dbsu: user", "pg_admin_username: Admin"))
        let lines = Self.statements(try #require(tree.file("/pg/tmp/pg-init-template.sql", on: "10.10.10.10")).content)
        #expect(lines.contains { $0.hasPrefix("ALTER DEFAULT PRIVILEGES FOR ROLE \"user\" GRANT") }, "a keyword is quoted")
        #expect(lines.contains { $0.hasPrefix("ALTER DEFAULT PRIVILEGES FOR ROLE \"Admin\" GRANT") })
        // A clause check rejects does not reach the scripts even when lowering sees it.
        let out = try emit(Self.with("pg_default_privileges: [ 'GRANT SELECT ON TABLES TO x; DROP ROLE y', 'GRANT SELECT ON TABLES TO z' ]"),
                           [PgProvisionBackend()], checked: false)
        let template = try #require(out.tree.file("/pg/tmp/pg-init-template.sql", on: "10.10.10.10")).content
        #expect(!template.contains("DROP ROLE y") && template.contains("FOR ROLE postgres GRANT SELECT ON TABLES TO z;"))
    }
}
