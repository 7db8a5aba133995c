import Foundation
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// A managed node with its facts and identity.
public struct NodeResource: Sendable {
    public let ip: String
    /// Position in inventory order.
    public let index: Int
    /// The resolved host: only lowering (this module) reads parameters from it.
    let host: ResolvedHost
    public let facts: NodeFacts
    /// The node name Pigsty sets; the node's IP when it would be the run-time hostname (the
    /// reference renders use hostname = inventory IP).
    public let nodename: String
    public let nodeCluster: String
    /// Names of the inventory groups that list this host directly (for `graph`).
    public let groups: [String]
    /// Module switches as Ansible's `|bool` reads them (schema defaults applied).
    public let modules: NodeModules
    /// How Ansible (and `ship`) reaches the node.
    public let connection: NodeConnection
    /// Module memberships that decide where the node applies.
    public let membership: NodeMembership
    /// The cluster names set on this host in the inventory (`pg_cluster`, `redis_cluster`, `minio_cluster`,
    /// `etcd_cluster`), which `-l` patterns match besides groups and addresses.
    public let clusterNames: [String]
}

/// `ansible_host`, `ansible_user`, `ansible_port` as the inventory sets them (empty strings read as
/// unset), with Ansible's `ansible_ssh_host`/`_user`/`_port` aliases in Ansible's order
/// (`AnsibleConnection`); a port may be a string of digits, as Ansible's `int()` reads it.
public struct NodeConnection: Sendable, Equatable {
    public let host: String?
    public let user: String?
    public let port: Int?

    public init(host: String?, user: String?, port: Int?) {
        self.host = host
        self.user = user
        self.port = port
    }

    init(_ h: ResolvedHost) {
        func text(_ names: [String]) -> String? {
            AnsibleConnection.binding(h, names).flatMap { $0.value.string }.flatMap { $0.isEmpty ? nil : $0 }
        }
        host = text(AnsibleConnection.hostNames)
        user = text(AnsibleConnection.userNames)
        port = AnsibleConnection.binding(h, AnsibleConnection.portNames).flatMap { AnsibleConnection.port($0.value) }
    }
}

/// Which module clusters a node belongs to.
public struct NodeMembership: Sendable, Equatable {
    /// An etcd member (`etcd_seq` set in the inventory).
    public let etcd: Bool
    public let minio: Bool
    public let redis: Bool
}

/// Which modules run on a node, each switch read once with Ansible's `|bool`.
public struct NodeModules: Sendable, Equatable {
    public let haproxy: Bool
    public let nodeExporter: Bool
}

/// A PostgreSQL cluster's L2 VIP as an instance sees it (`pg_vip_enabled`, `pg_vip_address`).
public struct PgVIP: Sendable, Equatable {
    public let enabled: Bool
    /// `pg_vip_address` as Jinja prints it (empty when unset).
    public let text: String
    /// The address before `/` (the whole text without one).
    public let address: String
    /// The mask after `/`, nil without one or when it is not a number.
    public let mask: Int?
    /// Whether the text has the `<ip>/<mask>` shape.
    public var hasMask: Bool { text.utf8.contains(UInt8(ascii: "/")) }

    init(enabled: Bool, text: String) {
        self.enabled = enabled
        self.text = text
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        address = parts.first.map(String.init) ?? ""
        mask = parts.count > 1 ? Int(parts[1]) : nil
    }
}

/// One PostgreSQL instance.
public struct PgInstanceResource: Sendable {
    public let ip: String
    public let seq: Int
    public let role: String
    /// `<pg_cluster>-<pg_seq>`.
    public let name: String
    public let cluster: String
    /// The resolved host (see `NodeResource.host`).
    let host: ResolvedHost
    public var isPrimary: Bool { role == "primary" }
    /// `pg_upstream` as Jinja prints it; nil when unset.
    public let upstream: String?
    /// The replication edge: the address this instance follows (`pg_upstream` as a non-empty string
    /// other than its own address), and where it is set.
    public let upstreamIP: String?
    public let upstreamRange: SourceRange?
    public let vip: PgVIP
    public let patroniEnabled: Bool
    public let pgbouncerEnabled: Bool
}

/// A PostgreSQL cluster with its instances in inventory order.
public struct PgClusterResource: Sendable {
    public let name: String
    public let identity: PgCluster
    public let instances: [PgInstanceResource]
}

/// An etcd member (`etcd_seq` set on a host of the `etcd` group).
public struct EtcdMemberResource: Sendable {
    public let ip: String
    public let cluster: String
    public let seq: String
    /// `<etcd_cluster>-<etcd_seq>`.
    public var name: String { "\(cluster)-\(seq)" }
}

/// A Redis or MinIO cluster: its name and member addresses in inventory order.
public struct ModuleClusterResource: Sendable {
    public let name: String
    public let members: [String]
}

/// lower: the resolved inventory as typed resources that back ends emit files from.
public struct ResourceGraph: Sendable {
    /// The resolved inventory: only lowering (this module) reads it.
    let resolved: ResolvedInventory
    /// The inventory path as the user gave it (named in file headers).
    public let inventoryName: String
    public let nodes: [NodeResource]
    public let pgClusters: [PgClusterResource]
    /// Hosts of the `infra` group, in Ansible's order.
    public let infraNodes: [NodeResource]
    /// Members of the etcd cluster (`groups['etcd']` with an `etcd_seq`), in Ansible's order.
    public let etcdMembers: [EtcdMemberResource]
    public let redisClusters: [ModuleClusterResource]
    public let minioClusters: [ModuleClusterResource]
    /// IPs of the `etcd` group's hosts, string-sorted (as Pigsty lists DCS endpoints).
    public let etcdHostsSorted: [String]
    // Domain models, lowered from the core resources above (Lowering/*.swift): each once, by the
    // first reader (back ends run side by side, so a back end's model is lowered while others
    // render theirs); a reader arriving meanwhile waits for it.
    private let domains: DomainModels
    public var pgsql: PgsqlModel { domains.pgsql.get("pgsql", domains.clock) { PgsqlModel.lower(self) } }
    public var access: AccessModel { domains.access.get("access", domains.clock) { AccessModel.lower(self) } }
    public var etcd: EtcdModel { domains.etcd.get("etcd", domains.clock) { EtcdModel.lower(self) } }
    public var vip: VIPModel { domains.vip.get("vip", domains.clock) { VIPModel.lower(self) } }
    public var redis: RedisModel { domains.redis.get("redis", domains.clock) { RedisModel.lower(self) } }
    public var portal: PortalModel { domains.portal.get("portal", domains.clock) { PortalModel.lower(self) } }
    public var dns: DNSModel { domains.dns.get("dns", domains.clock) { DNSModel.lower(self) } }
    public var monitoring: MonitoringModel {
        domains.monitoring.get("monitoring", domains.clock) { MonitoringModel.lower(self) }
    }
    public var pgNode: PgNodeModel { domains.pgNode.get("pgnode", domains.clock) { PgNodeModel.lower(self) } }
    public var adminEnv: AdminEnvModel { domains.adminEnv.get("adminenv", domains.clock) { AdminEnvModel.lower(self) } }
    public var minioProvision: MinIOProvisionModel {
        domains.minioProvision.get("minio-provision", domains.clock) { MinIOProvisionModel.lower(self) }
    }
    public var units: UnitsModel { domains.units.get("units", domains.clock) { UnitsModel.lower(self) } }
    public var pgProvision: PgProvisionModel {
        domains.pgProvision.get("pgprovision", domains.clock) { PgProvisionModel.lower(self) }
    }
    public var nodeBase: NodeBaseModel { domains.nodeBase.get("nodebase", domains.clock) { NodeBaseModel.lower(self) } }
    public var lifecycle: LifecycleModel { domains.lifecycle.get("lifecycle", domains.clock) { LifecycleModel.lower(self) } }
    /// The certificates the inventory needs (`CertificateModel`).
    public var certificates: CertificateModel {
        domains.certificates.get("certificates", domains.clock) { CertificateModel.lower(self) }
    }
    /// The certificates and keys for `certificates`, set by the `issue` stage (`compile --ca`);
    /// nil (the default) writes no certificate file.
    public var issued: IssuedCertificates? = nil
    private let nodeIndex: [String: Int]
    private let pgClusterIndex: [String: Int]

    public func node(_ ip: String) -> NodeResource? { nodeIndex[ip].map { nodes[$0] } }
    public func pgCluster(_ name: String) -> PgClusterResource? { pgClusterIndex[name].map { pgClusters[$0] } }

    /// Instances of every cluster, in cluster then inventory order.
    public var pgInstances: [PgInstanceResource] { pgClusters.flatMap(\.instances) }

    /// Nodes of a group (`groups['etcd']`), in Ansible's order. For `-l` patterns and the plan;
    /// back ends use the typed lists (`infraNodes`, `etcdMembers`, …).
    public func nodes(inGroup group: String) -> [NodeResource] {
        resolved.inventory.hosts(inGroup: group).compactMap { node($0) }
    }

    /// The inventory's secret values (passwords), for masking them in diffs.
    public var secretValues: Set<String> { SecretRedactor.secretValues(resolved.inventory).union(resolved.vaultPlaintexts.values) }

    /// Every group name, in the inventory's order (for `-l` patterns).
    public var groupNames: [String] { resolved.inventory.groupOrder }

    /// The addresses of a group's hosts (`groups[name]`), in Ansible's order.
    public func hosts(inGroup group: String) -> [String] { resolved.inventory.hosts(inGroup: group) }

    /// `clock` gets the core's and each domain model's time as parts of `lower`.
    public static func lower(_ resolved: ResolvedInventory, facts: FactsTable, inventoryName: String,
                             clock: StageClock? = nil) -> ResourceGraph {
        let coreStart = StageClock.now
        var nodes: [NodeResource] = []
        var index: [String: Int] = [:]
        let minioMembers = Set(resolved.minioClusters.flatMap(\.members))
        let redisMembers = Set(resolved.redisClusters.flatMap(\.members))
        for (i, h) in resolved.hosts.enumerated() {
            index[h.name] = nodes.count
            let modules = NodeModules(haproxy: Jinja.bool(h.value("haproxy_enabled")),
                                      nodeExporter: Jinja.bool(h.value("node_exporter_enabled")))
            nodes.append(NodeResource(ip: h.name, index: h.index, host: h, facts: facts.facts(for: h.name),
                                      nodename: h.nodename ?? h.name, nodeCluster: h.nodeCluster,
                                      groups: h.host.groups, modules: modules,
                                      connection: NodeConnection(h),
                                      membership: NodeMembership(etcd: h.etcdInstance != nil && h.binding("etcd_seq") != nil,
                                                                 minio: minioMembers.contains(i), redis: redisMembers.contains(i)),
                                      clusterNames: ["pg_cluster", "redis_cluster", "minio_cluster", "etcd_cluster"].compactMap { key in
                                          h.binding(key) != nil ? h.string(key) : nil
                                      }))
        }
        var clusters: [PgClusterResource] = []
        for c in resolved.pgClusters {
            let instances = c.members.compactMap { i -> PgInstanceResource? in
                let h = resolved.hosts[i]
                guard let seq = h.int("pg_seq"), let role = h.string("pg_role") else { return nil }
                return PgInstanceResource(
                    ip: h.name, seq: seq, role: role, name: "\(c.name)-\(seq)", cluster: c.name, host: h,
                    upstream: h.value("pg_upstream").map { Jinja.text($0) },
                    upstreamIP: h.string("pg_upstream").flatMap { $0.isEmpty || $0 == h.name ? nil : $0 },
                    upstreamRange: h.binding("pg_upstream")?.value.range,
                    vip: PgVIP(enabled: Jinja.bool(h.value("pg_vip_enabled")), text: Jinja.text(h.value("pg_vip_address"))),
                    patroniEnabled: Jinja.bool(h.value("patroni_enabled"), default: true),
                    pgbouncerEnabled: Jinja.bool(h.value("pgbouncer_enabled"), default: true))
            }
            clusters.append(PgClusterResource(name: c.name, identity: c, instances: instances))
        }
        var clusterIndex: [String: Int] = [:]
        for (i, c) in clusters.enumerated() where clusterIndex[c.name] == nil { clusterIndex[c.name] = i }
        let infra = resolved.inventory.hosts(inGroup: "infra").compactMap { index[$0].map { nodes[$0] } }
        let etcdHosts = resolved.inventory.hosts(inGroup: "etcd")
        let etcd = etcdHosts.compactMap { ip -> EtcdMemberResource? in
            guard let h = index[ip].map({ nodes[$0].host }), let seq = h.string("etcd_seq") else { return nil }
            return EtcdMemberResource(ip: ip, cluster: h.string("etcd_cluster") ?? "etcd", seq: seq)
        }
        let g = ResourceGraph(resolved: resolved, inventoryName: inventoryName, nodes: nodes, pgClusters: clusters,
                              infraNodes: infra, etcdMembers: etcd,
                              redisClusters: resolved.redisClusters.map { ModuleClusterResource(name: $0.name, members: $0.members.map { resolved.hosts[$0].name }) },
                              minioClusters: resolved.minioClusters.map { ModuleClusterResource(name: $0.name, members: $0.members.map { resolved.hosts[$0].name }) },
                              etcdHostsSorted: etcdHosts.sorted(), domains: DomainModels(clock: clock),
                              nodeIndex: index, pgClusterIndex: clusterIndex)
        clock?.record("(core)", of: "lower", seconds: StageClock.now - coreStart)
        return g
    }
}

/// The domain models of one graph, each computed once on first use (shared by every copy of the graph).
final class DomainModels: @unchecked Sendable {
    let clock: StageClock?
    let pgsql = Lazy<PgsqlModel>(), access = Lazy<AccessModel>(), etcd = Lazy<EtcdModel>(), vip = Lazy<VIPModel>()
    let redis = Lazy<RedisModel>(), portal = Lazy<PortalModel>(), dns = Lazy<DNSModel>(), monitoring = Lazy<MonitoringModel>()
    let pgNode = Lazy<PgNodeModel>(), adminEnv = Lazy<AdminEnvModel>()
    let minioProvision = Lazy<MinIOProvisionModel>()
    let units = Lazy<UnitsModel>()
    let pgProvision = Lazy<PgProvisionModel>()
    let nodeBase = Lazy<NodeBaseModel>()
    let lifecycle = Lazy<LifecycleModel>()
    let certificates = Lazy<CertificateModel>()

    init(clock: StageClock?) { self.clock = clock }
}

/// A value computed once, by the first caller; concurrent callers wait for it.
final class Lazy<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value?

    /// The value, made by `make` on the first call; `clock` records how long that took as a part
    /// of `lower` named `part`.
    func get(_ part: String, _ clock: StageClock?, _ make: () -> Value) -> Value {
        lock.lock()
        defer { lock.unlock() }
        if let value { return value }
        let start = StageClock.now
        let made = make()
        clock?.record(part, of: "lower", seconds: StageClock.now - start)
        value = made
        return made
    }
}
