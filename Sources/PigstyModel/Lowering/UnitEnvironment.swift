import PigstyInventory

/// The `/etc/default/<service>` files the units read (`EnvironmentFile=`), with the values Pigsty's
/// roles put there. Values are the text the templates print; the back end quotes them.
enum UnitEnvironment {
    private static func text(_ h: ResolvedHost, _ name: String) -> String { Jinja.text(h.value(name)) }

    static func file(_ ip: String, _ service: String, owner: String = "root", group: String = "root", mode: Int = 0o644,
                     step: ApplyStep, unit: String? = nil, secrets: [String] = [], _ lines: [EnvironmentLine]) -> EnvironmentFile {
        EnvironmentFile(ip: ip, path: "/etc/default/\(service)", owner: owner, group: group, mode: mode, step: step,
                        unit: unit ?? service, lines: lines, secrets: secrets.filter { !$0.isEmpty })
    }

    // MARK: node

    static func nodeExporter(_ ip: String, port: String, path: String, options: String) -> EnvironmentFile {
        file(ip, "node_exporter", step: .node, [
            .comment("node_exporter options (node_exporter_port, exporter_metrics_path, node_exporter_options)"),
            .set("NODE_EXPORTER_OPTS", "--web.listen-address=':\(port)' --web.telemetry-path='\(path)' \(options)"),
        ])
    }

    static func keepalivedExporter(_ ip: String, port: String, path: String) -> EnvironmentFile {
        file(ip, "keepalived_exporter", step: .node, [
            .comment("keepalived_exporter options (vip_exporter_port, exporter_metrics_path)"),
            .set("KEEPALIVED_EXPORTER_OPTS", "--web.listen-address=':\(port)' --web.telemetry-path='\(path)'"),
        ])
    }

    static func vector(_ ip: String) -> EnvironmentFile {
        file(ip, "vector", step: .node, [.comment("vector reads every file of /etc/vector"),
                                        .set("VECTOR_OPTS", "--config-dir /etc/vector")])
    }

    // MARK: infra

    static func alertmanager(_ ip: String, port: String, options: String) -> EnvironmentFile {
        file(ip, "alertmanager", owner: "prometheus", group: "infra", mode: 0o640, step: .infra, [
            .comment("alertmanager options (alertmanager_port, alertmanager_options)"),
            .set("ALERTMANAGER_OPTS", "--config.file=/etc/alertmanager.yml --web.listen-address=:\(port)"
                 + " --cluster.advertise-address=\(ip):\(port) --storage.path=/infra/alertmgr"
                 + " --web.external-url=http://localhost/alertmgr  --web.route-prefix=/ \(options)"),
        ])
    }

    static func blackbox(_ ip: String, port: String, options: String) -> EnvironmentFile {
        file(ip, "blackbox_exporter", owner: "prometheus", group: "infra", step: .infra, [
            .comment("blackbox_exporter options (blackbox_port, blackbox_options)"),
            .set("BLACKBOX_EXPORTER_OPTS", "--config.file=/etc/blackbox.yml --web.listen-address=:\(port) \(options)"),
        ])
    }

    // MARK: minio

    /// `/etc/default/silo`: listen addresses, volumes, root credentials, metrics.
    static func silo(_ node: NodeResource, graph: ResourceGraph) -> EnvironmentFile {
        let h = node.host
        let secret = text(h, "minio_secret_key")
        var lines: [EnvironmentLine] = [
            .comment("silo (MinIO) server options, volumes and root credentials"),
            .set("MINIO_OPTS", "--address :\(text(h, "minio_port")) --console-address :\(text(h, "minio_admin_port"))"),
            .set("MINIO_VOLUMES", volumes(node, graph: graph)),
            .set("MINIO_ROOT_USER", text(h, "minio_access_key")),
            .set("MINIO_ROOT_PASSWORD", secret),
            .set("MINIO_PROMETHEUS_AUTH_TYPE", "public"),
            .set("MINIO_PROMETHEUS_JOB_ID", "minio"),
            .set("MINIO_PROMETHEUS_URL", "http://\(text(h, "admin_ip")):\(text(h, "vmetrics_port"))"),
        ]
        let extra = text(h, "minio_extra_vars")
        if !extra.isEmpty { lines += [.blank, .comment("minio_extra_vars"), .raw(extra)] }
        return file(node.ip, "silo", group: "minio", mode: 0o640, step: .minio, secrets: [secret], lines)
    }

    /// `MINIO_VOLUMES`: `minio_volumes` when set; else `minio_data` for a single node, and for a
    /// cluster `<scheme>://<minio_node with the seq range>:<minio_port><minio_data>`.
    static func volumes(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        let given = text(h, "minio_volumes")
        if !given.isEmpty { return given }
        let data = text(h, "minio_data")
        let cluster = text(h, "minio_cluster")
        let members = graph.resolved.hosts.filter { $0.binding("minio_cluster") != nil && Jinja.text($0.value("minio_cluster")) == cluster }
        guard Set(members.map(\.name)).count > 1 else { return data }
        let seqs = members.compactMap { $0.int("minio_seq") }
        let range = "{\(seqs.min() ?? 0)...\(seqs.max() ?? 0)}"
        let host = Jinja.str(h.value("minio_node")).replacingOccurrences(of: "${minio_cluster}", with: cluster)
            .replacingOccurrences(of: "${minio_seq}", with: range)
        let scheme = Jinja.bool(h.value("minio_https"), default: true) ? "https" : "http"
        return "\(scheme)://\(host):\(text(h, "minio_port"))\(data)"
    }

    // MARK: pgsql

    static func pgExporter(_ ins: PgInstanceResource, dbsu: String) -> EnvironmentFile {
        let h = ins.host
        let password = text(h, "pg_monitor_password")
        let url: String
        let given = text(h, "pg_exporter_url")
        if !given.isEmpty {
            url = given
        } else {
            let params = text(h, "pg_exporter_params")
            let local = text(h, "pg_localhost")
            let query = params.isEmpty ? "" : "?\(params)" + (local.isEmpty ? "" : "&host=\(local)")
            url = "postgres://\(text(h, "pg_monitor_username")):\(password)@:\(text(h, "pg_port"))/postgres\(query)"
        }
        let options = text(h, "pg_exporter_options")
        return file(ins.ip, "pg_exporter", owner: dbsu, group: "postgres", mode: 0o600, step: .pgsql,
                    secrets: [password, given], [
            .comment("pg_exporter: the monitor user's URL (pg_exporter_url overrides it) and options"),
            .set("PG_EXPORTER_URL", url),
            .set("PG_EXPORTER_AUTO_DISCOVERY", Jinja.bool(h.value("pg_exporter_auto_discovery")) ? "true" : "false"),
            .set("PG_EXPORTER_EXCLUDE_DATABASE", text(h, "pg_exporter_exclude_database")),
            .set("PG_EXPORTER_INCLUDE_DATABASE", text(h, "pg_exporter_include_database")),
            .set("PG_EXPORTER_CONFIG", "/etc/pg_exporter.yml"),
            .set("PG_EXPORTER_TELEMETRY_PATH", text(h, "exporter_metrics_path")),
            .set("PG_EXPORTER_DISABLE_CACHE", "false"),
            .set("PG_EXPORTER_CONNECT_TIMEOUT", text(h, "pg_exporter_connect_timeout")),
            .set("PG_EXPORTER_OPTS", "--web.listen-address=:\(text(h, "pg_exporter_port")) "
                 + (options.isEmpty ? "--log.level=info" : options)),
        ])
    }

    static func pgbouncerExporter(_ ins: PgInstanceResource, dbsu: String) -> EnvironmentFile {
        let h = ins.host
        let password = text(h, "pg_monitor_password")
        let given = text(h, "pgbouncer_exporter_url")
        let url = given.isEmpty
            ? "postgres://\(text(h, "pg_monitor_username")):\(password)@:\(text(h, "pgbouncer_port"))/pgbouncer"
              + "?host=\(text(h, "pg_localhost"))&sslmode=disable"
            : given
        let options = text(h, "pgbouncer_exporter_options")
        return file(ins.ip, "pgbouncer_exporter", owner: dbsu, group: "postgres", mode: 0o600, step: .pgbouncer,
                    secrets: [password, given], [
            .comment("pgbouncer_exporter: pg_exporter against pgbouncer's admin database"),
            .set("PG_EXPORTER_CONFIG", "/etc/pgbouncer_exporter.yml"),
            .set("PG_EXPORTER_OPTS", "--web.listen-address=:\(text(h, "pgbouncer_exporter_port")) "
                 + (options.isEmpty ? "--log.level=info" : options)),
            .set("PG_EXPORTER_URL", url),
            .set("PG_EXPORTER_TELEMETRY_PATH", text(h, "exporter_metrics_path")),
            .set("PG_EXPORTER_DISABLE_CACHE", "false"),
            .set("PG_EXPORTER_AUTO_DISCOVERY", "false"),
            .set("PG_EXPORTER_CONNECT_TIMEOUT", text(h, "pg_exporter_connect_timeout")),
        ])
    }

    static func pgbackrestExporter(_ ins: PgInstanceResource, dbsu: String) -> EnvironmentFile {
        let h = ins.host
        let options = text(h, "pgbackrest_exporter_options")
        return file(ins.ip, "pgbackrest_exporter", owner: dbsu, group: "postgres", mode: 0o600, step: .pgsql, [
            .comment("pgbackrest_exporter options (pgbackrest_exporter_options)"),
            .set("EXPORTER_OPTS", options.isEmpty ? "--log.level=info" : options),
            .comment("port and metrics path (informational: the exporter takes its flags from EXPORTER_OPTS)"),
            .set("EXPORTER_PORT", text(h, "pgbackrest_exporter_port")),
            .set("EXPORTER_ENDPOINT", text(h, "exporter_metrics_path")),
        ])
    }

    // MARK: redis

    static func redisExporter(_ node: NodeResource) -> EnvironmentFile {
        let h = node.host
        let password = h.value("redis_password").map { Jinja.text($0) } ?? ""
        var lines: [EnvironmentLine] = [
            .comment("redis_exporter options (redis_exporter_options, redis_exporter_port)"),
            .set("REDIS_EXPORTER_OPTS", text(h, "redis_exporter_options")),
            .set("REDIS_EXPORTER_CONNECTION_TIMEOUT", "10s"),
            .set("REDIS_EXPORTER_WEB_LISTEN_ADDRESS", "0.0.0.0:\(text(h, "redis_exporter_port"))"),
            .set("REDIS_EXPORTER_WEB_TELEMETRY_PATH", text(h, "exporter_metrics_path")),
            .set("REDIS_EXPORTER_INCL_SYSTEM_METRICS", "true"),
        ]
        if !password.isEmpty { lines.append(.set("REDIS_PASSWORD", password)) }
        return file(node.ip, "redis_exporter", mode: 0o600, step: .redis, secrets: [password], lines)
    }
}
