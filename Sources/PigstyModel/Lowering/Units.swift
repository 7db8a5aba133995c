import PigstyFormats
import PigstyInventory

/// The typed resources of systemd: every service unit Pigsty's roles install under
/// `/etc/systemd/system/`, the `/etc/default/<service>` environment files those units read, and
/// the `/etc/tmpfiles.d/` entries, each on the nodes where its role installs it (Lowering/UnitCatalog.swift
/// holds the units' settings, Lowering/UnitEnvironment.swift the environment files).
public struct UnitsModel: Sendable {
    /// Per node in inventory order, then in the order of Pigsty's playbooks.
    public let units: [ServiceUnit]
    public let environmentFiles: [EnvironmentFile]
    public let tmpfiles: [TmpfilesFile]

    init(units: [ServiceUnit] = [], environmentFiles: [EnvironmentFile] = [], tmpfiles: [TmpfilesFile] = []) {
        self.units = units
        self.environmentFiles = environmentFiles
        self.tmpfiles = tmpfiles
    }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> UnitsModel {
        var b = UnitsLowering(graph: graph)
        b.lower()
        return UnitsModel(units: b.units, environmentFiles: b.env, tmpfiles: b.tmpfiles)
    }
}

/// One `/etc/systemd/system/<name>.service`.
public struct ServiceUnit: Sendable, Equatable {
    public let ip: String
    /// The unit's name without `.service`.
    public let name: String
    public let step: ApplyStep
    /// Whether a change of the unit restarts it (stateless services). Without it the new
    /// definition is loaded (`daemon-reload`) and applies at the service's next restart.
    public let restartOnChange: Bool
    public let sections: [UnitSection]
    public var path: String { "/etc/systemd/system/\(name).service" }
}

/// `[Name]` and its lines, in order.
public struct UnitSection: Sendable, Equatable {
    public let name: String
    public let entries: [UnitEntry]
}

/// One line of a unit file; values from the inventory only in typed positions.
public enum UnitEntry: Sendable, Equatable {
    /// `Key=text`: a setting read literally (specifiers apart) that holds an inventory value.
    case text(String, String)
    /// `Key=value`: a setting of pigstyc's own, written as is (`CPUQuota=10%`).
    case fixed(String, String)
    /// `Key=command line`.
    case command(String, [SystemdArg])
    /// `Key=NAME=value …` (`Environment=`).
    case environment(String, [UnitVariable])
    case comment(String)
    case blank
}

public struct UnitVariable: Sendable, Equatable {
    public let name: String
    public let value: String
}

/// One `/etc/default/<service>` file.
public struct EnvironmentFile: Sendable, Equatable {
    public let ip: String
    public let path: String
    public let owner: String
    public let group: String
    public let mode: Int
    public let step: ApplyStep
    /// The unit restarted when the file changes (it reads the file only when it starts).
    public let unit: String
    public let lines: [EnvironmentLine]
    /// Values that are secrets (passwords), for masking.
    public let secrets: [String]
}

public enum EnvironmentLine: Sendable, Equatable {
    /// `NAME='value'`.
    case set(String, String)
    case comment(String)
    /// A line the inventory gives as configuration text (`minio_extra_vars`); one line (PGS0315).
    case raw(String)
    case blank
}

/// One `/etc/tmpfiles.d/<name>.conf`: `d <path> <mode> <user> <group> -` lines.
public struct TmpfilesFile: Sendable, Equatable {
    public let ip: String
    public let path: String
    public let step: ApplyStep
    public let directories: [TmpfilesDirectory]
}

public struct TmpfilesDirectory: Sendable, Equatable {
    public let path: String
    public let mode: String
    /// Account names (`check` requires `useradd` names, PGS0305).
    public let user: String
    public let group: String
}

/// Collects the units, environment files and tmpfiles entries of every node, role by role.
struct UnitsLowering {
    let graph: ResourceGraph
    var units: [ServiceUnit] = []
    var env: [EnvironmentFile] = []
    var tmpfiles: [TmpfilesFile] = []

    init(graph: ResourceGraph) { self.graph = graph }

    mutating func unit(_ ip: String, _ name: String, _ step: ApplyStep, restart: Bool, _ sections: [UnitSection]) {
        units.append(ServiceUnit(ip: ip, name: name, step: step, restartOnChange: restart, sections: sections))
    }

    mutating func lower() {
        let monitoring = graph.monitoring
        let portal = graph.portal
        let infraIPs = Set(graph.infraNodes.map(\.ip))
        let etcdIPs = Set(graph.etcdMembers.map(\.ip))
        let minioIPs = Set(graph.minioClusters.flatMap(\.members))
        let redisIPs = Set(graph.redisClusters.flatMap(\.members))
        let redisInstances = Dictionary(grouping: graph.redis.instances, by: \.ip)
        let instances = Dictionary(grouping: graph.pgInstances, by: \.ip)
        for node in graph.nodes {
            let h = node.host
            let ip = node.ip
            // node.yml: node_monitor (node_exporter, keepalived_exporter, vector) and haproxy.
            nodeRole(node)
            if node.modules.haproxy { unit(ip, "haproxy", .haproxy, restart: false, UnitCatalog.haproxy) }
            // infra.yml
            if infraIPs.contains(ip) {
                infraRole(node, monitoring: monitoring.infra.first { $0.ip == ip },
                          nginx: portal.servers.first { $0.ip == ip })
            }
            if etcdIPs.contains(ip) {
                unit(ip, "etcd", .etcd, restart: true, UnitCatalog.etcd(data: Jinja.text(h.value("etcd_data"))))
            }
            if minioIPs.contains(ip) { minioRole(node) }
            for ins in instances[ip] ?? [] { pgsqlRole(ins, node: node) }
            if redisIPs.contains(ip) { redisRole(node, instances: redisInstances[ip] ?? []) }
        }
    }

    // MARK: node

    mutating func nodeRole(_ node: NodeResource) {
        let h = node.host
        let ip = node.ip
        let path = Jinja.text(h.value("exporter_metrics_path"))
        // node_monitor installs and starts each agent only when it is enabled.
        if Jinja.bool(h.value("node_exporter_enabled"), default: true) {
            unit(ip, "node_exporter", .node, restart: true, UnitCatalog.nodeExporter)
            env.append(UnitEnvironment.nodeExporter(ip, port: Jinja.text(h.value("node_exporter_port")), path: path,
                                                    options: Jinja.text(h.value("node_exporter_options"))))
        }
        if Jinja.bool(h.value("vip_enabled")) {
            unit(ip, "keepalived_exporter", .node, restart: true, UnitCatalog.keepalivedExporter)
            env.append(UnitEnvironment.keepalivedExporter(ip, port: Jinja.text(h.value("vip_exporter_port")), path: path))
        }
        if Jinja.bool(h.value("vector_enabled"), default: true) {
            unit(ip, "vector", .node, restart: true, UnitCatalog.vector)
            env.append(UnitEnvironment.vector(ip))
        }
    }

    // MARK: infra

    mutating func infraRole(_ node: NodeResource, monitoring: InfraMonitor?, nginx: NginxServer?) {
        let h = node.host
        let ip = node.ip
        unit(ip, "dnsmasq", .infra, restart: true, UnitCatalog.dnsmasq)
        if nginx?.exporterPort != nil { unit(ip, "nginx_exporter", .infra, restart: true, UnitCatalog.nginxExporter) }
        if let vm = monitoring?.victoria {
            if vm.vmetricsEnabled { unit(ip, "vmetrics", .infra, restart: true, UnitCatalog.vmetrics) }
            if vm.vlogsEnabled { unit(ip, "vlogs", .infra, restart: true, UnitCatalog.vlogs) }
            if vm.vtracesEnabled { unit(ip, "vtraces", .infra, restart: true, UnitCatalog.vtraces) }
            if vm.vmalertEnabled { unit(ip, "vmalert", .infra, restart: true, UnitCatalog.vmalert) }
        }
        if Jinja.bool(h.value("alertmanager_enabled"), default: true) {
            unit(ip, "alertmanager", .infra, restart: true, UnitCatalog.alertmanager)
            env.append(UnitEnvironment.alertmanager(ip, port: Jinja.text(h.value("alertmanager_port")),
                                                    options: Jinja.text(h.value("alertmanager_options"))))
        }
        if Jinja.bool(h.value("blackbox_enabled"), default: true) {
            unit(ip, "blackbox_exporter", .infra, restart: true, UnitCatalog.blackbox)
            env.append(UnitEnvironment.blackbox(ip, port: Jinja.text(h.value("blackbox_port")),
                                                options: Jinja.text(h.value("blackbox_options"))))
        }
    }

    // MARK: minio

    mutating func minioRole(_ node: NodeResource) {
        let h = node.host
        let user = Jinja.text(h.value("minio_user"))
        unit(node.ip, "silo", .minio, restart: true, UnitCatalog.silo(user: user.isEmpty ? "minio" : user))
        env.append(UnitEnvironment.silo(node, graph: graph))
    }

    // MARK: pgsql

    mutating func pgsqlRole(_ ins: PgInstanceResource, node: NodeResource) {
        let h = ins.host
        let ip = ins.ip
        let dbsu = h.string("pg_dbsu") ?? "postgres"
        let home = Jinja.text(h.value("pg_dbsu_home"))
        let watchdog = Jinja.str(h.value("patroni_watchdog_mode")).lowercased() == "required"
        // install.yml: /var/run/postgresql survives a reboot.
        tmpfiles.append(TmpfilesFile(ip: ip, path: "/etc/tmpfiles.d/postgresql.conf", step: .pgsql, directories: [
            TmpfilesDirectory(path: "/var/run/postgresql", mode: "0755", user: dbsu, group: "postgres")]))
        // config.yml: both units, whichever runs PostgreSQL. A change never restarts them.
        unit(ip, "patroni", .pgsql, restart: false, UnitCatalog.patroni(dbsu: dbsu, home: home, watchdog: watchdog))
        unit(ip, "postgres", .pgsql, restart: false, UnitCatalog.postgres(
            version: Jinja.text(h.value("pg_version")), dbsu: dbsu, home: home,
            data: Jinja.text(h.value("pg_data")), binDir: Jinja.text(h.value("pg_bin_dir"))))
        if ins.pgbouncerEnabled {
            unit(ip, "pgbouncer", .pgbouncer, restart: false,
                 UnitCatalog.pgbouncer(dbsu: dbsu, sbin: node.facts.package == "deb"))
        }
        if ins.vip.enabled { unit(ip, "vip-manager", .vip, restart: true, UnitCatalog.vipManager) }
        // pg_monitor
        if Jinja.bool(h.value("pg_exporter_enabled")) {
            unit(ip, "pg_exporter", .pgsql, restart: true, UnitCatalog.pgExporter(dbsu: dbsu))
            env.append(UnitEnvironment.pgExporter(ins, dbsu: dbsu))
        }
        if ins.pgbouncerEnabled, Jinja.bool(h.value("pgbouncer_exporter_enabled")) {
            unit(ip, "pgbouncer_exporter", .pgbouncer, restart: true, UnitCatalog.pgbouncerExporter(dbsu: dbsu))
            env.append(UnitEnvironment.pgbouncerExporter(ins, dbsu: dbsu))
        }
        if Jinja.bool(h.value("pgbackrest_enabled")), Jinja.bool(h.value("pgbackrest_exporter_enabled")) {
            unit(ip, "pgbackrest_exporter", .pgsql, restart: true, UnitCatalog.pgbackrestExporter(dbsu: dbsu))
            env.append(UnitEnvironment.pgbackrestExporter(ins, dbsu: dbsu))
        }
    }

    // MARK: redis

    mutating func redisRole(_ node: NodeResource, instances: [RedisInstanceConfig]) {
        let h = node.host
        let ip = node.ip
        tmpfiles.append(TmpfilesFile(ip: ip, path: "/etc/tmpfiles.d/redis.conf", step: .redis, directories: [
            TmpfilesDirectory(path: "/var/run/redis", mode: "0755", user: "redis", group: "redis")]))
        unit(ip, "redis_exporter", .redis, restart: true, UnitCatalog.redisExporter)
        env.append(UnitEnvironment.redisExporter(node))
        let server = Jinja.str(h.value("redis_type"))
        for r in instances {
            // Each instance restarts on a change of its unit, as on a change of its config;
            // the nodes of a Redis cluster apply one at a time.
            unit(ip, r.unit, .redis, restart: true, UnitCatalog.redis(r, server: server.isEmpty ? "redis" : server))
        }
    }
}
