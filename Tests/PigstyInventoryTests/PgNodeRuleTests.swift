import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyInventory

/// PgNodeRules: values that reach pgbackrest.conf, the libpq files, the dbsu's crontab, sudo
/// rules and account names.
struct PgNodeRuleTests {
    private func ids(_ text: String) -> [String] { summary(check(text)).map { String($0.prefix(7)) } }

    private func pg(_ vars: String) -> String {
        inventory(children: """
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-meta, \(vars) }
        """)
    }

    @Test func pgsodiumKeyIs64HexDigits() {
        let key = String(repeating: "ab12", count: 16)
        #expect(ids(pg("pgsodium_key: '\(key)'")).isEmpty)
        #expect(ids(pg("pgsodium_key: '\(key.uppercased())'")).isEmpty)
        #expect(ids(pg("pgsodium_key: '\(key)0'")) == ["PGS0411"])
        #expect(ids(pg("pgsodium_key: 'secret'")) == ["PGS0411"])
        #expect(ids(pg(#"pgsodium_key: "\#(key.dropLast(2))\"\n""#)) == ["PGS0315", "PGS0411"])
        #expect(ids(pg("pgsodium_key: ~")).isEmpty, "null counts as unset")
    }

    @Test func oneLineValuesHoldNoLineBreak() {
        #expect(ids(pg(#"pg_admin_password: "DBUser\nhost=evil""#)) == ["PGS0315"])
        #expect(ids(pg(#"pg_replication_username: "repl\r""#)) == ["PGS0315"])
        #expect(ids(pg(#"pg_primary_db: "meta\tx""#)) == ["PGS0315"])
        #expect(ids(pg("pg_admin_password: 'a:b\\\\c d#e'")).isEmpty, "escaped or harmless on one line")
        #expect(ids(pg(#"pg_crontab: [ '00 01 * * * /pg/bin/pg-backup full', "* * * * * true\n* * * * * rm -rf /" ]"#))
                == ["PGS0315"])
        #expect(ids(pg("pg_crontab: [ '00 01 * * * /pg/bin/pg-backup full' ]")).isEmpty)
    }

    @Test func backrestRepoOptionsAreNamesAndOneLineScalars() {
        #expect(ids(pg("pgbackrest_repo: { local: { path: /pg/backup, retention_full: 2, s3_key_secret: 'a=b c' } }")).isEmpty)
        #expect(ids(pg(#"pgbackrest_repo: { local: { path: "/pg/backup\n[global]\nrepo1-path=/tmp" } }"#)) == ["PGS0315"])
        #expect(ids(pg(#"pgbackrest_repo: { local: { path: /pg/backup, custom_option: "1\n[global]" } }"#)) == ["PGS0412"])
        #expect(ids(pg("pgbackrest_repo: { local: { path: /pg/backup, 'bad key=1': x } }")) == ["PGS0412"])
        #expect(ids(pg("pgbackrest_repo: { local: { path: /pg/backup, Path: x } }")) == ["PGS0412"])
        #expect(ids(pg("pgbackrest_repo: { local: { path: [ a, b ] } }")).contains("PGS0412"))
    }

    @Test func accountNamesArePlainUserNames() {
        #expect(ids(pg("pg_dbsu: postgres")).isEmpty)
        #expect(ids(pg("pg_dbsu: 'postgres ALL=(ALL) NOPASSWD: ALL'")).contains("PGS0901"))
        #expect(ids(pg("pg_dbsu: pg.dbsu")).contains("PGS0901"))
        #expect(ids(inventory(children: "    x: { hosts: { 10.10.10.10: {} } }", vars: "    node_admin_username: '../root'"))
                .contains("PGS0901"))
        #expect(ids(inventory(children: "    x: { hosts: { 10.10.10.10: {} } }", vars: "    node_admin_username: ops_1")).isEmpty)
    }
}
