import PigstyModel
import PigstyFormats
import Foundation
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

public enum PatroniDiagnostic {
    public static let unknownTemplate = "PGS0821"
}

/// patroni: `/pg/conf/<pg_instance>.yml` on every pg instance with `patroni_enabled`, with the
/// structure and tuned values of Pigsty's `pg_conf` template (oltp, olap, crit, tiny).
struct PatroniBackend: Backend {
    let name = "patroni"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for ins in graph.pgInstances {
            let h = ins.host
            guard Jinja.bool(h.value("patroni_enabled"), default: true) else { continue }
            let conf = Jinja.text(h.value("pg_conf"))
            guard let template = PatroniTemplate(conf: conf) else {
                sink.warning(PatroniDiagnostic.unknownTemplate,
                             "pg_conf '\(conf)' of \(ins.name) is not a template pigstyc knows (oltp.yml, olap.yml, crit.yml, tiny.yml); /pg/conf/\(ins.name).yml is not generated",
                             at: h.binding("pg_conf")?.value.range)
                continue
            }
            let facts = graph.node(ins.ip)?.facts ?? .standard
            let doc = Self.document(graph: graph, instance: ins, template: template, facts: facts)
            var out = Header.hash("patroni configuration (\(template.rawValue)) of \(ins.name)", node: ins.ip,
                                  inventory: graph.inventoryName)
            out += "# spec \(Self.spec(facts)), patroni api \(ins.ip):\(Jinja.text(h.value("patroni_port")))\n---\n"
            out += PYAML.render(doc)
            let dbsu = h.string("pg_dbsu") ?? "postgres"
            tree.add(GeneratedFile(path: "/pg/conf/\(ins.name).yml", content: out, owner: dbsu, group: "postgres",
                                   mode: 0o640, producer: "\(name):\(ins.name)"), on: ins.ip)
        }
    }

    static func memGB(_ f: NodeFacts) -> Int { max(Int((Double(f.memMB) / 1024).rounded(.up)), 1) }
    static func spec(_ f: NodeFacts) -> String { "\(f.cpu)C.\(memGB(f))G.\(max(f.diskGB, 1))G" }

    static func tuning(_ h: ResolvedHost, template: PatroniTemplate, facts: NodeFacts) -> PatroniTuning {
        PatroniTuning(template: template, cpu: facts.cpu, memMB: facts.memMB, diskGB: facts.diskGB,
                      maxConn: h.value("pg_max_conn"),
                      serviceDest: h.value("pg_default_service_dest").map { Jinja.text($0) } ?? "postgres",
                      libs: libs(h), bufferRatio: Jinja.float(h.value("pg_shared_buffer_ratio")))
    }

    static func libs(_ h: ResolvedHost) -> String {
        h.value("pg_libs").map { Jinja.text($0) } ?? "pg_stat_statements, auto_explain"
    }

    /// `pg_listen` with `${ip}`, `${lo}` and (for an enabled `<ip>/<mask>` VIP outside 127.0.0.x) `${vip}` replaced.
    static func listen(_ h: ResolvedHost, ip: String) -> String {
        var s = Jinja.text(h.value("pg_listen"))
        s = s.replacingOccurrences(of: "${ip}", with: ip).replacingOccurrences(of: "${lo}", with: "127.0.0.1")
        let vip = Jinja.text(h.value("pg_vip_address"))
        if Jinja.bool(h.value("pg_vip_enabled")), !vip.hasPrefix("127.0.0"), vip.contains("/") {
            s = s.replacingOccurrences(of: "${vip}", with: String(vip.split(separator: "/", omittingEmptySubsequences: false)[0]))
        }
        return s
    }

    /// The whole document as an ordered tree.
    static func document(graph: ResourceGraph, instance ins: PgInstanceResource, template: PatroniTemplate,
                         facts: NodeFacts) -> [(String, PYNode)] {
        let h = ins.host
        func v(_ n: String) -> YAMLNode? { h.value(n) }
        func s(_ n: String) -> String { Jinja.text(v(n)) }
        let ip = ins.ip
        let citus = s("pg_mode") == "citus"
        let pgCluster = s("pg_cluster")
        let shard = v("pg_shard").map { Jinja.text($0) } ?? pgCluster
        let group = v("pg_group").map { Jinja.text($0) } ?? "0"
        let etcdUser = citus ? shard : pgCluster
        let upstream = v("pg_upstream")
        let version = v("pg_version").map { Jinja.int($0) } ?? 18
        let sslAPI = Jinja.bool(v("patroni_ssl_enabled"))
        let backrest = Jinja.bool(v("pgbackrest_enabled"))
        let patroniPort = s("patroni_port")

        var doc: [(String, PYNode)] = [
            ("namespace", .raw(s("pg_namespace") + "/")),
            ("name", .raw(ins.name)),
            ("scope", .raw(citus ? shard : pgCluster)),
        ]
        if citus {
            doc.append(("citus", .map([("group", .raw(group)),
                                       ("database", .raw(v("pg_primary_db").map { Jinja.text($0) } ?? "postgres"))])))
        }
        doc.append(("log", .map([
            ("level", .raw("INFO")),
            ("dir", .raw(s("patroni_log_dir"))),
            ("file_size", .raw("33554432")),
            ("file_num", .raw(template == .crit ? "16" : "4")),
            ("dateformat", .str("%Y-%m-%d %H:%M:%S %z")),
            ("format", .str("%(asctime)s %(levelname)s: %(message)s")),
        ])))

        // DCS endpoints: every etcd member, sorted as strings, with this instance's etcd_port.
        let etcdPort = s("etcd_port")
        let etcdHosts = graph.resolved.inventory.hosts(inGroup: "etcd").sorted().map { "\($0):\(etcdPort)" }
        let etcdPassword = Jinja.truthy(v("pg_etcd_password")) ? s("pg_etcd_password") : etcdUser
        doc.append(("etcd3", .map([
            ("hosts", .str(etcdHosts.joined(separator: ","))),
            ("cacert", .raw("/pg/cert/ca.crt")),
            ("cert", .raw("/pg/cert/server.crt")),
            ("key", .raw("/pg/cert/server.key")),
            ("protocol", .raw("https")),
            ("username", .str(etcdUser)),
            ("password", .str(etcdPassword)),
        ])))

        let certs: [(String, PYNode)] = [("cacert", .raw("/pg/cert/ca.crt")), ("certfile", .raw("/pg/cert/server.crt")),
                                         ("keyfile", .raw("/pg/cert/server.key"))]
        doc.append(("ctl", .map(sslAPI ? [("insecure", .raw("false"))] + certs : [("insecure", .raw("true"))])))

        var members = [s("admin_ip")]
        members += graph.resolved.pgCluster(Jinja.text(v("pg_cluster")))?.sortedIPs ?? []
        members += graph.resolved.inventory.hosts(inGroup: "infra")
        let allow = Array(Set(members)).sorted()
        var restapi: [(String, PYNode)] = sslAPI ? certs + [("verify_client", .raw("none"))] : []
        restapi += [
            ("listen", .raw("\(ip):\(patroniPort)")),
            ("connect_address", .raw("\(ip):\(patroniPort)")),
            ("authentication", .map([("username", .str(s("patroni_username"))), ("password", .str(s("patroni_password")))])),
            ("allowlist", .list(allow.map { .raw($0) })),
        ]
        doc.append(("restapi", .map(restapi)))

        var tags: [(String, PYNode)] = [
            ("nofailover", .raw("false")), ("clonefrom", .raw("true")),
            ("noloadbalance", .raw("false")), ("nosync", .raw("false")),
        ]
        if let upstream { tags.append(("replicatefrom", .raw(Jinja.text(upstream)))) }
        tags += [("version", .str(s("pg_version"))), ("spec", .str(spec(facts))), ("conf", .str(s("pg_conf")))]
        doc.append(("tags", .map(tags)))

        let planName = s("pg_rto")
        let plans = v("pg_rto_plan")
        let plan = (plans?[planName] ?? plans?["norm"])?.sequence ?? []
        func rto(_ i: Int) -> PYNode { .raw(i < plan.count ? Jinja.text(plan[i]) : "") }

        let wdMode = s("patroni_watchdog_mode").lowercased()
        let watchdog = ["off", "false"].contains(wdMode) ? (template == .crit ? "automatic" : "off") : wdMode
        doc.append(("watchdog", .map([("mode", .str(watchdog)), ("device", .raw("/dev/watchdog")), ("safety_margin", rto(4))])))

        doc.append(("bootstrap", .map([
            ("method", .raw("initdb")),
            ("initdb", .list(initdb(h, template: template, version: version))),
            ("dcs", .map(dcs(h, template: template, version: version, rto: rto,
                                 tuning: tuning(h, template: template, facts: facts), facts: facts))),
        ])))

        // postgresql: how patroni reaches and manages the local server.
        var auth: [(String, PYNode)] = [("username", .raw(s("pg_dbsu")))]
        if let pw = v("pg_dbsu_password"), !Jinja.isEmptyString(pw) { auth.append(("password", .raw(Jinja.text(pw)))) }
        let repl: [(String, PYNode)] = [("username", .raw(s("pg_replication_username"))),
                                         ("password", .str(s("pg_replication_password")))]
        let callback = PYNode.raw("/pg/bin/pg-failover-callback")
        var methods: [PYNode] = [.raw("basebackup")]
        if backrest, s("pgbackrest_method") != "local" { methods.append(.raw("pgbackrest")) }
        var postgresql: [(String, PYNode)] = [
            ("bin_dir", .raw(s("pg_bin_dir"))),
            ("data_dir", .raw(s("pg_data"))),
            ("config_dir", .raw(s("pg_data"))),
            ("pgpass", .raw(s("pg_dbsu_home") + "/.pgpass")),
            ("listen", .raw("\(listen(h, ip: ip)):\(s("pg_port"))")),
            ("connect_address", .raw("\(ip):\(s("pg_port"))")),
            ("use_unix_socket", .raw("true")),
            ("parameters", .map([("unix_socket_directories", .str("/var/run/postgresql, /tmp"))])),
            ("authentication", .map([("superuser", .map(auth)), ("replication", .map(repl)), ("rewind", .map(repl))])),
            ("callbacks", .map(["on_start", "on_stop", "on_reload", "on_restart", "on_role_change"].map { ($0, callback) })),
            ("use_pg_rewind", .raw("true")),
            ("remove_data_directory_on_rewind_failure", .raw("true")),
            ("remove_data_directory_on_diverged_timelines", .raw("false")),
            ("create_replica_methods", .list(methods)),
            ("basebackup", .list([.map([("max-rate", .str("1000M"))]), .map([("checkpoint", .raw("fast"))]),
                                  .raw("verbose"), .raw("progress")])),
        ]
        if backrest {
            postgresql.append(("pgbackrest", .map([
                ("command", .raw("/usr/bin/pgbackrest --stanza=\(pgCluster) --delta restore")),
                ("keep_data", .raw("true")), ("no_params", .raw("true")), ("no_leader", .raw("true")),
            ])))
        }
        doc.append(("postgresql", .map(postgresql)))
        return doc
    }

    /// `bootstrap.initdb`: checksums, encoding/locale (the builtin provider on PG 17+ with C locales).
    static func initdb(_ h: ResolvedHost, template: PatroniTemplate, version: Int) -> [PYNode] {
        var out: [PYNode] = []
        let checksum = h.value("pg_checksum")
        if template == .crit || (!Jinja.isEmptyString(checksum) && Jinja.bool(checksum)) {
            out.append(.raw("data-checksums"))
        } else if version >= 18 && !Jinja.bool(checksum) {
            out.append(.raw("no-data-checksums"))
        }
        let encoding = h.value("pg_encoding"), locale = h.value("pg_locale")
        let encText = encoding.map { Jinja.text($0) } ?? "UTF8"
        let locText = (locale.map { Jinja.text($0) } ?? "C").uppercased()
        if version >= 17, ["UTF8", "UTF-8"].contains(encText), ["C", "C.UTF-8"].contains(locText) {
            out += [.map([("encoding", .raw(Jinja.text(encoding)))]),
                    .map([("locale-provider", .raw("builtin"))]),
                    .map([("builtin-locale", .raw(Jinja.text(locale)))])]
        } else {
            if !Jinja.isEmptyString(encoding) { out.append(.map([("encoding", .raw(Jinja.text(encoding)))])) }
            if !Jinja.isEmptyString(locale) { out.append(.map([("locale", .raw(Jinja.text(locale)))])) }
        }
        for (key, name) in [("lc-collate", "pg_lc_collate"), ("lc-ctype", "pg_lc_ctype")] {
            let value = h.value(name)
            if !Jinja.isEmptyString(value) { out.append(.map([(key, .raw(Jinja.text(value)))])) }
        }
        if Jinja.text(h.value("pg_mode")) == "oracle" { out.append(.map([("compatibility_mode", .raw("ora"))])) }
        return out
    }

    /// `bootstrap.dcs`: standby cluster, rto plan, sync mode, cluster metadata and the tuned parameters.
    static func dcs(_ h: ResolvedHost, template: PatroniTemplate, version: Int, rto: (Int) -> PYNode,
                    tuning: PatroniTuning, facts: NodeFacts) -> [(String, PYNode)] {
        func s(_ n: String) -> String { Jinja.text(h.value(n)) }
        var out: [(String, PYNode)] = []
        if s("pg_role") == "primary", let upstream = h.value("pg_upstream") {
            var standby: [(String, PYNode)] = [("host", .raw(Jinja.text(upstream))), ("port", .raw(s("pg_port")))]
            if let delay = h.value("pg_delay"), !Jinja.isEmptyString(delay), !Jinja.isZero(delay) {
                standby.append(("recovery_min_apply_delay", .raw(Jinja.text(delay))))
            }
            standby.append(("create_replica_methods", .list([.raw("basebackup")])))
            out.append(("standby_cluster", .map(standby)))
        }
        let sync = template == .crit || Jinja.int(h.value("pg_rpo")) == 0
        out += [
            ("ttl", rto(0)), ("loop_wait", rto(1)), ("retry_timeout", rto(2)), ("primary_start_timeout", rto(3)),
            ("maximum_lag_on_failover", .raw(s("pg_rpo"))),
            ("maximum_lag_on_syncnode", .raw("-1")),
            ("primary_stop_timeout", .raw("30")),
            ("synchronous_mode", .raw(sync ? "true" : "false")),
            ("synchronous_mode_strict", .raw(template == .crit ? "true" : "false")),
            ("failsafe_mode", .raw("true")),
            ("pg_version", .raw(s("pg_version"))),
            ("pg_cluster", .raw(s("pg_cluster"))),
            ("pg_shard", .raw(h.value("pg_shard").map { Jinja.text($0) } ?? s("pg_cluster"))),
            ("pg_group", .raw(h.value("pg_group").map { Jinja.text($0) } ?? "0")),
            ("postgresql", .map([
                ("use_slots", .raw("true")),
                ("use_pg_rewind", .raw("true")),
                ("remove_data_directory_on_rewind_failure", .raw("true")),
                ("parameters", .map(parameters(h, template: template, version: version, t: tuning, facts: facts))),
            ])),
        ]
        return out
    }

    /// The PostgreSQL parameters the template sets (pg_parameters go to postgresql.auto.conf instead).
    static func parameters(_ h: ResolvedHost, template: PatroniTemplate, version: Int, t: PatroniTuning,
                           facts: NodeFacts) -> [(String, PYNode)] {
        func s(_ n: String) -> String { Jinja.text(h.value(n)) }
        var p: [(String, PYNode)] = []
        func r(_ k: String, _ v: String) { p.append((k, .raw(v))) }
        func q(_ k: String, _ v: String) { p.append((k, .str(v))) }
        let mode = h.value("pg_mode").map { Jinja.text($0) } ?? "pgsql"
        let libs = libs(h)
        let crit = template == .crit, olap = template == .olap, tiny = template == .tiny

        r("max_connections", "\(t.maxConnections)")
        r("superuser_reserved_connections", "10")
        r("max_locks_per_transaction", "\(t.maxLocksPerTransaction)")
        r("max_prepared_transactions", "\(t.maxPreparedTransactions)")
        q("track_commit_timestamp", "on")
        r("wal_level", "logical")
        q("output_plugin_libraries", "pgoutput, test_decoding, wal2json")
        q("wal_log_hints", "on")
        if version >= 15 { r("wal_compression", "lz4") }
        r("max_worker_processes", "\(t.maxWorkerProcesses)")
        r("max_wal_senders", "50")
        r("max_replication_slots", "50")

        r("password_encryption", h.value("pg_pwd_enc").map { Jinja.text($0) } ?? "scram-sha-256")
        q("ssl", "on")
        q("ssl_cert_file", "/pg/cert/server.crt")
        q("ssl_key_file", "/pg/cert/server.key")
        q("ssl_ca_file", "/pg/cert/ca.crt")

        r("shared_buffers", "\(t.sharedBuffers)MB")
        r("maintenance_work_mem", "\(t.maintenanceWorkMem)MB")
        r("work_mem", "\(t.workMem)MB")
        r("max_parallel_workers", "\(t.parallelWorkers)")
        r("max_parallel_maintenance_workers", "\(t.parallelMaintenanceWorkers)")
        r("max_parallel_workers_per_gather", "\(t.parallelWorkersPerGather)")
        if template == .oltp || crit {
            r("parallel_setup_cost", "2000")
            r("parallel_tuple_cost", "0.2")
            r("min_parallel_table_scan_size", "32MB")
            r("min_parallel_index_scan_size", "2MB")
        }
        if version >= 13 { r("hash_mem_multiplier", "8.0") }
        r("huge_pages", "try")
        if version >= 18 {
            let io = h.value("pg_io_method").map { Jinja.text($0) } ?? "auto"
            // auto: io_uring on Debian/Ubuntu and EL10+, worker elsewhere.
            r("io_method", io != "auto" ? io : (facts.package == "deb" || facts.osVersion >= 10) ? "io_uring" : "worker")
            if version == 18 { r("io_workers", "\(t.ioWorkers)") }
        }
        r("temp_file_limit", "\(olap ? t.maxWalSizeGB : t.minWalSizeGB)GB")
        r("vacuum_cost_delay", olap ? "10ms" : "20ms")
        r("vacuum_cost_limit", olap ? "10000" : "2000")
        r("bgwriter_delay", "10ms")
        r("bgwriter_lru_maxpages", "800")
        r("bgwriter_lru_multiplier", "5.0")

        r("min_wal_size", "\(t.minWalSizeGB)GB")
        r("max_wal_size", "\(t.maxWalSizeGB)GB")
        r("max_slot_wal_keep_size", "\(t.maxSlotWalKeepSizeGB)GB")
        if version >= 18 { r("idle_replication_slot_timeout", crit ? "3d" : "7d") }
        r("wal_buffers", "16MB")
        r("wal_writer_delay", crit ? "10ms" : "20ms")
        r("wal_writer_flush_after", crit ? "0" : "1MB")
        r("commit_delay", "20")
        r("commit_siblings", "10")
        r("checkpoint_timeout", "15min")
        r("checkpoint_completion_target", "0.95")
        if Jinja.bool(h.value("pgbackrest_enabled")) {
            q("archive_mode", "on")
            r("archive_timeout", "300")
            q("archive_command", "pgbackrest --stanza=\(s("pg_cluster")) archive-push %p")
        }

        if version >= 17 { r("sync_replication_slots", "on") }
        if crit && version <= 15 { r("vacuum_defer_cleanup_age", "500000") }
        r("max_standby_archive_delay", "10min")
        r("max_standby_streaming_delay", "3min")
        r("wal_receiver_status_interval", "1s")
        q("hot_standby_feedback", "on")
        r("wal_receiver_timeout", "60s")
        r("max_logical_replication_workers", "8")
        r("max_sync_workers_per_subscription", "6")

        if olap {
            q("enable_partitionwise_join", "on")
            q("enable_partitionwise_aggregate", "on")
        }
        if s("pg_storage_type") == "SSD" {
            r("random_page_cost", "1.1")
            r("effective_io_concurrency", "200")
            if version >= 13 { r("maintenance_io_concurrency", "100") }
        }
        r("effective_cache_size", "\(t.effectiveCacheSize)MB")
        r("default_statistics_target", olap ? "1000" : tiny ? "200" : "400")

        if mode != "oracle" && mode != "polar" { r("log_destination", "csvlog") }
        q("logging_collector", "on")
        r("log_directory", s("pg_log_dir"))
        q("log_timezone", "UTC")
        q("log_filename", "postgresql-%a.log")
        q("log_file_mode", "0640")
        q("log_rotation_age", "1d")
        q("log_rotation_size", "0")
        q("log_truncate_on_rotation", "on")
        q("log_checkpoints", "on")
        q("log_lock_waits", "on")
        if version >= 18 && (template == .oltp || crit) { q("log_lock_failures", "on") }
        r("log_temp_files", "1024")
        q("log_replication_commands", "on")
        r("log_statement", "ddl")
        r("log_min_duration_statement", olap ? "1000" : "100")
        if version >= 18 {
            if crit { q("log_connections", "receipt,authentication,authorization") }
            else if !tiny { q("log_connections", "authorization") }
            if mode != "ivory" { r("file_copy_method", "clone") }
        } else if crit {
            q("log_connections", "on")
        }
        if crit { q("log_disconnections", "on") }

        q("track_io_timing", "on")
        r("track_functions", "all")
        r("track_activity_query_size", crit ? "32768" : "8192")
        if version >= 18 && (olap || crit) { q("track_cost_delay_timing", "on") }

        r("log_autovacuum_min_duration", "1s")
        r("autovacuum_max_workers", tiny ? "2" : "3")
        r("autovacuum_naptime", "1min")
        r("autovacuum_vacuum_threshold", olap ? "1000" : "500")
        r("autovacuum_analyze_threshold", olap ? "500" : "250")
        if !tiny {
            r("autovacuum_vacuum_scale_factor", "0.08")
            r("autovacuum_analyze_scale_factor", "0.04")
        }
        r("autovacuum_vacuum_cost_delay", "-1")
        r("autovacuum_vacuum_cost_limit", "-1")
        r("autovacuum_freeze_max_age", "1000000000")

        r("deadlock_timeout", "50ms")
        r("idle_in_transaction_session_timeout", olap ? "0" : crit ? "1min" : "10min")

        q("shared_preload_libraries", libs)
        r("auto_explain.log_min_duration", "1s")
        q("auto_explain.log_analyze", "on")
        q("auto_explain.log_verbose", "on")
        q("auto_explain.log_timing", "on")
        r("auto_explain.log_nested_statements", "true")
        r("pg_stat_statements.max", tiny ? "2500" : "10000")
        r("pg_stat_statements.track", "all")
        q("pg_stat_statements.track_utility", "off")
        q("pg_stat_statements.track_planning", "off")
        q("pg_wait_sampling.profile_pid", "false")
        q("pg_wait_sampling.profile_queries", "all")
        r("pg_wait_sampling.history_size", "100000")
        if libs.contains("timescaledb") {
            q("timescaledb.telemetry_level", "off")
            r("timescaledb.max_background_workers", "\(t.workerProcessesBase)")
        }
        if libs.contains("pgsodium") {
            r("pgsodium.getkey_script", "/pg/bin/pgsodium_getkey")
            r("pgsodium.enable_event_trigger", "off")
        }
        if !crit && libs.contains("pg_duckdb") { r("duckdb.allow_community_extensions", "true") }
        if mode == "polar" { q("polar_resource_manager.enable_resource_manager", "off") }
        if let params = h.value("pg_parameters"), let pairs = params.mapping,
           let cron = pairs.first(where: { $0.key.keyName == "cron.database_name" }) {
            r("cron.database_name", Jinja.text(cron.value))
        } else {
            r("cron.database_name", h.value("pg_primary_db").map { Jinja.text($0) } ?? "postgres")
        }
        return p
    }
}

