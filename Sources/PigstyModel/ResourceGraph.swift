import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// A managed node with its facts and identity.
public struct NodeResource: Sendable {
    public let ip: String
    /// Position in inventory order.
    public let index: Int
    public let host: ResolvedHost
    public let facts: NodeFacts
    /// The node name Pigsty sets; the node's IP when it would be the run-time hostname (the
    /// reference renders use hostname = inventory IP).
    public let nodename: String
    public let nodeCluster: String
}

/// One PostgreSQL instance.
public struct PgInstanceResource: Sendable {
    public let ip: String
    public let seq: Int
    public let role: String
    /// `<pg_cluster>-<pg_seq>`.
    public let name: String
    public let cluster: String
    public let host: ResolvedHost
    public var isPrimary: Bool { role == "primary" }
}

/// A PostgreSQL cluster with its instances in inventory order.
public struct PgClusterResource: Sendable {
    public let name: String
    public let identity: PgCluster
    public let instances: [PgInstanceResource]
}

/// lower: the resolved inventory as typed resources that back ends emit files from.
public struct ResourceGraph: Sendable {
    public let resolved: ResolvedInventory
    /// The inventory path as the user gave it (named in file headers).
    public let inventoryName: String
    public let nodes: [NodeResource]
    public let pgClusters: [PgClusterResource]
    private let nodeIndex: [String: Int]
    private let pgClusterIndex: [String: Int]

    public func node(_ ip: String) -> NodeResource? { nodeIndex[ip].map { nodes[$0] } }
    public func pgCluster(_ name: String) -> PgClusterResource? { pgClusterIndex[name].map { pgClusters[$0] } }

    /// Instances of every cluster, in cluster then inventory order.
    public var pgInstances: [PgInstanceResource] { pgClusters.flatMap(\.instances) }

    /// Nodes of a group (`groups['etcd']`), in Ansible's order.
    public func nodes(inGroup group: String) -> [NodeResource] {
        resolved.inventory.hosts(inGroup: group).compactMap { node($0) }
    }

    public static func lower(_ resolved: ResolvedInventory, facts: FactsTable, inventoryName: String) -> ResourceGraph {
        var nodes: [NodeResource] = []
        var index: [String: Int] = [:]
        for h in resolved.hosts {
            index[h.name] = nodes.count
            nodes.append(NodeResource(ip: h.name, index: h.index, host: h, facts: facts.facts(for: h.name),
                                      nodename: h.nodename ?? h.name, nodeCluster: h.nodeCluster))
        }
        var clusters: [PgClusterResource] = []
        for c in resolved.pgClusters {
            let instances = c.members.compactMap { i -> PgInstanceResource? in
                let h = resolved.hosts[i]
                guard let seq = h.int("pg_seq"), let role = h.string("pg_role") else { return nil }
                return PgInstanceResource(ip: h.name, seq: seq, role: role, name: "\(c.name)-\(seq)", cluster: c.name, host: h)
            }
            clusters.append(PgClusterResource(name: c.name, identity: c, instances: instances))
        }
        var clusterIndex: [String: Int] = [:]
        for (i, c) in clusters.enumerated() where clusterIndex[c.name] == nil { clusterIndex[c.name] = i }
        return ResourceGraph(resolved: resolved, inventoryName: inventoryName, nodes: nodes, pgClusters: clusters,
                             nodeIndex: index, pgClusterIndex: clusterIndex)
    }
}

