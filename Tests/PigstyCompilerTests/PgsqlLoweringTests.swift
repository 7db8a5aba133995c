import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// graph.pgsql: the derived facts Patroni, postgresql.auto.conf and pgbouncer render.
struct PgsqlLoweringTests {
    static let minimal = """
    all:
      children:
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-meta }
      vars:
        admin_ip: 10.10.10.10
    """

    func settings(_ text: String, _ name: String, checked: Bool = true) throws -> PgInstanceSettings {
        let graph = try emit(text, [], checked: checked).graph
        return try #require(graph.pgsql.instances.first { $0.name == name }, "\(name) not lowered")
    }

    @Test func listenSubstitutionIsSharedByPatroniAndPgbouncer() throws {
        let text = PgbouncerBackendTests.inventory
        let withVIP = try settings(text, "pg-test-1")
        #expect(withVIP.listen == "10.10.10.11,10.10.10.3,127.0.0.1")
        #expect(withVIP.pgbouncer?.listenAddress == withVIP.listen)
        guard case .config(let patroni)? = withVIP.patroni else { Issue.record("no patroni config"); return }
        #expect(patroni.postgresql.listen == "10.10.10.11,10.10.10.3,127.0.0.1:5432")
        // No enabled VIP: ${vip} stays as written.
        #expect(try settings(text, "pg-meta-1").listen == "10.10.10.10,${vip},127.0.0.1")
    }

    @Test func listenVIPNeedsAMaskAndAnAddressOutsideLoopback() {
        let pattern = "${ip},${vip},${lo}"
        func listen(_ enabled: Bool, _ vip: String) -> String {
            PgInstanceSettings.listenAddresses(pattern, ip: "10.0.0.1", vip: PgVIP(enabled: enabled, text: vip))
        }
        #expect(listen(true, "10.0.0.9/24") == "10.0.0.1,10.0.0.9,127.0.0.1")
        #expect(listen(false, "10.0.0.9/24") == "10.0.0.1,${vip},127.0.0.1")
        #expect(listen(true, "10.0.0.9") == "10.0.0.1,${vip},127.0.0.1")
        #expect(listen(true, "127.0.0.1/24") == "10.0.0.1,${vip},127.0.0.1")
    }

    @Test func defaultsComeFromTheSchema() throws {
        let s = try settings(Self.minimal, "pg-meta-1")
        #expect(s.fileOwner == "postgres")
        #expect(s.listen == "0.0.0.0")
        let pgb = try #require(s.pgbouncer)
        #expect(pgb.port == "6432" && pgb.poolMode == "transaction" && pgb.sslMode == "disable")
        #expect(pgb.adminUsers == "postgres, dbuser_dba" && pgb.statsUsers == "postgres, dbuser_monitor")
        #expect(pgb.authUser == nil)
        #expect(pgb.logFile == "/pg/log/pgbouncer/pgbouncer.log")
        #expect(pgb.ignoreStartupParameters == "extra_float_digits, application_name, TimeZone, DateStyle, IntervalStyle, search_path")
        #expect(pgb.databases.isEmpty)
        // pg_default_roles' pool options.
        #expect(pgb.userOptions.map(\.text) == ["pool_mode=session max_user_connections=16", "pool_mode=session max_user_connections=8"])
        #expect(s.autoConf == [])
        guard case .config(let c)? = s.patroni else { Issue.record("no patroni config"); return }
        #expect(c.template == .oltp && c.conf == "oltp.yml")
        #expect(c.apiAddress == "10.10.10.10:8008" && c.namespace == "/pg/" && c.scope == "pg-meta")
        #expect(c.versionText == "18" && c.citus == nil && c.logFileNum == 4)
        #expect(c.etcd.hosts == ["10.10.10.10:2379"] && c.etcd.username == "pg-meta" && c.etcd.password == "pg-meta")
        #expect(c.postgresql.listen == "0.0.0.0:5432" && c.postgresql.connectAddress == "10.10.10.10:5432")
        #expect(c.postgresql.superuserPassword == nil)
        #expect(c.postgresql.createReplicaMethods == ["basebackup"])
        #expect(c.dcs.pgShard == "pg-meta" && c.dcs.pgGroup == "0" && c.dcs.standby == nil)
        #expect(c.dcs.synchronousMode == false && c.dcs.maximumLagOnFailover == "1048576")
        // pg_default_service_dest defaults to pgbouncer: the oltp template then allows 500 connections.
        #expect(c.tuning.maxConnections == 500)
        let f = NodeFacts.standard
        #expect(c.tuning == PatroniTuning(template: .oltp, cpu: f.cpu, memMB: f.memMB, diskGB: f.diskGB, maxConn: nil,
                                          serviceDest: "pgbouncer", libs: "pg_stat_statements, auto_explain", bufferRatio: 0.25))
        func param(_ n: String) -> PgParameter? { c.dcs.parameters.first { $0.name == n } }
        #expect(param("max_connections") == PgParameter("max_connections", "500", quoted: false))
        #expect(param("io_method")?.value == "worker")   // schema default, not auto
        #expect(param("password_encryption")?.value == "scram-sha-256")
        #expect(param("shared_preload_libraries") == PgParameter("shared_preload_libraries", "pg_stat_statements, auto_explain", quoted: true))
        #expect(param("cron.database_name")?.value == "postgres")
    }

    @Test func disabledModulesLowerToNothing() throws {
        let s = try settings(PgbouncerBackendTests.inventory, "pg-test-2")
        #expect(s.patroni == nil && s.autoConf == nil && s.pgbouncer == nil)
        let meta = try settings(PgbouncerBackendTests.inventory, "pg-meta-1")
        #expect(meta.pgbouncer?.authUser == "postgres")
        #expect(meta.pgbouncer?.databases.map(\.name) == ["meta", "kept", "plain"])
        #expect(meta.pgbouncer?.databases.first?.connection
                    == "host=/var/run/postgresql auth_user=dbuser_meta pool_mode=session pool_size=10 min_pool_size=1 reserve_pool=5 max_db_connections=50")
        #expect(meta.pgbouncer?.userOptions.map(\.text) == ["pool_mode=session max_user_connections=16", "pool_mode=session max_user_connections=8",
                                                          "pool_mode=transaction ", " max_user_connections=20"])
        #expect(meta.autoConf?.first == PgParameter("wal_compression", "True", quoted: true))
        #expect(meta.autoConf?.first { $0.name == "search_path" }?.quoted == false)
    }

    @Test func unknownTemplateIsKeptForTheWarning() throws {
        let text = Self.minimal.replacingOccurrences(of: "vars: { pg_cluster: pg-meta }",
                                                     with: "vars: { pg_cluster: pg-meta, pg_conf: custom.yml }")
        let s = try settings(text, "pg-meta-1", checked: false)
        guard case .unknownTemplate(let conf, let range)? = s.patroni else { Issue.record("expected unknown template"); return }
        #expect(conf == "custom.yml")
        #expect(range != nil)
    }

    @Test func iniWriterPadsKeysAndNeverInjectsLines() {
        var w = INIWriter(keyWidth: 10)
        w.section("pgbouncer")
        w.set("port", "6432")
        w.set("a_key_longer_than_ten", "x")
        w.set("évé", "1")
        w.set("auth_user", "x\n[databases]\r\nevil = host=attacker")
        w.comment("two\nlines")
        w.include("/etc/a\nb")
        w.blank()
        #expect(w.text == """
        [pgbouncer]
        port       = 6432
        a_key_longer_than_ten = x
        évé        = 1
        auth_user  = x\\n[databases]\\r\\nevil = host=attacker
        # two\\nlines
        %include /etc/a\\nb


        """)
        #expect(INIWriter.escape("a\\b") == "a\\b")
    }
}
