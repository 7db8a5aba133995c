import PigstyInventory
import PigstyYAML

/// The administration environment Pigsty sets up: on infra nodes the infra role's tools for the
/// admin (patronictl's configuration, the admin user's libpq password and service files, shell
/// environment, pgAdmin's server list); on every node the node role's admin account (sudo rule,
/// ssh settings); and the etcdctl profile on infra nodes and etcd members.
public struct AdminEnvModel: Sendable {
    /// One entry per node of group `infra`, in Ansible's order.
    public let infra: [InfraEnvFiles]
    /// One entry per node with `node_admin_enabled` and a non-empty `node_admin_username`.
    public let admins: [NodeAdminFiles]
    /// `/etc/profile.d/etcdctl.sh`: the etcd role's on etcd members, else the infra role's on infra nodes.
    public let etcdctl: [EtcdctlProfile]

    init(infra: [InfraEnvFiles] = [], admins: [NodeAdminFiles] = [], etcdctl: [EtcdctlProfile] = []) {
        self.infra = infra
        self.admins = admins
        self.etcdctl = etcdctl
    }

    static func lower(_ graph: ResourceGraph) -> AdminEnvModel {
        let infra = graph.infraNodes.map { InfraEnvFiles.lower($0, graph: graph) }
        let admins = graph.nodes.compactMap(NodeAdminFiles.lower)
        var etcdctl: [EtcdctlProfile] = []
        var done = Set<String>()
        let etcdGroup = Set(graph.hosts(inGroup: "etcd"))
        for m in graph.etcdMembers where done.insert(m.ip).inserted {
            guard let node = graph.node(m.ip) else { continue }
            let h = node.host
            let port = Jinja.text(h.value("etcd_port"))
            var users = ["root"]
            if let admin = NodeAdminFiles.adminName(h), admin != "root" { users.append(admin) }
            etcdctl.append(EtcdctlProfile(
                ip: m.ip,
                endpoints: graph.hosts(inGroup: m.cluster).map { "https://\($0):\(port)" },
                certificates: etcdGroup.contains(m.ip) ? .etcd : nil,
                passwordUsers: users))
        }
        let etcdDefined = graph.groupNames.contains("etcd")
        for node in graph.infraNodes where done.insert(node.ip).inserted {
            let port = Jinja.text(node.host.value("etcd_port"))
            etcdctl.append(EtcdctlProfile(
                ip: node.ip, endpoints: etcdDefined ? graph.etcdHostsSorted.map { "https://\($0):\(port)" } : nil,
                certificates: .infra, passwordUsers: nil))
        }
        return AdminEnvModel(infra: infra, admins: admins, etcdctl: etcdctl)
    }
}

/// `/etc/profile.d/etcdctl.sh`: etcdctl's aliases and environment.
public struct EtcdctlProfile: Sendable, Equatable {
    public enum Certificates: Sendable, Equatable {
        /// The member's own server certificate in `/etc/etcd`.
        case etcd
        /// The infra node's client certificate in `/etc/pki`.
        case infra
    }

    public let ip: String
    /// `ETCDCTL_ENDPOINTS`; nil when the inventory has no `etcd` group (infra role).
    public let endpoints: [String]?
    /// Which certificate the profile points etcdctl at; nil: none (an etcd member outside group `etcd`).
    public let certificates: Certificates?
    /// Accounts whose shells log in as etcd's root user with `/etc/etcd/etcd.pass` (etcd role);
    /// nil: no login (infra role).
    public let passwordUsers: [String]?
}

/// The node role's admin account on one node (`node_admin_enabled`).
public struct NodeAdminFiles: Sendable, Equatable {
    public let ip: String
    /// `node_admin_username`.
    public let username: String
    /// `node_admin_uid`: the admin user's uid and the `admin` group's gid.
    public let uid: Int?
    /// `node_admin_sudo` as written: `nopass`, `all`, `limit`, anything else means nopass.
    public let sudo: String

    static func adminName(_ h: ResolvedHost) -> String? {
        guard Jinja.bool(h.value("node_admin_enabled")) else { return nil }
        let name = Jinja.text(h.value("node_admin_username"))
        return name.isEmpty ? nil : name
    }

    static func lower(_ node: NodeResource) -> NodeAdminFiles? {
        let h = node.host
        guard let name = adminName(h) else { return nil }
        return NodeAdminFiles(ip: node.ip, username: name, uid: h.int("node_admin_uid"),
                              sudo: Jinja.text(h.value("node_admin_sudo")))
    }
}

/// One infra node's admin environment (the infra role's `env` tasks).
public struct InfraEnvFiles: Sendable {
    public let ip: String
    /// The home of the account Ansible connects as (`ansible_user`; root when unset), where the
    /// infra role writes `.pgpass`, `.pg_service.conf`, `.pigsty` and `.bashrc`.
    public let home: String
    public let homeOwner: String
    public let patronictl: PatronictlConfig
    /// `.pgpass` entries: the replication, monitor and admin users.
    public let pgpass: [Credential]
    /// `pg_admin_username`/`pg_admin_password` (pgAdmin's password file, `PGUSER`).
    public let admin: Credential
    /// `.pg_service.conf`: the CMDB service `meta` first, then every cluster, database and instance.
    public let services: [PgServiceEntry]
    /// pgAdmin's server list: every inventory host with a `pg_cluster`.
    public let pgadminServers: [PgadminServer]
    public let grafana: Credential
    /// `node_admin_uid`: the gid of the group `admin` the node role always creates (patronictl.yml's group).
    public let adminGID: Int?

    public struct Credential: Sendable, Equatable {
        public let user: String
        public let password: String
    }

    static func lower(_ node: NodeResource, graph: ResourceGraph) -> InfraEnvFiles {
        let h = node.host
        func credential(_ prefix: String) -> Credential {
            Credential(user: Jinja.text(h.value(prefix + "_username")), password: Jinja.text(h.value(prefix + "_password")))
        }
        let user = node.connection.user ?? "root"
        let admin = credential("pg_admin")
        return InfraEnvFiles(
            ip: node.ip, home: user == "root" ? "/root" : "/home/\(user)", homeOwner: user,
            patronictl: PatronictlConfig.lower(node, graph: graph),
            pgpass: [credential("pg_replication"), credential("pg_monitor"), admin],
            admin: admin, services: PgServiceEntry.lower(infra: h, graph: graph),
            pgadminServers: PgadminServer.lower(graph), grafana: credential("grafana_admin"),
            adminGID: h.int("node_admin_uid"))
    }
}

/// `/infra/conf/patronictl.yml`: patronictl on an infra node, reaching every cluster through etcd.
public struct PatronictlConfig: Sendable, Equatable {
    /// `pg_namespace` with a trailing `/`.
    public let namespace: String
    /// `<ip>:<etcd_port>` for the `etcd` group, sorted (`admin_ip:2379` without the group).
    public let etcdHosts: [String]
    public let etcdPassword: String
    public let restPort: String
    public let connectAddress: String
    public let ssl: Bool
    public let username: String
    public let password: String
    /// `admin_ip` and the infra nodes, sorted, unique.
    public let allowlist: [String]

    static func lower(_ node: NodeResource, graph: ResourceGraph) -> PatronictlConfig {
        let h = node.host
        let port = Jinja.text(h.value("patroni_port"))
        let adminIP = Jinja.text(h.value("admin_ip"))
        let etcdPort = Jinja.text(h.value("etcd_port"))
        let hosts = graph.groupNames.contains("etcd")
            ? graph.hosts(inGroup: "etcd").sorted().map { "\($0):\(etcdPort)" }
            : ["\(adminIP.isEmpty ? "10.10.10.10" : adminIP):2379"]
        return PatronictlConfig(
            namespace: Jinja.text(h.value("pg_namespace")) + "/", etcdHosts: hosts,
            etcdPassword: Jinja.text(h.value("etcd_root_password")), restPort: port,
            connectAddress: "\(node.ip):\(port)", ssl: Jinja.bool(h.value("patroni_ssl_enabled")),
            username: Jinja.text(h.value("patroni_username")), password: Jinja.text(h.value("patroni_password")),
            allowlist: Array(Set([adminIP] + graph.infraNodes.map(\.ip))).sorted())
    }
}

/// One section of `.pg_service.conf` (a libpq connection service).
public struct PgServiceEntry: Sendable, Equatable {
    /// The comment above the section (`cluster: pg-meta`).
    public let comment: String?
    public let name: String
    public let host: String
    public let port: String
    public let user: String
    public let password: String
    public let dbname: String

    /// A value of another host as Pigsty's template reads it from `hostvars`: the inventory's
    /// value (role defaults are not host variables), else the template's default.
    static func hostvar(_ h: ResolvedHost, _ name: String, _ fallback: String) -> String {
        guard let b = h.binding(name), !b.value.isNull else { return fallback }
        return Jinja.text(b.value)
    }

    static func lower(infra: ResolvedHost, graph: ResourceGraph) -> [PgServiceEntry] {
        var out = [PgServiceEntry(comment: nil, name: "meta", host: "127.0.0.1", port: "5432",
                                  user: Jinja.text(infra.value("pg_admin_username")),
                                  password: Jinja.text(infra.value("pg_admin_password")), dbname: "meta")]
        // Pigsty's template tests the infra node's own `pg_role` and `pg_seq` here (not each
        // host's): an infra node that is no PostgreSQL instance lists no database.
        guard infra.binding("pg_role") != nil, infra.binding("pg_seq") != nil else { return out }
        let suffix = hostvar(infra, "pg_dns_suffix", "")
        for node in graph.nodes {
            let h = node.host
            let cluster = hostvar(h, "pg_cluster", "")
            guard !cluster.isEmpty else { continue }
            let port = hostvar(h, "pg_port", "5432")
            let user = hostvar(h, "pg_admin_username", "dbuser_dba")
            let password = hostvar(h, "pg_admin_password", "DBUser.DBA")
            let primaryDB = hostvar(h, "pg_primary_db", "postgres")
            let seq = hostvar(h, "pg_seq", "")
            func entry(_ comment: String, _ name: String, host: String, db: String) -> PgServiceEntry {
                PgServiceEntry(comment: comment, name: name, host: host, port: port, user: user, password: password, dbname: db)
            }
            if hostvar(h, "pg_role", "") == "primary" {
                let host: String
                if h.binding("dns_enabled").map({ Jinja.truthy($0.value) }) ?? true {
                    host = cluster + suffix
                } else if h.binding("pg_vip_enabled").map({ Jinja.truthy($0.value) }) ?? false {
                    host = String(hostvar(h, "pg_vip_address", "").split(separator: "/", omittingEmptySubsequences: false).first ?? "")
                } else {
                    // `pg_primary_ip|default(inventory_hostname)`: the fact pg_id sets is not known yet
                    // when the infra role runs, so the primary's own address.
                    host = node.ip
                }
                out.append(entry("cluster: \(cluster)", cluster, host: host, db: primaryDB))
                for db in h.binding("pg_databases")?.value.sequence ?? [] {
                    guard let name = db["name"].map({ Jinja.text($0) }) else { continue }
                    out.append(entry("database: \(cluster)-\(seq).\(name)", "\(cluster).\(name)", host: node.ip, db: name))
                }
            }
            out.append(entry("instance: \(cluster)-\(seq) @ \(node.ip)", "\(cluster)-\(seq)", host: node.ip, db: primaryDB))
        }
        return out
    }
}

/// One server of pgAdmin's `servers.json`.
public struct PgadminServer: Sendable, Equatable {
    /// `<pg_cluster>-<pg_seq>`.
    public let name: String
    public let group: String
    public let host: String
    public let port: Int
    public let username: String

    /// Every inventory host with a non-empty `pg_cluster`, in inventory order, from its inventory
    /// variables (as Pigsty's JMESPath query over `hostvars` reads them).
    static func lower(_ graph: ResourceGraph) -> [PgadminServer] {
        graph.nodes.compactMap { node in
            let h = node.host
            let cluster = PgServiceEntry.hostvar(h, "pg_cluster", "")
            guard !cluster.isEmpty else { return nil }
            let port = h.binding("pg_port").map { Jinja.int($0.value) } ?? 5432
            let user = PgServiceEntry.hostvar(h, "pg_admin_username", "")
            return PgadminServer(name: "\(cluster)-\(PgServiceEntry.hostvar(h, "pg_seq", ""))", group: cluster,
                                 host: node.ip, port: port == 0 ? 5432 : port,
                                 username: user.isEmpty ? "dbuser_dba" : user)
        }
    }
}
