import PigstyFormats

/// The settings of each systemd unit Pigsty installs, in the order its roles write them (our
/// own comments). Values that come from the inventory are passed in and stay typed: text
/// settings, command-line values, environment assignments.
enum UnitCatalog {
    // MARK: building blocks

    /// A setting of our own, written as is.
    static func t(_ key: String, _ value: String) -> UnitEntry { .fixed(key, value) }
    /// A text setting holding an inventory value (escaped by the writer).
    static func v(_ key: String, _ value: String) -> UnitEntry { .text(key, value) }
    /// A command line of our own (no inventory value in it).
    static func exec(_ key: String, _ line: String) -> UnitEntry { .command(key, [.raw(line)]) }
    static func section(_ name: String, _ entries: [UnitEntry]) -> UnitSection { UnitSection(name: name, entries: entries) }
    static let install = section("Install", [t("WantedBy", "multi-user.target")])
    static let hup = exec("ExecReload", "/bin/kill -HUP $MAINPID")
    static let usrHup = exec("ExecReload", "/usr/bin/kill -HUP $MAINPID")

    static func unitSection(_ description: String, docs: String?, _ more: [UnitEntry]) -> UnitSection {
        section("Unit", [v("Description", description)] + (docs.map { [v("Documentation", $0)] } ?? []) + more)
    }

    /// An exporter or agent: reads its options from `/etc/default/<env>` and runs `binary $VAR`.
    static func agent(_ description: String, docs: String, env: String, user: String, binary: String, variable: String,
                      reload: UnitEntry?, tail: [UnitEntry]) -> [UnitSection] {
        [unitSection(description, docs: docs, [t("After", "network.target")]),
         section("Service", [t("EnvironmentFile", "-/etc/default/\(env)"), v("User", user),
                             exec("ExecStart", "\(binary) $\(variable)")] + (reload.map { [$0] } ?? []) + tail),
         install]
    }

    // MARK: node

    static let nodeExporter = agent("Prometheus exporter for machine metrics", docs: "https://github.com/prometheus/node_exporter",
                                    env: "node_exporter", user: "root", binary: "/usr/bin/node_exporter",
                                    variable: "NODE_EXPORTER_OPTS", reload: nil,
                                    tail: [t("Restart", "on-failure"), t("RestartSec", "5"), .blank,
                                           .comment("at most 30% of one CPU"), t("CPUQuota", "30%")])

    static let keepalivedExporter = agent("Prometheus exporter for Keepalived metrics",
                                          docs: "https://github.com/gen2brain/keepalived_exporter",
                                          env: "keepalived_exporter", user: "root", binary: "/usr/bin/keepalived_exporter",
                                          variable: "KEEPALIVED_EXPORTER_OPTS", reload: nil,
                                          tail: [t("Restart", "on-failure"), t("RestartSec", "5")])

    static let vector: [UnitSection] = [
        unitSection("Vector Log Collector", docs: "https://vector.dev/docs/",
                    [t("After", "network-online.target"), t("Wants", "network-online.target")]),
        section("Service", [t("User", "root"), t("EnvironmentFile", "-/etc/default/vector"),
                            exec("ExecStart", "/usr/bin/vector $VECTOR_OPTS"), hup, t("Restart", "on-failure"),
                            t("RestartSec", "5"), t("LimitNOFILE", "655360")]),
        install,
    ]

    /// The files haproxy.service reads (its configuration check reads the same).
    static let haproxyFiles = "-f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d"
    /// The configuration patroni.service runs with (a link to the instance's file).
    static let patroniConfig = "/etc/patroni/patroni.yml"

    static let haproxy: [UnitSection] = [
        unitSection("HAProxy Load Balancer", docs: "man:haproxy(1)", [t("After", "network.target")]),
        section("Service", [
            t("LimitNOFILE", "4194304"), t("LimitNPROC", "infinity"), t("LimitCORE", "infinity"),
            .comment("the master socket, for runtime commands"),
            .environment("Environment", [UnitVariable(name: "EXTRAOPTS", value: "-S /run/haproxy-master.sock")]),
            t("EnvironmentFile", "-/etc/default/haproxy"),
            .comment("check the configuration before starting and before reloading"),
            exec("ExecStartPre", "/usr/sbin/haproxy -Ws \(haproxyFiles) -c -q $EXTRAOPTS"),
            exec("ExecStart", "/usr/sbin/haproxy -Ws \(haproxyFiles) $EXTRAOPTS"),
            exec("ExecReload", "/usr/sbin/haproxy -Ws \(haproxyFiles) -c -q $EXTRAOPTS"),
            exec("ExecReload", "/bin/kill -USR2 $MAINPID"),
            t("KillMode", "mixed"), t("SuccessExitStatus", "143"), t("Type", "notify"), .blank,
            t("Restart", "always"), t("RestartSec", "5"),
        ]),
        install,
    ]

    // MARK: infra

    static let dnsmasq: [UnitSection] = [
        unitSection("DNS caching server.", docs: nil, [t("Wants", "network-online.target"), t("After", "network-online.target")]),
        section("Service", [t("Type", "forking"), t("PIDFile", "/run/dnsmasq.pid"), exec("ExecStart", "/usr/sbin/dnsmasq"),
                            hup, t("Restart", "on-failure"), t("RestartSec", "5")]),
        install,
    ]

    static let nginxExporter = agent("NGINX Prometheus Exporter for NGINX and NGINX Plus.",
                                     docs: "https://github.com/nginxinc/nginx-prometheus-exporter",
                                     env: "nginx_exporter", user: "prometheus", binary: "/usr/bin/nginx_exporter",
                                     variable: "NGINX_EXPORTER_OPTS", reload: hup,
                                     tail: [t("Restart", "on-failure"), t("RestartSec", "5s")])

    static let alertmanager = agent("Prometheus Alertmanager.", docs: "https://github.com/prometheus/alertmanager",
                                    env: "alertmanager", user: "prometheus", binary: "/usr/bin/alertmanager",
                                    variable: "ALERTMANAGER_OPTS", reload: hup,
                                    tail: [t("Restart", "on-failure"), t("RestartSec", "5"), t("LimitNOFILE", "16384")])

    static let blackbox = agent("Blackbox prober exporter", docs: "https://github.com/prometheus/blackbox_exporter",
                                env: "blackbox_exporter", user: "root", binary: "/usr/bin/blackbox_exporter",
                                variable: "BLACKBOX_EXPORTER_OPTS", reload: hup,
                                tail: [t("Restart", "on-failure"), t("RestartSec", "5"), t("LimitNOFILE", "16384")])

    /// A Victoria service: `victoria` runs `binary $<NAME>_OPTS` from `/etc/default/<name>`.
    static func victoria(_ name: String, _ description: String, docs: String, binary: String, files: String,
                         after: [UnitEntry] = [t("After", "network.target")]) -> [UnitSection] {
        [unitSection(description, docs: docs, after),
         section("Service", [t("User", "victoria"), t("EnvironmentFile", "-/etc/default/\(name)"),
                             exec("ExecStart", "\(binary) $\(name.uppercased())_OPTS"), hup,
                             t("TimeoutSec", "120"), t("TimeoutStopSec", "120"), t("Restart", "on-failure"),
                             t("RestartSec", "5"), t("LimitNOFILE", files), .blank,
                             .comment("the kernel's OOM killer spares it"), t("OOMScoreAdjust", "-1000")]),
         install]
    }

    static let vmetrics = victoria("vmetrics", "VictoriaMetrics - high-performance time series database",
                                   docs: "https://docs.victoriametrics.com/single-server-victoriametrics/",
                                   binary: "/usr/bin/victoria-metrics", files: "8388608")
    static let vlogs = victoria("vlogs", "VictoriaLogs - high-performance log storage and search engine",
                                docs: "https://docs.victoriametrics.com/victorialogs/",
                                binary: "/usr/bin/victoria-logs", files: "4194304")
    static let vtraces = victoria("vtraces", "VictoriaTraces - high-performance distributed tracing backend",
                                  docs: "https://docs.victoriametrics.com/victorialogs/",
                                  binary: "/usr/bin/victoria-traces", files: "2097152")
    static let vmalert = victoria("vmalert", "VMAlert - alerting and recording rules evaluation engine",
                                  docs: "https://docs.victoriametrics.com/vmalert/", binary: "/usr/bin/vmalert", files: "131072",
                                  after: [t("After", "network.target vmetrics.service"), t("Wants", "vmetrics.service")])

    // MARK: etcd, minio

    static func etcd(data: String) -> [UnitSection] {
        [unitSection("Etcd Server", docs: nil, [t("After", "network.target"), t("After", "network-online.target"),
                                                t("Wants", "network-online.target")]),
         section("Service", [t("Type", "notify"), v("WorkingDirectory", data), t("User", "etcd"),
                             exec("ExecStart", "/usr/bin/etcd --config-file /etc/etcd/etcd.conf"),
                             t("Restart", "on-failure"), t("RestartSec", "5"), t("TimeoutStartSec", "60"),
                             t("TimeoutStopSec", "60"), t("LimitNOFILE", "65536"), .blank,
                             .comment("the kernel's OOM killer spares the DCS"), t("OOMScoreAdjust", "-1000")]),
         install]
    }

    static func silo(user: String) -> [UnitSection] {
        [unitSection("Silo Object Storage Server", docs: "https://silo.pgsty.com/docs/", [
            t("Wants", "network-online.target"), t("After", "network-online.target minio.service"),
            t("Conflicts", "minio.service"), t("AssertFileIsExecutable", "/usr/bin/silo")]),
         section("Service", [
            t("Type", "notify"), t("WorkingDirectory", "/usr/bin"), .blank,
            v("User", user), t("Group", "minio"), .blank,
            .comment("a legacy /etc/default/minio is read first; /etc/default/silo overrides it"),
            t("EnvironmentFile", "-/etc/default/minio"), t("EnvironmentFile", "-/etc/default/silo"),
            exec("ExecStart", "/usr/bin/silo server $MINIO_OPTS $MINIO_VOLUMES"), .blank,
            t("Restart", "always"), t("LimitNOFILE", "8388608"), t("TasksMax", "infinity"), .blank,
            .comment("no start or stop timeout: wait for the cluster and for a clean shutdown"),
            t("TimeoutSec", "infinity"), t("SendSIGKILL", "no"),
         ]),
         install]
    }

    // MARK: pgsql

    static let runtimeDirectory: [UnitEntry] = [
        .comment("/run/postgresql, kept when the service stops (other services share it)"),
        t("RuntimeDirectory", "postgresql"), t("RuntimeDirectoryMode", "0755"), t("RuntimeDirectoryPreserve", "yes"),
    ]
    static let bigLimits: [UnitEntry] = [
        .comment("8M descriptors (at most fs.nr_open), no process or core size limit"),
        t("LimitNOFILE", "8388608"), t("LimitNPROC", "infinity"), t("LimitCORE", "infinity"),
    ]

    static func patroni(dbsu: String, home: String, watchdog: Bool) -> [UnitSection] {
        var service: [UnitEntry] = [t("Type", "simple"), .blank, v("User", dbsu), t("Group", "postgres"), .blank]
        service += runtimeDirectory + [.blank, t("EnvironmentFile", "-/etc/patroni_env.conf"), v("WorkingDirectory", home), .blank,
                                       t("StandardOutput", "journal"), t("StandardError", "journal"),
                                       t("SyslogIdentifier", "patroni"), .blank]
        if watchdog {
            service += [.comment("patroni_watchdog_mode: required: load the softdog module and hand the device over"),
                        .command("ExecStartPre", [.raw("-/usr/bin/sudo /sbin/modprobe softdog")]),
                        .command("ExecStartPre", [.raw("-/usr/bin/sudo /bin/chown"), .value(dbsu), .raw("/dev/watchdog")]),
                        .blank]
        }
        service += [exec("ExecStart", "/usr/bin/patroni \(patroniConfig)"),
                    exec("ExecReload", "/usr/bin/kill -s HUP $MAINPID"), .blank,
                    .comment("stop patroni only: it shuts PostgreSQL down itself"), t("KillMode", "process"),
                    t("TimeoutSec", "30"), .comment("never restarted automatically: a crash is for a human to inspect"),
                    t("Restart", "no"), t("TimeoutStopSec", "120")]
        service += bigLimits + [t("OOMScoreAdjust", "-1000")]
        return [unitSection("Runners to orchestrate a high-availability PostgreSQL", docs: nil,
                            [t("After", "syslog.target network.target")]),
                section("Service", service), install]
    }

    /// `postgres.service`, for PostgreSQL without Patroni. `version` is `pg_version` as printed.
    static func postgres(version: String, dbsu: String, home: String, data: String, binDir: String) -> [UnitSection] {
        let major = version.isEmpty ? "18" : version
        return [
            unitSection("PostgreSQL \(major) database server", docs: "https://www.postgresql.org/docs/\(major)/static/",
                        [t("After", "syslog.target network-online.target"), t("Wants", "network-online.target")]),
            section("Service", [t("Type", "notify"), v("User", dbsu), t("Group", "postgres"), v("WorkingDirectory", home), .blank]
                    + runtimeDirectory + [.blank, .environment("Environment", [UnitVariable(name: "PGDATA", value: data)]), .blank]
                    + bigLimits + [t("OOMScoreAdjust", "-1000"), .blank,
                                   exec("ExecStartPre", "/bin/test -d ${PGDATA}"),
                                   .command("ExecStart", [.executable(binDir + "/postgres"), .raw("-D ${PGDATA}")]),
                                   hup, t("KillMode", "mixed"), t("KillSignal", "SIGINT"), .blank,
                                   t("TimeoutStartSec", "infinity"), t("TimeoutStopSec", "120"), .blank,
                                   t("Restart", "on-failure"), .blank,
                                   t("StandardOutput", "journal"), t("StandardError", "journal"),
                                   t("SyslogIdentifier", "postgres")]),
            install,
        ]
    }

    /// `sbin`: Debian's package installs the binary under /usr/sbin.
    static func pgbouncer(dbsu: String, sbin: Bool) -> [UnitSection] {
        [unitSection("A lightweight connection pooler for PostgreSQL", docs: "https://www.pgbouncer.org/",
                     [t("After", "syslog.target"), t("After", "network.target")]),
         section("Service", [t("LimitNOFILE", "655360"), t("Type", "simple"), v("User", dbsu), t("Group", "postgres"), .blank]
                 + runtimeDirectory + [.blank,
                    .environment("Environment", [UnitVariable(name: "BOUNCERCONF", value: "/etc/pgbouncer/pgbouncer.ini")]),
                    t("PIDFile", "/run/postgresql/pgbouncer.pid"),
                    exec("ExecStart", "\(sbin ? "/usr/sbin" : "/usr/bin")/pgbouncer ${BOUNCERCONF}"),
                    usrHup, t("KillSignal", "SIGINT"), t("TimeoutSec", "300"), t("Restart", "on-failure"),
                    t("RestartSec", "5s")]),
         install]
    }

    static let vipManager: [UnitSection] = [
        unitSection("Manages Virtual IP for Patroni", docs: "https://github.com/cybertec-postgresql/vip-manager",
                    [t("After", "network-online.target"), t("Before", "patroni.service")]),
        section("Service", [t("Type", "simple"), exec("ExecStart", "/usr/bin/vip-manager --config=/etc/default/vip-manager.yml"),
                            t("Restart", "on-failure"), t("RestartSec", "5s"), t("CPUQuota", "10%")]),
        install,
    ]

    static func pgExporter(dbsu: String) -> [UnitSection] {
        agent("Prometheus exporter for PostgreSQL/Pgbouncer server metrics", docs: "https://github.com/Vonng/pg_exporter",
              env: "pg_exporter", user: dbsu, binary: "/usr/bin/pg_exporter", variable: "PG_EXPORTER_OPTS", reload: usrHup,
              tail: [t("Restart", "on-failure"), t("RestartSec", "5"), t("CPUQuota", "10%")])
    }

    static func pgbouncerExporter(dbsu: String) -> [UnitSection] {
        agent("Prometheus exporter for PostgreSQL/Pgbouncer server metrics", docs: "https://github.com/Vonng/pg_exporter",
              env: "pgbouncer_exporter", user: dbsu, binary: "/usr/bin/pg_exporter", variable: "PG_EXPORTER_OPTS",
              reload: usrHup, tail: [t("Restart", "on-failure"), t("RestartSec", "5"), t("CPUQuota", "10%")])
    }

    static func pgbackrestExporter(dbsu: String) -> [UnitSection] {
        agent("Prometheus exporter for pgBackRest metrics", docs: "https://github.com/woblerr/pgbackrest_exporter",
              env: "pgbackrest_exporter", user: dbsu, binary: "/usr/bin/pgbackrest_exporter", variable: "EXPORTER_OPTS",
              reload: nil, tail: [t("Restart", "on-failure"), t("CPUQuota", "10%")])
    }

    // MARK: redis

    static let redisExporter = agent("Prometheus exporter for Redis server metrics.",
                                     docs: "https://github.com/oliver006/redis_exporter", env: "redis_exporter",
                                     user: "prometheus", binary: "/bin/redis_exporter", variable: "REDIS_EXPORTER_OPTS",
                                     reload: hup, tail: [t("Restart", "on-failure"), t("RestartSec", "5"), t("CPUQuota", "10%")])

    /// `<cluster>-<node>-<port>.service`; `server` is `redis_type` (`redis`, `valkey`).
    static func redis(_ r: RedisInstanceConfig, server: String) -> [UnitSection] {
        let sentinel = r.mode == .sentinel
        var start: [SystemdArg] = [.executable("/bin/\(server)-server"), .value(r.path)]
        if sentinel { start.append(.raw("--sentinel")) }
        start.append(.raw("--daemonize no --supervised systemd"))
        return [
            unitSection("Redis \(sentinel ? "Sentinel " : "")Instance \(r.name) @ \(r.ip):\(r.port)",
                        docs: "https://redis.io/documentation", [v("AssertPathExists", r.path)]),
            section("Service", [t("Type", "notify"), .command("ExecStart", start), v("WorkingDirectory", r.dir),
                                v("PIDFile", "/var/run/redis/\(r.name).pid"), t("LimitNOFILE", "10032"),
                                t("TimeoutStartSec", "1800s"), t("TimeoutStopSec", "60"), t("UMask", "0077"),
                                t("User", "redis"), t("Group", "redis"), t("Restart", "on-failure")]),
            install,
        ]
    }
}
