import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The systemd back end: which units, environment files and tmpfiles entries land on which node,
/// their apply classes, and the writer's escaping as text. What systemd itself makes of the text
/// is `SystemdRealToolTests`.
struct SystemdUnitTests {
    static func compile(_ text: String, facts: FactsTable = FactsTable()) throws -> FileTree {
        try emit(text, [SystemdBackend()], facts: facts).tree
    }

    static let pgsql = """
    all:
      children:
        pg-test:
          hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-test, EXTRA }
    """

    static func units(_ t: FileTree, _ node: String) -> Set<String> {
        Set((t.nodes[node] ?? [:]).keys.filter { $0.hasPrefix("/etc/systemd/system/") }
            .map { String($0.dropFirst("/etc/systemd/system/".count).dropLast(".service".count)) })
    }

    // MARK: writer

    @Test func textSettingsDoubleSpecifiersAndNeverContinueALine() {
        var w = SystemdUnitWriter()
        w.section("Service")
        w.set("Description", #"100% "q" 'a' b\c"#)
        w.set("WorkingDirectory", #"/data/x\"#)
        w.set("PIDFile", #"/run/a\\"#)
        w.fixed("CPUQuota", "10%")
        w.comment(#"ends in \"#)
        #expect(w.text == #"""
        [Service]
        Description=100%% "q" 'a' b\c
        WorkingDirectory=/data/x\ 
        PIDFile=/run/a\\
        CPUQuota=10%
        # ends in \ 

        """#)
    }

    @Test func commandValuesAreOneArgumentEach() {
        #expect(SystemdUnitWriter.word(.value("/usr/pgsql/bin/postgres")) == "/usr/pgsql/bin/postgres")
        #expect(SystemdUnitWriter.word(.value("/a b/postgres")) == #""/a b/postgres""#)
        #expect(SystemdUnitWriter.word(.value(#"x"y\z"#)) == #""x\"y\\z""#)
        #expect(SystemdUnitWriter.word(.value("50%$HOME")) == #""50%%$$HOME""#)
        #expect(SystemdUnitWriter.word(.value(";")) == #"";""#)
        #expect(SystemdUnitWriter.word(.value("-x")) == #""-x""#)
        #expect(SystemdUnitWriter.word(.value("")) == #""""#)
        #expect(SystemdUnitWriter.word(.value("a\tb")) == #""a\x09b""#)
        #expect(SystemdUnitWriter.word(.raw("${PGDATA}")) == "${PGDATA}")
        var w = SystemdUnitWriter()
        w.environment("Environment", [("PGDATA", "/pg/data"), ("X", #"a b"%$"#)])
        #expect(w.text == #"Environment=PGDATA=/pg/data "X=a b\"%%$""# + "\n")
    }

    @Test func sectionsAreSeparatedByABlankLine() {
        var w = SystemdUnitWriter()
        w.section("Unit")
        w.set("Description", "d")
        w.section("Install")
        w.fixed("WantedBy", "multi-user.target")
        #expect(w.text == "[Unit]\nDescription=d\n\n[Install]\nWantedBy=multi-user.target\n")
    }

    // MARK: where units go

    @Test func pgsqlNodeGetsItsUnitsAndEnvironmentFiles() throws {
        let t = try Self.compile(Self.pgsql.replacingOccurrences(of: ", EXTRA", with: ""))
        #expect(Self.units(t, "10.10.10.11") == ["patroni", "postgres", "pgbouncer", "pg_exporter", "pgbouncer_exporter",
                                                  "pgbackrest_exporter", "node_exporter", "vector", "haproxy"])
        for f in ["pg_exporter", "pgbouncer_exporter", "pgbackrest_exporter", "node_exporter", "vector"] {
            #expect(t.file("/etc/default/\(f)", on: "10.10.10.11") != nil, "\(f)")
        }
        let pgexp = try #require(t.file("/etc/default/pg_exporter", on: "10.10.10.11"))
        #expect(pgexp.content.contains("PG_EXPORTER_URL='postgres://dbuser_monitor:DBUser.Monitor@:5432/postgres?sslmode=disable&host=/var/run/postgresql'"))
        #expect(pgexp.secrets.contains("DBUser.Monitor"))
        #expect(pgexp.owner == "postgres" && pgexp.group == "postgres" && pgexp.mode == 0o600)
        let tmp = try #require(t.file("/etc/tmpfiles.d/postgresql.conf", on: "10.10.10.11"))
        #expect(tmp.content.hasSuffix("d /var/run/postgresql 0755 postgres postgres -\n"))
        let pg = try #require(t.file("/etc/systemd/system/postgres.service", on: "10.10.10.11"))
        #expect(pg.content.contains("Description=PostgreSQL 18 database server\n"))
        #expect(pg.content.contains("ExecStart=/usr/pgsql/bin/postgres -D ${PGDATA}\n"))
        #expect(t.file("/etc/systemd/system/pgbouncer.service", on: "10.10.10.11")?.content
            .contains("ExecStart=/usr/bin/pgbouncer ${BOUNCERCONF}\n") == true)
    }

    @Test func switchesDecideWhichUnitsExist() throws {
        let off = try Self.compile(Self.pgsql.replacingOccurrences(of: "EXTRA", with:
            "pgbouncer_enabled: false, pg_exporter_enabled: false, pgbackrest_enabled: false, haproxy_enabled: false"))
        #expect(Self.units(off, "10.10.10.11") == ["patroni", "postgres", "node_exporter", "vector"])
        #expect(off.file("/etc/default/pg_exporter", on: "10.10.10.11") == nil)
        let vip = try Self.compile(Self.pgsql.replacingOccurrences(of: "EXTRA", with:
            "pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24, vip_enabled: true, vip_vrid: 10, vip_address: 10.10.10.4, vip_role: master"))
        #expect(Self.units(vip, "10.10.10.11").isSuperset(of: ["vip-manager", "keepalived_exporter"]))
        #expect(vip.file("/etc/default/keepalived_exporter", on: "10.10.10.11")?.content
            .contains(#"KEEPALIVED_EXPORTER_OPTS='--web.listen-address='\'':9650'\'' --web.telemetry-path='\''/metrics'\'''"#) == true)
    }

    @Test func watchdogAndDebianChangeTheirLines() throws {
        let facts = FactsTable(defaults: NodeFacts(os: "d12", arch: "x86_64", cpu: 4, memMB: 16384, diskGB: 40, iface: "eth0"))
        let t = try Self.compile(Self.pgsql.replacingOccurrences(of: "EXTRA", with: "patroni_watchdog_mode: required, pg_dbsu: pgdba"),
                                 facts: facts)
        let patroni = try #require(t.file("/etc/systemd/system/patroni.service", on: "10.10.10.11")?.content)
        #expect(patroni.contains("ExecStartPre=-/usr/bin/sudo /sbin/modprobe softdog\n"))
        #expect(patroni.contains("ExecStartPre=-/usr/bin/sudo /bin/chown pgdba /dev/watchdog\n"))
        #expect(patroni.contains("User=pgdba\n"))
        #expect(t.file("/etc/systemd/system/pgbouncer.service", on: "10.10.10.11")?.content
            .contains("ExecStart=/usr/sbin/pgbouncer ${BOUNCERCONF}\n") == true)
        let plain = try Self.compile(Self.pgsql.replacingOccurrences(of: ", EXTRA", with: ""))
        #expect(plain.file("/etc/systemd/system/patroni.service", on: "10.10.10.11")?.content.contains("ExecStartPre") == false)
    }

    @Test func redisSentinelMinioAndInfraUnits() throws {
        let t = try Self.compile("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } }, vars: { vlogs_enabled: false } }
            minio:
              hosts: { 10.10.10.10: { minio_seq: 1 }, 10.10.10.11: { minio_seq: 2 } }
              vars: { minio_cluster: minio, minio_data: '/data{1...2}', minio_extra_vars: 'MINIO_BROWSER=off' }
            redis-meta:
              hosts: { 10.10.10.12: { redis_node: 1, redis_instances: { 26379: {} } } }
              vars: { redis_cluster: redis-meta, redis_mode: sentinel, redis_password: S3cret }
          vars: { admin_ip: 10.10.10.10 }
        """)
        #expect(Self.units(t, "10.10.10.10").isSuperset(of: ["dnsmasq", "nginx_exporter", "vmetrics", "vtraces", "vmalert",
                                                               "alertmanager", "blackbox_exporter", "silo"]))
        #expect(!Self.units(t, "10.10.10.10").contains("vlogs"))
        let sentinel = try #require(t.file("/etc/systemd/system/redis-meta-1-26379.service", on: "10.10.10.12")?.content)
        #expect(sentinel.contains("Description=Redis Sentinel Instance redis-meta-1-26379 @ 10.10.10.12:26379\n"))
        #expect(sentinel.contains("ExecStart=/bin/redis-server /etc/redis/redis-meta-1-26379.conf --sentinel --daemonize no --supervised systemd\n"))
        let exporter = try #require(t.file("/etc/default/redis_exporter", on: "10.10.10.12"))
        #expect(exporter.content.contains("REDIS_PASSWORD='S3cret'\n") && exporter.secrets == ["S3cret"])
        #expect(t.file("/etc/tmpfiles.d/redis.conf", on: "10.10.10.12")?.content.hasSuffix("d /var/run/redis 0755 redis redis -\n") == true)
        let silo = try #require(t.file("/etc/default/silo", on: "10.10.10.11"))
        #expect(silo.content.contains("MINIO_VOLUMES='https://minio-{1...2}.pigsty:9000/data{1...2}'\n"))
        #expect(silo.content.contains("\nMINIO_BROWSER=off\n"))
        #expect(silo.secrets == ["S3User.MinIO"] && silo.group == "minio" && silo.mode == 0o640)
        let am = try #require(t.file("/etc/default/alertmanager", on: "10.10.10.10")?.content)
        #expect(am.contains("--cluster.advertise-address=10.10.10.10:9059"))
    }

    /// systemd refuses a program path with quotes or backslashes: `check` rejects them in
    /// `pg_bin_dir`, at the value; blanks, `%` and `$` are fine (the writer quotes them).
    @Test func checkRejectsProgramDirectoriesSystemdRefuses() {
        for (value, rejected) in [(#"'/opt/pg\bin'"#, true), (#"'/opt/pg"x'"#, true), (#""/opt/pg'x""#, true),
                                  ("'/opt/pg %i $x'", false)] {
            let sink = DiagnosticSink()
            let text = Self.pgsql.replacingOccurrences(of: "EXTRA", with: "pg_bin_dir: \(value)")
            _ = Frontend.check(SourceFile(path: "pigsty.yml", text: text), sink: sink)
            let hits = sink.diagnostics.filter { $0.id == "PGS0901" && $0.message.contains("pg_bin_dir") }
            #expect(hits.count == (rejected ? 1 : 0), "\(value): \(sink.diagnostics.map(\.message))")
            #expect(hits.allSatisfy { $0.range?.start.line == 5 })
        }
    }

    /// Every file declares the step and effects the oracle gives: stateless services restart,
    /// patroni/postgres/pgbouncer/haproxy units only load at their next restart.
    @Test func applyClassesFollowTheOracle() throws {
        let t = try emit(InjectionSweepTests.base, [SystemdBackend(), NginxBackend()]).tree
        var seen = 0
        for node in t.nodeNames {
            for file in t.nodes[node]!.values {
                #expect(file.apply == ExpectedApply.classify(path: file.path, producer: file.producer), "\(file.path)")
                seen += 1
            }
        }
        #expect(seen > 60)
        let patroni = try #require(t.file("/etc/systemd/system/patroni.service", on: "10.10.10.10"))
        #expect(patroni.apply.effects.isEmpty && patroni.apply.step == .pgsql)
        #expect(t.file("/etc/systemd/system/pg_exporter.service", on: "10.10.10.10")?.apply.effects == [.restart("pg_exporter")])
        #expect(t.file("/etc/systemd/system/redis-ms-1-6379.service", on: "10.10.10.12")?.apply.effects == [.restart("redis-ms-1-6379")])
        #expect(t.file("/etc/default/nginx_exporter", on: "10.10.10.10")?.apply.effects == [.restart("nginx_exporter")])
    }
}
