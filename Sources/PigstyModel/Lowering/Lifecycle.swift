import PigstyFormats
import PigstyInventory

/// How a node's services come up from its bundle: which services each step starts, in dependency
/// order, with the readiness check each must pass, and the post-start actions on PostgreSQL
/// primaries (provisioning, the pgBackRest stanza). Pigsty's roles start the same services in the
/// same order (`node_monitor`, `haproxy`, `infra`, `etcd`, `minio`, `pgsql`, `pg_monitor`,
/// `redis`); the packages are installed outside the bundle.
public struct LifecycleModel: Sendable {
    /// Per node in inventory order, then in start order.
    public let services: [ServiceStart]
    public let actions: [PostStartAction]

    init(services: [ServiceStart] = [], actions: [PostStartAction] = []) {
        self.services = services
        self.actions = actions
    }

    static func lower(_ graph: ResourceGraph) -> LifecycleModel {
        let units = Dictionary(grouping: graph.units.units, by: \.ip)
        let keepalived = Set(graph.vip.keepalived.map(\.ip))
        let nginx = Set(graph.portal.servers.map(\.ip))
        // grafana-server is started only where infra installs it (grafana_enabled, on by default).
        let grafana = Set(graph.monitoring.infra.map(\.ip).filter { ip in
            graph.node(ip).map { Jinja.bool($0.host.value("grafana_enabled"), default: true) } ?? true
        })
        var etcd: [String: EtcdMemberConfig] = [:]
        for m in graph.etcd.members { etcd[m.ip] = m }
        var patroni: [String: PatroniConfig] = [:]
        var primaries: Set<String> = []
        for ins in graph.pgInstances where ins.isPrimary { primaries.insert(ins.ip) }
        for ins in graph.pgsql.instances {
            if case .config(let c)? = ins.patroni { patroni[ins.ip] = c }
        }
        var services: [ServiceStart] = []
        for node in graph.nodes {
            let ip = node.ip
            var order = 0
            func add(_ unit: String, _ step: ApplyStep, _ readiness: Readiness = .active, timeout: Int = 60) {
                guard !services.contains(where: { $0.ip == ip && $0.unit == unit }) else { return }
                services.append(ServiceStart(ip: ip, unit: unit, step: step, order: order, readiness: readiness, timeout: timeout,
                                             configCheck: ConfigCheck.of(unit)))
                order += 1
            }
            var mine = units[ip] ?? []
            // Package units without a unit file of pigstyc's, where their roles start them:
            // keepalived (node), nginx first and grafana-server after the VictoriaMetrics stack (infra).
            for u in mine where u.step == .node { add(u.name, .node) }
            if keepalived.contains(ip) { add("keepalived", .node) }
            mine.removeAll { $0.step == .node }
            if nginx.contains(ip) { add("nginx", .infra) }
            for u in mine {
                switch u.name {
                // PostgreSQL runs under Patroni; its own unit is for running it without Patroni.
                case "postgres": continue
                case "etcd":
                    add("etcd", .etcd, etcd[ip].map { .etcdHealth(endpoint: $0.advertiseClientURL) } ?? .active)
                case "patroni":
                    if let c = patroni[ip] {
                        // The primary bootstraps the cluster; a replica is ready once it replicates.
                        add("patroni", .pgsql, .patroni(address: c.apiAddress, tls: c.sslAPI,
                                                        role: primaries.contains(ip) ? .primary : .replica),
                            timeout: 300)
                    } else {
                        add("patroni", .pgsql)
                    }
                case "alertmanager":
                    add(u.name, u.step)
                    if grafana.contains(ip) { add("grafana-server", .infra) }
                default: add(u.name, u.step)
                }
            }
            if grafana.contains(ip) { add("grafana-server", .infra) }
        }
        var actions: [PostStartAction] = []
        let backrest = Dictionary(graph.pgNode.instances.map { ($0.ip, $0) }, uniquingKeysWith: { a, _ in a })
        for p in graph.pgProvision.instances {
            guard let c = patroni[p.ip] else { continue }
            let primary = Readiness.patroni(address: c.apiAddress, tls: c.sslAPI, role: .primary)
            if p.initScripts != nil {
                actions.append(PostStartAction(ip: p.ip, name: "pg-init", step: .pgsql, order: 0, when: primary,
                                               kind: .pgInit(dbsu: p.dbsu),
                                               inputs: ["/pg/bin/pg-init", "/pg/tmp/pg-init-roles.sql", "/pg/tmp/pg-init-template.sql"]))
            }
            actions.append(PostStartAction(ip: p.ip, name: "pg-provision", step: .pgsql, order: 1, when: primary,
                                           kind: .pgProvision(dbsu: p.dbsu),
                                           inputs: ["/pg/bin/pg-provision"] + p.users.map { "/pg/tmp/pg-user-\($0.name).sql" }
                                               + p.databases.map { "/pg/tmp/pg-db-\($0.name).sql" }))
            if let b = backrest[p.ip]?.backrest {
                actions.append(PostStartAction(ip: p.ip, name: "pgbackrest-stanza", step: .pgsql, order: 2, when: primary,
                                               kind: .pgbackrestStanza(dbsu: p.dbsu, stanza: b.stanza),
                                               inputs: ["/etc/pgbackrest/pgbackrest.conf"]))
            }
        }
        // Every Patroni member: only the one that is the primary when apply runs sends the file's
        // dynamic configuration to the DCS (after a failover that is not the inventory's primary).
        for ins in graph.pgsql.instances {
            guard case .config(let c)? = ins.patroni else { continue }
            let primary = Readiness.patroni(address: c.apiAddress, tls: c.sslAPI, role: .primary)
            let config = "/pg/conf/\(ins.name).yml"
            actions.append(PostStartAction(ip: ins.ip, name: "patroni-dcs", step: .pgsql, order: 3, when: primary,
                                           kind: .patroniDCS(dbsu: ins.fileOwner, config: config),
                                           inputs: ["/pg/bin/pg-dcs-sync", config]))
            // Replicas restart themselves in their own waves (one at a time, each health-checked
            // before the next), after the primary's wave changed the DCS: a rolling restart,
            // replicas first. The primary is never restarted by apply: pg-dcs-sync names it, and
            // the operator switches over or restarts it.
            let replica = Readiness.patroni(address: c.apiAddress, tls: c.sslAPI, role: .replica)
            actions.append(PostStartAction(ip: ins.ip, name: "patroni-restart", step: .pgsql, order: 4, when: replica,
                                           kind: .patroniRestartPending(dbsu: ins.fileOwner, config: config),
                                           inputs: ["/pg/bin/pg-dcs-sync", config, "/pg/data/postgresql.auto.conf"]))
        }
        return LifecycleModel(services: services, actions: actions)
    }
}

/// A service a node runs: started in its step, in `order`, then waited for.
public struct ServiceStart: Sendable, Equatable {
    public let ip: String
    public let unit: String
    public let step: ApplyStep
    public let order: Int
    public let readiness: Readiness
    /// Seconds the readiness check may take after a start.
    public let timeout: Int
    /// The service's own check of its configuration, run before a reload or restart.
    public let configCheck: ConfigCheck?
}

/// A service's own check of the configuration files pigstyc installs for it: run after a step
/// installed them and before the running service is reloaded or restarted; when it fails, apply
/// puts the previous files back and stops (the service keeps running on what it had).
public enum ConfigCheck: Sendable, Equatable {
    /// `haproxy -c` over the files the unit reads (`-f haproxy.cfg -f conf.d`).
    case haproxy(files: String)
    /// `nginx -t`.
    case nginx
    /// `dnsmasq --test` (`/etc/dnsmasq.conf` and the directories it includes).
    case dnsmasq
    /// `keepalived -t`.
    case keepalived
    /// Patroni's configuration parses as YAML with the parser Patroni uses. (`patroni
    /// --validate-config` refuses a running node: its ports are in use.)
    case patroniYAML(path: String)

    static func of(_ unit: String) -> ConfigCheck? {
        switch unit {
        case "haproxy": return .haproxy(files: UnitCatalog.haproxyFiles)
        case "nginx": return .nginx
        case "dnsmasq": return .dnsmasq
        case "keepalived": return .keepalived
        case "patroni": return .patroniYAML(path: UnitCatalog.patroniConfig)
        default: return nil
        }
    }
}

/// What tells that a started service is ready (the checks Pigsty's roles wait for).
public enum Readiness: Sendable, Equatable {
    /// `systemctl is-active`.
    case active
    /// `etcdctl endpoint health` against the member's client URL.
    case etcdHealth(endpoint: String)
    /// Patroni's REST API on `<ip>:<port>`: `/primary` answers 200 on the leader, `/replica` on a
    /// running replica.
    case patroni(address: String, tls: Bool, role: PatroniRole)

    public enum PatroniRole: String, Sendable, Equatable {
        case primary, replica
    }
}

/// A command run on the node after its step's services are ready, when `when` passes, and again
/// only when the command or its inputs change.
public struct PostStartAction: Sendable, Equatable {
    public let ip: String
    public let name: String
    public let step: ApplyStep
    public let order: Int
    /// Run only where this check passes (the instance is the cluster's running primary).
    public let when: Readiness?
    public let kind: Kind
    /// The bundle's files the command reads.
    public let inputs: [String]

    public enum Kind: Sendable, Equatable {
        /// `/pg/bin/pg-init` as the dbsu: the default roles and the template objects.
        case pgInit(dbsu: String)
        /// `/pg/bin/pg-provision` as the dbsu: `pg_users` and `pg_databases`.
        case pgProvision(dbsu: String)
        /// `pgbackrest stanza-create` and, while the repository has none, a first full backup.
        case pgbackrestStanza(dbsu: String, stanza: String)
        /// `/pg/bin/pg-dcs-sync <config>` as the dbsu: the file's `bootstrap.dcs` into the DCS.
        case patroniDCS(dbsu: String, config: String)
        /// `/pg/bin/pg-dcs-sync --restart-pending <config>`: a replica restarts itself when
        /// Patroni marks it pending restart (a `postmaster` parameter changed).
        case patroniRestartPending(dbsu: String, config: String)
    }
}
