import Foundation
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// Patroni's configuration of an instance with `patroni_enabled`, or why there is none.
public enum PatroniSettings: Sendable {
    case config(PatroniConfig)
    /// `pg_conf` names a template pigstyc does not know (its text and where it is set).
    case unknownTemplate(conf: String, range: SourceRange?)

    static func lower(_ ins: PgInstanceResource, graph: ResourceGraph, listen: String, facts: NodeFacts) -> PatroniSettings {
        let conf = Jinja.text(ins.host.value("pg_conf"))
        guard let template = PatroniTemplate(conf: conf) else {
            return .unknownTemplate(conf: conf, range: ins.host.binding("pg_conf")?.value.range)
        }
        return .config(PatroniConfig.lower(ins, graph: graph, template: template, listen: listen, facts: facts))
    }
}

/// Every value of `/pg/conf/<pg_instance>.yml` as Pigsty's `pg_conf` template (oltp, olap, crit,
/// tiny) prints it: texts are final (Python `str()` of the inventory values), flags are typed.
public struct PatroniConfig: Sendable {
    /// `<pg_cluster>-<pg_seq>`.
    public let name: String
    public let template: PatroniTemplate
    /// `pg_conf` as given (`tags.conf`).
    public let conf: String
    /// `<cpu>C.<mem>G.<disk>G` of the node.
    public let spec: String
    public let tuning: PatroniTuning
    /// `<pg_namespace>/`.
    public let namespace: String
    /// `pg_shard` in citus mode, else `pg_cluster`.
    public let scope: String
    public let citus: Citus?
    public let logDir: String
    /// `log.file_num`: 16 for crit, else 4.
    public let logFileNum: Int
    public let etcd: Etcd
    /// `patroni_ssl_enabled`: the REST API and patronictl use the instance's certificate.
    public let sslAPI: Bool
    /// `<ip>:<patroni_port>`: REST API listen and connect address.
    public let apiAddress: String
    public let apiUsername: String
    public let apiPassword: String
    /// `admin_ip`, the cluster's members and the infra nodes, deduplicated and string-sorted.
    public let allowlist: [String]
    /// `tags.replicatefrom`: `pg_upstream` when set.
    public let replicateFrom: String?
    /// `pg_version` as given (`tags.version`, `bootstrap.dcs.pg_version`).
    public let versionText: String
    public let rto: RTO
    public let watchdogMode: String
    public let initdb: [InitdbOption]
    public let dcs: DCS
    public let postgresql: Postgres

    public struct Citus: Sendable, Equatable {
        public let group: String
        public let database: String
    }

    public struct Etcd: Sendable, Equatable {
        /// `<ip>:<etcd_port>` of every etcd host, string-sorted by IP.
        public let hosts: [String]
        public let username: String
        public let password: String
    }

    /// The `pg_rto_plan` entry of `pg_rto` (`norm` when missing); a missing item is empty.
    public struct RTO: Sendable, Equatable {
        public let ttl, loopWait, retryTimeout, primaryStartTimeout, safetyMargin: String
    }

    /// An item of `bootstrap.initdb`: a bare flag or a one-key `{option: value}`.
    public enum InitdbOption: Sendable, Equatable {
        case flag(String)
        case option(String, String)
    }

    public struct Standby: Sendable, Equatable {
        public let host: String
        public let port: String
        /// `pg_delay` when set, not empty and not zero.
        public let recoveryMinApplyDelay: String?
    }

    public struct DCS: Sendable {
        /// A primary with `pg_upstream` leads a standby cluster.
        public let standby: Standby?
        /// `pg_rpo`.
        public let maximumLagOnFailover: String
        public let synchronousMode: Bool
        public let synchronousModeStrict: Bool
        public let pgCluster: String
        public let pgShard: String
        public let pgGroup: String
        /// The PostgreSQL parameters the template sets (`pg_parameters` go to postgresql.auto.conf).
        public let parameters: [PgParameter]
    }

    public struct Postgres: Sendable, Equatable {
        public let binDir: String
        public let dataDir: String
        /// `<pg_dbsu_home>/.pgpass`.
        public let pgpass: String
        /// `<listen>:<pg_port>`.
        public let listen: String
        /// `<ip>:<pg_port>`.
        public let connectAddress: String
        public let superuser: String
        /// `pg_dbsu_password` when not empty.
        public let superuserPassword: String?
        public let replicationUsername: String
        public let replicationPassword: String
        /// basebackup, then pgbackrest when it is enabled and not `local`.
        public let createReplicaMethods: [String]
        /// The pgbackrest restore command when `pgbackrest_enabled`.
        public let pgbackrestCommand: String?
    }

    static func memGB(_ f: NodeFacts) -> Int { max(Int((Double(f.memMB) / 1024).rounded(.up)), 1) }
    public static func spec(_ f: NodeFacts) -> String { "\(f.cpu)C.\(memGB(f))G.\(max(f.diskGB, 1))G" }

    static func tuning(_ h: ResolvedHost, template: PatroniTemplate, facts: NodeFacts) -> PatroniTuning {
        PatroniTuning(template: template, cpu: facts.cpu, memMB: facts.memMB, diskGB: facts.diskGB,
                      maxConn: h.value("pg_max_conn"), serviceDest: Jinja.text(h.value("pg_default_service_dest")),
                      libs: Jinja.text(h.value("pg_libs")), bufferRatio: Jinja.float(h.value("pg_shared_buffer_ratio")))
    }

    static func lower(_ ins: PgInstanceResource, graph: ResourceGraph, template: PatroniTemplate, listen: String,
                      facts: NodeFacts) -> PatroniConfig {
        let h = ins.host
        func v(_ n: String) -> YAMLNode? { h.value(n) }
        func s(_ n: String) -> String { Jinja.text(v(n)) }
        let ip = ins.ip
        let citus = s("pg_mode") == "citus"
        let pgCluster = s("pg_cluster")
        // pg_shard and pg_group have no schema default: the template's `|default` values.
        let shard = v("pg_shard").map { Jinja.text($0) } ?? pgCluster
        let group = v("pg_group").map { Jinja.text($0) } ?? "0"
        let etcdUser = citus ? shard : pgCluster
        let version = Jinja.int(v("pg_version"))
        let backrest = Jinja.bool(v("pgbackrest_enabled"))
        let patroniPort = s("patroni_port")
        let tuning = tuning(h, template: template, facts: facts)

        var members = [s("admin_ip")]
        members += graph.resolved.pgCluster(pgCluster)?.sortedIPs ?? []
        members += graph.resolved.inventory.hosts(inGroup: "infra")

        let planName = s("pg_rto")
        let plans = v("pg_rto_plan")
        let plan = (plans?[planName] ?? plans?["norm"])?.sequence ?? []
        func rto(_ i: Int) -> String { i < plan.count ? Jinja.text(plan[i]) : "" }

        let wdMode = s("patroni_watchdog_mode").lowercased()
        let watchdog = ["off", "false"].contains(wdMode) ? (template == .crit ? "automatic" : "off") : wdMode

        var standby: Standby?
        if ins.isPrimary, let upstream = ins.upstream {
            let delay = v("pg_delay")
            standby = Standby(host: upstream, port: s("pg_port"),
                              recoveryMinApplyDelay: delay.flatMap { Jinja.isEmptyString($0) || Jinja.isZero($0) ? nil : Jinja.text($0) })
        }
        var methods = ["basebackup"]
        if backrest, s("pgbackrest_method") != "local" { methods.append("pgbackrest") }
        let dbsuPassword = v("pg_dbsu_password").flatMap { Jinja.isEmptyString($0) ? nil : Jinja.text($0) }

        return PatroniConfig(
            name: ins.name, template: template, conf: s("pg_conf"), spec: spec(facts), tuning: tuning,
            namespace: s("pg_namespace") + "/", scope: citus ? shard : pgCluster,
            citus: citus ? Citus(group: group, database: s("pg_primary_db")) : nil,
            logDir: s("patroni_log_dir"), logFileNum: template == .crit ? 16 : 4,
            etcd: Etcd(hosts: graph.etcdHostsSorted.map { "\($0):\(s("etcd_port"))" }, username: etcdUser,
                       password: Jinja.truthy(v("pg_etcd_password")) ? s("pg_etcd_password") : etcdUser),
            sslAPI: Jinja.bool(v("patroni_ssl_enabled")), apiAddress: "\(ip):\(patroniPort)",
            apiUsername: s("patroni_username"), apiPassword: s("patroni_password"),
            allowlist: Array(Set(members)).sorted(), replicateFrom: ins.upstream, versionText: s("pg_version"),
            rto: RTO(ttl: rto(0), loopWait: rto(1), retryTimeout: rto(2), primaryStartTimeout: rto(3), safetyMargin: rto(4)),
            watchdogMode: watchdog, initdb: initdb(h, template: template, version: version),
            dcs: DCS(standby: standby, maximumLagOnFailover: s("pg_rpo"),
                     synchronousMode: template == .crit || Jinja.int(v("pg_rpo")) == 0,
                     synchronousModeStrict: template == .crit, pgCluster: pgCluster, pgShard: shard, pgGroup: group,
                     parameters: parameters(h, template: template, version: version, t: tuning, facts: facts)),
            postgresql: Postgres(
                binDir: s("pg_bin_dir"), dataDir: s("pg_data"), pgpass: s("pg_dbsu_home") + "/.pgpass",
                listen: "\(listen):\(s("pg_port"))", connectAddress: "\(ip):\(s("pg_port"))",
                superuser: s("pg_dbsu"), superuserPassword: dbsuPassword,
                replicationUsername: s("pg_replication_username"), replicationPassword: s("pg_replication_password"),
                createReplicaMethods: methods,
                pgbackrestCommand: backrest ? "/usr/bin/pgbackrest --stanza=\(pgCluster) --delta restore" : nil))
    }

    /// `bootstrap.initdb`: checksums, encoding/locale (the builtin provider on PG 17+ with C locales).
    static func initdb(_ h: ResolvedHost, template: PatroniTemplate, version: Int) -> [InitdbOption] {
        var out: [InitdbOption] = []
        let checksum = h.value("pg_checksum")
        if template == .crit || (!Jinja.isEmptyString(checksum) && Jinja.bool(checksum)) {
            out.append(.flag("data-checksums"))
        } else if version >= 18 && !Jinja.bool(checksum) {
            out.append(.flag("no-data-checksums"))
        }
        let encoding = h.value("pg_encoding"), locale = h.value("pg_locale")
        let encText = Jinja.text(encoding)
        let locText = Jinja.text(locale).uppercased()
        if version >= 17, ["UTF8", "UTF-8"].contains(encText), ["C", "C.UTF-8"].contains(locText) {
            out += [.option("encoding", encText), .option("locale-provider", "builtin"),
                    .option("builtin-locale", Jinja.text(locale))]
        } else {
            if !Jinja.isEmptyString(encoding) { out.append(.option("encoding", encText)) }
            if !Jinja.isEmptyString(locale) { out.append(.option("locale", Jinja.text(locale))) }
        }
        for (key, name) in [("lc-collate", "pg_lc_collate"), ("lc-ctype", "pg_lc_ctype")] {
            let value = h.value(name)
            if !Jinja.isEmptyString(value) { out.append(.option(key, Jinja.text(value))) }
        }
        if Jinja.text(h.value("pg_mode")) == "oracle" { out.append(.option("compatibility_mode", "ora")) }
        return out
    }

    /// The PostgreSQL parameters the template sets (pg_parameters go to postgresql.auto.conf instead).
    static func parameters(_ h: ResolvedHost, template: PatroniTemplate, version: Int, t: PatroniTuning,
                           facts: NodeFacts) -> [PgParameter] {
        func s(_ n: String) -> String { Jinja.text(h.value(n)) }
        var p: [PgParameter] = []
        func r(_ k: String, _ v: String) { p.append(PgParameter(k, v, quoted: false)) }
        func q(_ k: String, _ v: String) { p.append(PgParameter(k, v, quoted: true)) }
        let mode = Jinja.text(h.value("pg_mode"))
        let libs = Jinja.text(h.value("pg_libs"))
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

        r("password_encryption", s("pg_pwd_enc"))
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
            let io = s("pg_io_method")
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
        if ByteSearch.contains(libs, "timescaledb") {
            q("timescaledb.telemetry_level", "off")
            r("timescaledb.max_background_workers", "\(t.workerProcessesBase)")
        }
        if ByteSearch.contains(libs, "pgsodium") {
            r("pgsodium.getkey_script", "/pg/bin/pgsodium_getkey")
            r("pgsodium.enable_event_trigger", "off")
        }
        if !crit && ByteSearch.contains(libs, "pg_duckdb") { r("duckdb.allow_community_extensions", "true") }
        if mode == "polar" { q("polar_resource_manager.enable_resource_manager", "off") }
        if let params = h.value("pg_parameters"), let pairs = params.mapping,
           let cron = pairs.first(where: { $0.key.keyName == "cron.database_name" }) {
            r("cron.database_name", Jinja.text(cron.value))
        } else {
            r("cron.database_name", s("pg_primary_db"))
        }
        return p
    }
}
