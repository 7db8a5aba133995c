import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// A host with its variables resolved by Ansible's precedence:
/// role defaults < `all.vars` < group vars (by depth, `ansible_group_priority`, name) < host vars.
public final class ResolvedHost: @unchecked Sendable {
    public let host: Host
    /// Groups whose vars apply, lowest precedence first (`all` first), ancestors included.
    public let groups: [Group]
    let schema: Schema

    init(host: Host, groups: [Group], schema: Schema) {
        self.host = host
        self.groups = groups
        self.schema = schema
    }

    public var name: String { host.name }
    public var index: Int { host.index }

    /// Values whose templates (and `!vault` secrets) were evaluated for this host, by name;
    /// written once, by the front end, before anything reads the host.
    var evaluated: [String: VarBinding] = [:]

    /// The winning inventory definition of a variable (role defaults excluded), its templates
    /// evaluated.
    public func binding(_ name: String) -> VarBinding? {
        if let e = evaluated[name] { return e }
        return rawBinding(name)
    }

    /// The winning definition as written (templates not evaluated).
    public func rawBinding(_ name: String) -> VarBinding? {
        if let b = host.vars[name] { return b }
        for g in groups.reversed() { if let b = g.vars[name] { return b } }
        return nil
    }

    /// The effective value: the winning inventory definition, else the role default.
    public func value(_ name: String) -> YAMLNode? {
        binding(name)?.value ?? schema.defaultValue(name)
    }

    /// Every definition of a variable, lowest precedence first, the role default included.
    /// The last element is the one in effect.
    public func chain(_ name: String) -> [VarBinding] {
        var out: [VarBinding] = []
        if let d = schema.defaultValue(name) {
            out.append(VarBinding(name: name, key: nil, value: d, origin: .roleDefault))
        }
        for g in groups { if let b = g.vars[name] { out.append(b) } }
        if let b = host.vars[name] { out.append(b) }
        return out
    }

    /// Names of all variables set in the inventory for this host (not role defaults), sorted.
    public var inventoryVariableNames: [String] {
        var names = Set(host.vars.order)
        for g in groups { names.formUnion(g.vars.order) }
        return names.sorted()
    }

    // MARK: typed access for identity values

    /// A non-empty string value (numbers are read as their text, as Jinja would print them).
    public func string(_ name: String) -> String? {
        guard let v = value(name)?.value else { return nil }
        switch v {
        case .null: return nil
        case .string(let s): return s.isEmpty ? nil : s
        default: return YAMLNode.describe(v)
        }
    }

    /// An integer value, also from an all-digit string (as Pigsty's `|int` filters read it).
    public func int(_ name: String) -> Int? { Self.intValue(value(name)) }

    public func bool(_ name: String) -> Bool? { value(name)?.bool }

    static func intValue(_ node: YAMLNode?) -> Int? {
        guard let v = node?.value else { return nil }
        switch v {
        case .int(let i): return i
        case .string(let s) where !s.isEmpty && s.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) && s.count < 19: return Int(s)
        default: return nil
        }
    }
}

/// A PostgreSQL cluster: every host whose `pg_cluster` has this value, across all groups.
public struct PgCluster: Sendable {
    public let name: String
    /// Member hosts in inventory order (Pigsty's `pg_meta`).
    public let members: [Int]
    /// Unique member IPs, string-sorted (`pg_cluster_members`).
    public let sortedIPs: [String]
    /// IPs of members whose role is `primary`, sorted (`pg_primary_list`).
    public let primaries: [String]
    /// `pg_primary_ip`, `pg_primary_seq`, `pg_primary_ins`; "unknown" unless exactly one primary.
    public let primaryIP: String
    public let primarySeq: String
    public let primaryInstance: String
    /// Members whose role is not primary, string-sorted (`pg_cluster_replicas`).
    public let replicas: [String]
    /// max(pg_seq) + 1 (`pg_seq_next`).
    public let seqNext: Int

    public var size: Int { sortedIPs.count }
}

/// A cluster of a module identified by one variable (`redis_cluster`, `minio_cluster`).
public struct ModuleCluster: Sendable {
    public let name: String
    public let members: [Int]
}

/// resolve: `Inventory` → `ResolvedInventory`: effective variables per host with provenance,
/// clusters gathered by identity value, and the identity facts Pigsty derives.
public struct ResolvedInventory: Sendable {
    public let inventory: Inventory
    public let schema: Schema
    public let hosts: [ResolvedHost]
    public let pgClusters: [PgCluster]
    public let redisClusters: [ModuleCluster]
    public let minioClusters: [ModuleCluster]
    /// The plaintexts of the inventory's `!vault` values (secrets: never printed).
    public let vaultPlaintexts = SecretSet()
    private let pgClusterIndex: [String: Int]

    init(inventory: Inventory, schema: Schema, hosts: [ResolvedHost], pgClusters: [PgCluster],
         redisClusters: [ModuleCluster], minioClusters: [ModuleCluster]) {
        self.inventory = inventory
        self.schema = schema
        self.hosts = hosts
        self.pgClusters = pgClusters
        self.redisClusters = redisClusters
        self.minioClusters = minioClusters
        var index: [String: Int] = [:]
        for (i, c) in pgClusters.enumerated() where index[c.name] == nil { index[c.name] = i }
        pgClusterIndex = index
    }

    public func host(_ name: String) -> ResolvedHost? { inventory.hostIndex[name].map { hosts[$0] } }
    public func pgCluster(_ name: String) -> PgCluster? { pgClusterIndex[name].map { pgClusters[$0] } }

    /// Hosts of a group, as `groups['name']` lists them.
    public func members(ofGroup name: String) -> [ResolvedHost] {
        inventory.hosts(inGroup: name).compactMap { host($0) }
    }

    /// Resolves precedence, then evaluates templates and `!vault` values (errors into `sink`),
    /// then gathers clusters from the evaluated values.
    public static func resolve(_ inventory: Inventory, schema: Schema = .pigsty, sink: DiagnosticSink? = nil,
                               vault: VaultSecret? = nil) -> ResolvedInventory {
        // Hosts of one group usually share their group set: resolve each distinct set once.
        let rank = Resolver.precedenceRank(inventory)
        var hosts: [ResolvedHost] = []
        hosts.reserveCapacity(inventory.hosts.count)
        var cache: [[Int]: [Group]] = [:]
        for h in inventory.hosts {
            // Groups that apply to the host: direct ones plus all their ancestors, plus `all`,
            // identified by their precedence rank.
            let key = Resolver.applicableGroups(of: h, in: inventory).compactMap { rank[$0] }.sorted()
            let ordered: [Group]
            if let c = cache[key] { ordered = c } else {
                ordered = key.map { rank.groups[$0] }
                cache[key] = ordered
            }
            hosts.append(ResolvedHost(host: h, groups: ordered, schema: schema))
        }
        let secrets = TemplateEngine.evaluate(inventory, schema: schema, hosts: hosts, sink: sink ?? DiagnosticSink(), vault: vault)
        let pg = Resolver.gather(hosts, by: "pg_cluster").map { Resolver.pgCluster(name: $0.name, members: $0.members, hosts: hosts) }
        let resolved = ResolvedInventory(
            inventory: inventory, schema: schema, hosts: hosts, pgClusters: pg,
            redisClusters: Resolver.gather(hosts, by: "redis_cluster"),
            minioClusters: Resolver.gather(hosts, by: "minio_cluster"))
        resolved.vaultPlaintexts.add(secrets)
        return resolved
    }
}

/// A set of secret texts filled once by the front end.
public final class SecretSet: @unchecked Sendable {
    public private(set) var values: Set<String> = []
    func add(_ more: Set<String>) { values.formUnion(more) }
}

// MARK: - Derived per-host identity facts

extension ResolvedHost {
    /// `pg_instance` = `<pg_cluster>-<pg_seq>`.
    public var pgInstance: String? {
        guard let c = string("pg_cluster"), let s = string("pg_seq") else { return nil }
        return "\(c)-\(s)"
    }

    /// `pg_service` = `<pg_cluster>-<pg_role>`.
    public var pgService: String? {
        guard let c = string("pg_cluster"), let r = string("pg_role") else { return nil }
        return "\(c)-\(r)"
    }

    /// The node name Pigsty sets: `<pg_cluster>-<pg_seq>` when `node_id_from_pg`, else `nodename`;
    /// nil means "the host's current hostname", known only at run time.
    public var nodename: String? {
        if bool("node_id_from_pg") ?? true, let ins = pgInstance { return ins }
        return string("nodename")
    }

    /// `node_cluster`: the pg cluster name when `node_id_from_pg` and node_cluster is unset or 'nodes'.
    public var nodeCluster: String {
        let own = string("node_cluster")
        if bool("node_id_from_pg") ?? true, let c = string("pg_cluster"), own == nil || own == "nodes" { return c }
        return own ?? "nodes"
    }

    /// `etcd_instance`, `minio_instance`, redis instance prefix.
    public var etcdInstance: String? {
        guard let s = string("etcd_seq") else { return nil }
        return "\(string("etcd_cluster") ?? "etcd")-\(s)"
    }

    public var minioInstance: String? {
        guard let c = string("minio_cluster"), let s = string("minio_seq") else { return nil }
        return "\(c)-\(s)"
    }
}

enum Resolver {
    /// All groups sorted as Ansible applies their vars: (depth, priority, name); later wins.
    struct Rank {
        let groups: [Group]
        let index: [String: Int]
        subscript(name: String) -> Int? { index[name] }
    }

    static func precedenceRank(_ inv: Inventory) -> Rank {
        let sorted = inv.groupOrder.compactMap { inv.groups[$0] }
            .map { ($0.depth, $0.priority, $0.name, $0) }
            .sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
            .map(\.3)
        var index: [String: Int] = [:]
        for (i, g) in sorted.enumerated() { index[g.name] = i }
        return Rank(groups: sorted, index: index)
    }

    static func applicableGroups(of host: Host, in inv: Inventory) -> [String] {
        var seen: Set<String> = ["all"]
        var stack = host.groups
        while let g = stack.popLast() {
            guard seen.insert(g).inserted else { continue }
            if let group = inv.groups[g] { stack.append(contentsOf: group.parents) }
        }
        return Array(seen)
    }

    /// Hosts grouped by the value of an identity variable, clusters in order of first member.
    static func gather(_ hosts: [ResolvedHost], by variable: String) -> [ModuleCluster] {
        var order: [String] = []
        var members: [String: [Int]] = [:]
        for h in hosts {
            guard let name = h.string(variable) else { continue }
            if members[name] == nil { order.append(name) }
            members[name, default: []].append(h.index)
        }
        return order.map { ModuleCluster(name: $0, members: members[$0] ?? []) }
    }

    static func pgCluster(name: String, members: [Int], hosts: [ResolvedHost]) -> PgCluster {
        let ms = members.map { hosts[$0] }
        let ips = Array(Set(ms.map(\.name))).sorted()
        let primaries = Array(Set(ms.filter { $0.string("pg_role") == "primary" }.map(\.name))).sorted()
        var primaryIP = "unknown", primarySeq = "unknown", primaryIns = "unknown"
        if primaries.count == 1, let p = ms.first(where: { $0.name == primaries[0] }) {
            primaryIP = p.name
            primarySeq = p.string("pg_seq") ?? "unknown"
            primaryIns = "\(name)-\(primarySeq)"
        }
        let replicas = Array(Set(ms.filter { $0.string("pg_role") != "primary" }.map(\.name))).sorted()
        let seqNext = (ms.compactMap { $0.int("pg_seq") }.max() ?? 0) + 1
        return PgCluster(name: name, members: members, sortedIPs: ips, primaries: primaries,
                         primaryIP: primaryIP, primarySeq: primarySeq, primaryInstance: primaryIns,
                         replicas: replicas, seqNext: seqNext)
    }
}
