import PigstyInventory
import PigstySchema
import PigstyYAML

/// The typed resources of etcd members' configuration.
public struct EtcdModel: Sendable {
    /// One configured member per host of the `etcd` group with an integer `etcd_seq`, in Ansible's order.
    public let members: [EtcdMemberConfig]

    init(members: [EtcdMemberConfig] = []) { self.members = members }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> EtcdModel {
        let resolved = graph.resolved
        let inventory = resolved.inventory
        var members: [EtcdMemberConfig] = []
        for ip in inventory.hosts(inGroup: "etcd") {
            guard let node = graph.node(ip) else { continue }
            let h = node.host
            let cluster = h.string("etcd_cluster") ?? "etcd"
            guard let seq = h.int("etcd_seq") else { continue }
            let peerPort = h.intOrDefault("etcd_peer_port", resolved.schema)
            let port = h.intOrDefault("etcd_port", resolved.schema)
            // Pigsty lists `groups[etcd_cluster]` sorted as strings (10.10.10.10 < 10.10.10.2); a host
            // counts when its inventory sets an integer etcd_seq.
            let initial = inventory.hosts(inGroup: cluster).filter { graph.node($0) != nil }.sorted()
                .compactMap { peer -> EtcdMemberConfig.Peer? in
                    guard let s = graph.node(peer)?.host.binding("etcd_seq")?.value.int else { return nil }
                    return .init(name: "\(cluster)-\(s)", peerURL: "https://\(peer):\(peerPort)")
                }
            let peerURL = "https://\(ip):\(peerPort)"
            members.append(EtcdMemberConfig(
                ip: ip, cluster: cluster, seq: seq, name: "\(cluster)-\(seq)",
                dataDir: h.stringOrDefault("etcd_data", resolved.schema),
                initialClusterState: h.stringOrDefault("etcd_init", resolved.schema),
                initialCluster: initial,
                peerURL: peerURL,
                listenClientURLs: ["https://\(ip):\(port)", "https://127.0.0.1:\(port)"],
                advertiseClientURL: "https://\(ip):\(port)",
                electionTimeout: h.intOrDefault("etcd_election_timeout", resolved.schema),
                heartbeatInterval: h.intOrDefault("etcd_heartbeat_interval", resolved.schema),
                rootPassword: h.stringOrDefault("etcd_root_password", resolved.schema)))
        }
        return EtcdModel(members: members)
    }
}

/// What one etcd member's `etcd.conf` and `etcd.pass` say.
public struct EtcdMemberConfig: Sendable, Equatable {
    /// A member of `initial-cluster`: `<name>=<peer URL>`.
    public struct Peer: Sendable, Equatable {
        public let name: String
        public let peerURL: String
    }

    public let ip: String
    /// `etcd_cluster` (also the initial cluster token).
    public let cluster: String
    public let seq: Int
    /// `<etcd_cluster>-<etcd_seq>`.
    public let name: String
    public let dataDir: String
    /// `etcd_init`: `new` or `existing`.
    public let initialClusterState: String
    /// `groups[etcd_cluster]` sorted as strings.
    public let initialCluster: [Peer]
    /// `https://<ip>:<etcd_peer_port>`: advertised and listened on.
    public let peerURL: String
    public let listenClientURLs: [String]
    public let advertiseClientURL: String
    public let electionTimeout: Int
    public let heartbeatInterval: Int
    /// `etcd_root_password`.
    public let rootPassword: String

    /// `initial-cluster` as etcd reads it.
    public var initialClusterText: String { initialCluster.map { "\($0.name)=\($0.peerURL)" }.joined(separator: ",") }
}

fileprivate extension ResolvedHost {
    /// An integer parameter; the schema default when the value is not an integer.
    func intOrDefault(_ name: String, _ schema: Schema) -> Int {
        int(name) ?? schema.defaultValue(name)?.int ?? 0
    }

    /// A non-empty string parameter; the schema default when it is empty or null.
    func stringOrDefault(_ name: String, _ schema: Schema) -> String {
        string(name) ?? schema.defaultValue(name).map { Jinja.text($0) } ?? ""
    }
}
