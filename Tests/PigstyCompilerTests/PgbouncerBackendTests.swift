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

/// pgbouncer.ini / database.txt / useropts.txt and postgresql.auto.conf, line by line.
struct PgbouncerBackendTests {
    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars:
            pg_cluster: pg-meta
            pg_listen: '${ip},${vip},${lo}'
            pgbouncer_auth_query: true
            pgbouncer_sslmode: require
            pgbouncer_port: 6543
            pgbouncer_ignore_param: [ extra_float_digits, TimeZone ]
            pg_databases:
              - { name: meta, pool_auth_user: dbuser_meta, pool_mode: session, pool_size: 10, pool_size_min: 1, pool_reserve: 5, pool_connlimit: 50 }
              - { name: direct, pgbouncer: false }
              - { name: gone, state: absent }
              - { name: kept, pgbouncer: true, pool_size: 8 }
              - { name: plain }
            pg_users:
              - { name: app_mode_only, password: x, pool_mode: transaction }
              - { name: app_limit_only, password: x, pool_connlimit: 20 }
              - { name: app_gone, state: absent, pool_mode: session }
              - { name: app_none, password: x }
            pg_parameters:
              wal_compression: on
              jit: off
              shared_preload_libraries: 'pg_stat_statements, auto_explain'
              search_path: '"$user", public'
              random_page_cost: 1.1
              max_connections: 100
              log_min_duration_statement: 1s
              temp_tablespaces: [ a, b ]
              cron.database_name: meta
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pgbouncer_enabled: false, patroni_enabled: false }
          vars:
            pg_cluster: pg-test
            pg_listen: '${ip},${vip},${lo}'
            pg_vip_enabled: true
            pg_vip_address: 10.10.10.3/24
            pg_vip_interface: eth1
            pg_databases: [ { name: test } ]
      vars:
        admin_ip: 10.10.10.10
    """

    func generate(_ text: String = inventory) throws -> FileTree {
        let out = try emit(text, [PgbouncerBackend(), PostgresAutoConfBackend()])
        #expect(!out.sink.hasErrors)
        return out.tree
    }

    /// The file's lines without our header comment.
    func body(_ tree: FileTree, _ path: String, on node: String) throws -> [String] {
        let file = try #require(tree.file(path, on: node), "\(path) missing on \(node)")
        #expect(file.content.hasPrefix("# pigstyc: "))
        #expect(file.content.hasSuffix("\n"))
        return file.content.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            .filter { !$0.hasPrefix("# pigstyc: ") }.map(String.init)
    }

    func setting(_ lines: [String], _ key: String) -> [String] {
        lines.filter { $0.hasPrefix(key + " ") }
    }

    @Test func listenAddressPlaceholders() throws {
        let tree = try generate()
        // VIP enabled with an <ip>/<mask> address: ${vip} becomes the address.
        #expect(setting(try body(tree, "/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.11"), "listen_addr")
                == ["listen_addr                 = 10.10.10.11,10.10.10.3,127.0.0.1"])
        // VIP disabled: ${vip} stays as written.
        #expect(setting(try body(tree, "/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.10"), "listen_addr")
                == ["listen_addr                 = 10.10.10.10,${vip},127.0.0.1"])
    }

    @Test func iniSettings() throws {
        let tree = try generate()
        let meta = try body(tree, "/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.10")
        #expect(meta.contains("[users]") && meta.contains("%include /etc/pgbouncer/useropts.txt"))
        #expect(meta.contains("%include /etc/pgbouncer/database.txt"))
        #expect(setting(meta, "listen_port") == ["listen_port                 = 6543"])
        #expect(setting(meta, "pool_mode") == ["pool_mode                   = transaction"])
        #expect(setting(meta, "admin_users") == ["admin_users                 = postgres, dbuser_dba"])
        #expect(setting(meta, "stats_users") == ["stats_users                 = postgres, dbuser_monitor"])
        #expect(setting(meta, "auth_user") == ["auth_user                   = postgres"])
        #expect(setting(meta, "auth_query") == ["auth_query                  = SELECT username, password FROM monitor.pgbouncer_auth($1)"])
        #expect(setting(meta, "client_tls_sslmode") == ["client_tls_sslmode          = require"])
        #expect(setting(meta, "ignore_startup_parameters") == ["ignore_startup_parameters   = extra_float_digits, TimeZone"])
        #expect(setting(meta, "logfile") == ["logfile                     = /pg/log/pgbouncer/pgbouncer.log"])
        let test = try body(tree, "/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.11")
        #expect(setting(test, "auth_user").isEmpty && setting(test, "auth_query").isEmpty)
        #expect(setting(test, "listen_port") == ["listen_port                 = 6432"])
        #expect(setting(test, "client_tls_sslmode") == ["client_tls_sslmode          = disable"])
        let file = try #require(tree.file("/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.11"))
        #expect(file.mode == 0o640 && file.owner == "postgres" && file.group == "postgres")
    }

    @Test func databaseListPoolFieldsAndSkippedDatabases() throws {
        let tree = try generate()
        #expect(try body(tree, "/etc/pgbouncer/database.txt", on: "10.10.10.10") == [
            "meta                        = host=/var/run/postgresql auth_user=dbuser_meta pool_mode=session pool_size=10 min_pool_size=1 reserve_pool=5 max_db_connections=50",
            "kept                        = host=/var/run/postgresql pool_size=8",
            "plain                       = host=/var/run/postgresql",
        ])
        #expect(try body(tree, "/etc/pgbouncer/database.txt", on: "10.10.10.11") == ["test                        = host=/var/run/postgresql"])
        #expect(tree.file("/etc/pgbouncer/database.txt", on: "10.10.10.11")?.mode == 0o600)
    }

    @Test func userOptionsKeepPigstySpacing() throws {
        let tree = try generate()
        #expect(try body(tree, "/etc/pgbouncer/useropts.txt", on: "10.10.10.10") == [
            "dbuser_dba                  = pool_mode=session max_user_connections=16",
            "dbuser_monitor              = pool_mode=session max_user_connections=8",
            "app_mode_only               = pool_mode=transaction ",
            "app_limit_only              =  max_user_connections=20",
        ])
        #expect(tree.file("/etc/pgbouncer/useropts.txt", on: "10.10.10.10")?.mode == 0o600)
    }

    @Test func disabledPgbouncerAndPatroniEmitNothing() throws {
        let tree = try generate()
        #expect(tree.file("/etc/pgbouncer/pgbouncer.ini", on: "10.10.10.12") == nil)
        #expect(tree.file("/etc/pgbouncer/database.txt", on: "10.10.10.12") == nil)
        #expect(tree.file("/pg/data/postgresql.auto.conf", on: "10.10.10.12") == nil)
        #expect(tree.file("/etc/pgbouncer/useropts.txt", on: "10.10.10.11") != nil)
        // userlist.txt goes with pgbouncer: present where it runs, absent where it is disabled.
        #expect(tree.file("/etc/pgbouncer/userlist.txt", on: "10.10.10.10") != nil)
        #expect(tree.file("/etc/pgbouncer/userlist.txt", on: "10.10.10.12") == nil)
    }

    @Test func autoConfRendersValuesLikePython() throws {
        let tree = try generate()
        #expect(try body(tree, "/pg/data/postgresql.auto.conf", on: "10.10.10.10") == [
            "wal_compression = 'True'",
            "jit = 'False'",
            // List parameters are bare only when PostgreSQL reads them as one token.
            "shared_preload_libraries = 'pg_stat_statements, auto_explain'",
            "search_path = '\"$user\", public'",
            "random_page_cost = '1.1'",
            "max_connections = '100'",
            "log_min_duration_statement = '1s'",
            // A YAML list is a PostgreSQL list.
            "temp_tablespaces = 'a, b'",
            "cron.database_name = 'meta'",
        ])
        // No pg_parameters: only the header.
        #expect(try body(tree, "/pg/data/postgresql.auto.conf", on: "10.10.10.11") == [])
        let file = try #require(tree.file("/pg/data/postgresql.auto.conf", on: "10.10.10.11"))
        #expect(file.mode == 0o600 && file.owner == "postgres" && file.group == "postgres")
    }

    @Test func pythonReprOfStrings() {
        #expect(Jinja.reprString("a'b") == "\"a'b\"")
        #expect(Jinja.reprString("a'b\"c") == "'a\\'b\"c'")
        #expect(Jinja.reprString("x\ny") == "'x\\ny'")
    }
}
