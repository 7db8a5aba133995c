import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// patroni: `/pg/conf/<pg_instance>.yml` on every pg instance with `patroni_enabled`, with the
/// structure and tuned values of Pigsty's `pg_conf` template (oltp, olap, crit, tiny). Renders
/// `graph.pgsql`'s `PatroniConfig`; the values and tuning are computed in lowering.
struct PatroniBackend: Backend {
    let name = "patroni"
    static let patroniApply = ApplyClass.in(.pgsql, .reload("patroni"))

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgsql.instances {
            guard let settings = ins.patroni else { continue }
            let c: PatroniConfig
            switch settings {
            case .config(let config): c = config
            case .unknownTemplate(let conf, let range):
                sink.report(.patroniUnknownTemplate,
                             "pg_conf '\(conf)' of \(ins.name) is not a template pigstyc knows (oltp.yml, olap.yml, crit.yml, tiny.yml); /pg/conf/\(ins.name).yml is not generated",
                             at: range)
                continue
            }
            var out = Header.hash("patroni configuration (\(c.template.rawValue)) of \(ins.name)", node: ins.ip)
            out += "# spec \(c.spec), patroni api \(c.apiAddress)\n---\n"
            out += PYAML.render(Self.document(c))
            tree.add(GeneratedFile(path: "/pg/conf/\(ins.name).yml", content: out, owner: ins.fileOwner, group: "postgres",
                                   mode: 0o640, producer: "\(name):\(ins.name)",
                                   apply: Self.patroniApply.with(.postgresParameters(version: Int(c.versionText), versionKey: "pg_version")),
                                   secrets: Self.secrets(c)), on: ins.ip)
            // The log directories Pigsty's pg_dir makes: Patroni does not start without its own, and
            // PostgreSQL's logging collector and pgbouncer create only their last component.
            for d in ["/pg/log", c.logDir, "/pg/log/postgres", "/pg/log/pgbouncer"] {
                tree.addDirectory(NodeDirectory(path: d, owner: ins.fileOwner, group: "postgres", mode: 0o750,
                                                producer: "\(name):\(ins.name)", step: .pgsql), on: ins.ip)
            }
            // Patroni writes postgresql.pgpass in the dbsu's home: the home is the dbsu's (pg_dbsu), not
            // root's, even where the account existed before with another home (Debian's postgres).
            let home = FilePaths.parent(c.postgresql.pgpass)
            if home != "/" {
                tree.addDirectory(NodeDirectory(path: home, owner: ins.fileOwner, group: "postgres", mode: 0o700,
                                                producer: "\(name):\(ins.name)", step: .pgsql), on: ins.ip)
            }
            // patroni.service runs `patroni /etc/patroni/patroni.yml`: Pigsty links it to the instance's file.
            tree.addDirectory(NodeDirectory(path: "/etc/patroni", mode: 0o755, producer: "\(name):\(ins.name)", step: .pgsql), on: ins.ip)
            tree.addLink(NodeLink(path: "/etc/patroni/patroni.yml", target: "/pg/conf/\(ins.name).yml", owner: ins.fileOwner,
                                  group: "postgres", producer: "\(name):\(ins.name)", step: .pgsql), on: ins.ip)
            // Run after a change of the file above, on the primary (a post-start action).
            tree.add(GeneratedFile(path: PatroniDCSSync.path, content: PatroniDCSSync.script, owner: "root", group: "postgres",
                                   mode: 0o750, producer: "\(name):\(ins.name)", apply: .in(.pgsql)), on: ins.ip)
        }
    }

    private static func flag(_ b: Bool) -> PYNode { .raw(b ? "true" : "false") }

    /// The whole document as an ordered tree.
    static func document(_ c: PatroniConfig) -> [(String, PYNode)] {
        var doc: [(String, PYNode)] = [
            ("namespace", .raw(c.namespace)),
            ("name", .raw(c.name)),
            ("scope", .raw(c.scope)),
        ]
        if let citus = c.citus {
            doc.append(("citus", .map([("group", .raw(citus.group)), ("database", .raw(citus.database))])))
        }
        doc.append(("log", .map([
            ("level", .raw("INFO")),
            ("dir", .raw(c.logDir)),
            ("file_size", .raw("33554432")),
            ("file_num", .raw("\(c.logFileNum)")),
            ("dateformat", .str("%Y-%m-%d %H:%M:%S %z")),
            ("format", .str("%(asctime)s %(levelname)s: %(message)s")),
        ])))

        doc.append(("etcd3", .map([
            ("hosts", .str(c.etcd.hosts.joined(separator: ","))),
            ("cacert", .raw("/pg/cert/ca.crt")),
            ("cert", .raw("/pg/cert/server.crt")),
            ("key", .raw("/pg/cert/server.key")),
            ("protocol", .raw("https")),
            ("username", .str(c.etcd.username)),
            ("password", .str(c.etcd.password)),
        ])))

        let certs: [(String, PYNode)] = [("cacert", .raw("/pg/cert/ca.crt")), ("certfile", .raw("/pg/cert/server.crt")),
                                         ("keyfile", .raw("/pg/cert/server.key"))]
        doc.append(("ctl", .map(c.sslAPI ? [("insecure", .raw("false"))] + certs : [("insecure", .raw("true"))])))

        var restapi: [(String, PYNode)] = c.sslAPI ? certs + [("verify_client", .raw("none"))] : []
        restapi += [
            ("listen", .raw(c.apiAddress)),
            ("connect_address", .raw(c.apiAddress)),
            ("authentication", .map([("username", .str(c.apiUsername)), ("password", .str(c.apiPassword))])),
            ("allowlist", .list(c.allowlist.map { .raw($0) })),
        ]
        doc.append(("restapi", .map(restapi)))

        var tags: [(String, PYNode)] = [
            ("nofailover", .raw("false")), ("clonefrom", .raw("true")),
            ("noloadbalance", .raw("false")), ("nosync", .raw("false")),
        ]
        if let upstream = c.replicateFrom { tags.append(("replicatefrom", .raw(upstream))) }
        tags += [("version", .str(c.versionText)), ("spec", .str(c.spec)), ("conf", .str(c.conf))]
        doc.append(("tags", .map(tags)))

        doc.append(("watchdog", .map([("mode", .str(c.watchdogMode)), ("device", .raw("/dev/watchdog")),
                                      ("safety_margin", .raw(c.rto.safetyMargin))])))

        doc.append(("bootstrap", .map([
            ("method", .raw("initdb")),
            ("initdb", .list(c.initdb.map { option in
                switch option {
                case .flag(let f): return .raw(f)
                case .option(let k, let v): return .map([(k, .raw(v))])
                }
            })),
            ("dcs", .map(dcs(c))),
        ])))

        // postgresql: how patroni reaches and manages the local server.
        let p = c.postgresql
        var auth: [(String, PYNode)] = [("username", .raw(p.superuser))]
        if let pw = p.superuserPassword { auth.append(("password", .raw(pw))) }
        let repl: [(String, PYNode)] = [("username", .raw(p.replicationUsername)),
                                         ("password", .str(p.replicationPassword))]
        let callback = PYNode.raw("/pg/bin/pg-failover-callback")
        var postgresql: [(String, PYNode)] = [
            ("bin_dir", .raw(p.binDir)),
            ("data_dir", .raw(p.dataDir)),
            ("config_dir", .raw(p.dataDir)),
            ("pgpass", .raw(p.pgpass)),
            ("listen", .raw(p.listen)),
            ("connect_address", .raw(p.connectAddress)),
            ("use_unix_socket", .raw("true")),
            ("parameters", .map([("unix_socket_directories", .str("/var/run/postgresql, /tmp"))])),
            ("authentication", .map([("superuser", .map(auth)), ("replication", .map(repl)), ("rewind", .map(repl))])),
            ("callbacks", .map(["on_start", "on_stop", "on_reload", "on_restart", "on_role_change"].map { ($0, callback) })),
            ("use_pg_rewind", .raw("true")),
            ("remove_data_directory_on_rewind_failure", .raw("true")),
            ("remove_data_directory_on_diverged_timelines", .raw("false")),
            ("create_replica_methods", .list(p.createReplicaMethods.map { .raw($0) })),
            ("basebackup", .list([.map([("max-rate", .str("1000M"))]), .map([("checkpoint", .raw("fast"))]),
                                  .raw("verbose"), .raw("progress")])),
        ]
        if let command = p.pgbackrestCommand {
            postgresql.append(("pgbackrest", .map([
                ("command", .raw(command)),
                ("keep_data", .raw("true")), ("no_params", .raw("true")), ("no_leader", .raw("true")),
            ])))
        }
        doc.append(("postgresql", .map(postgresql)))
        return doc
    }

    /// `bootstrap.dcs`: standby cluster, rto plan, sync mode, cluster metadata and the tuned parameters.
    static func dcs(_ c: PatroniConfig) -> [(String, PYNode)] {
        let d = c.dcs
        var out: [(String, PYNode)] = []
        if let s = d.standby {
            var standby: [(String, PYNode)] = [("host", .raw(s.host)), ("port", .raw(s.port))]
            if let delay = s.recoveryMinApplyDelay { standby.append(("recovery_min_apply_delay", .raw(delay))) }
            standby.append(("create_replica_methods", .list([.raw("basebackup")])))
            out.append(("standby_cluster", .map(standby)))
        }
        out += [
            ("ttl", .raw(c.rto.ttl)), ("loop_wait", .raw(c.rto.loopWait)), ("retry_timeout", .raw(c.rto.retryTimeout)),
            ("primary_start_timeout", .raw(c.rto.primaryStartTimeout)),
            ("maximum_lag_on_failover", .raw(d.maximumLagOnFailover)),
            ("maximum_lag_on_syncnode", .raw("-1")),
            ("primary_stop_timeout", .raw("30")),
            ("synchronous_mode", flag(d.synchronousMode)),
            ("synchronous_mode_strict", flag(d.synchronousModeStrict)),
            ("failsafe_mode", .raw("true")),
            ("pg_version", .raw(c.versionText)),
            ("pg_cluster", .raw(d.pgCluster)),
            ("pg_shard", .raw(d.pgShard)),
            ("pg_group", .raw(d.pgGroup)),
            ("postgresql", .map([
                ("use_slots", .raw("true")),
                ("use_pg_rewind", .raw("true")),
                ("remove_data_directory_on_rewind_failure", .raw("true")),
                ("parameters", .map(d.parameters.map { ($0.name, $0.quoted ? .str($0.value) : .raw($0.value)) })),
            ])),
        ]
        return out
    }
}

extension PatroniBackend {
    /// The passwords the configuration holds (`diff` masks them in this file).
    static func secrets(_ c: PatroniConfig) -> [String] {
        [c.etcd.password, c.apiPassword, c.postgresql.replicationPassword] + (c.postgresql.superuserPassword.map { [$0] } ?? [])
    }
}
