import PigstyModel
import PigstyBackends
import PigstyOutput
import PigstyDeploy
import Foundation
import PigstyInventory

/// `pigstyc graph`: the resource graph as JSON (for scripts) or Graphviz DOT (for a picture of
/// clusters, nodes and replication).
public enum GraphExport {
    struct Facts: Codable { let os, arch: String; let cpu, mem_mb, disk_gb: Int; let iface: String }
    struct Node: Codable { let ip, nodename, node_cluster: String; let groups: [String]; let facts: Facts }
    struct Instance: Codable { let name, ip, role: String; let seq: Int; let upstream: String? }
    struct PgCluster: Codable { let name, primary_ip: String; let members: [String]; let instances: [Instance] }
    struct Member: Codable { let name, ip: String }
    struct Cluster: Codable { let name: String; let members: [String] }
    struct Graph: Codable {
        let inventory: String
        let nodes: [Node]
        let pg_clusters: [PgCluster]
        let etcd: [Member]
        let redis_clusters: [Cluster]
        let minio_clusters: [Cluster]
    }

    static func model(_ g: ResourceGraph) -> Graph {
        return Graph(
            inventory: g.inventoryName,
            nodes: g.nodes.map { n in
                Node(ip: n.ip, nodename: n.nodename, node_cluster: n.nodeCluster, groups: n.groups,
                     facts: Facts(os: n.facts.os, arch: n.facts.arch, cpu: n.facts.cpu, mem_mb: n.facts.memMB,
                                  disk_gb: n.facts.diskGB, iface: n.facts.iface))
            },
            pg_clusters: g.pgClusters.map { c in
                PgCluster(name: c.name, primary_ip: c.identity.primaryIP, members: c.identity.sortedIPs,
                          instances: c.instances.map {
                              Instance(name: $0.name, ip: $0.ip, role: $0.role, seq: $0.seq, upstream: $0.upstreamIP)
                          })
            },
            etcd: g.etcdMembers.map { Member(name: $0.name, ip: $0.ip) },
            redis_clusters: g.redisClusters.map { Cluster(name: $0.name, members: $0.members) },
            minio_clusters: g.minioClusters.map { Cluster(name: $0.name, members: $0.members) })
    }

    public static func json(_ g: ResourceGraph) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(model(g))) ?? Data()
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// DOT: one box per cluster (PostgreSQL, etcd, Redis, MinIO) holding its members; an arrow from
    /// each replica to the instance it replicates from.
    public static func dot(_ g: ResourceGraph) -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n") + "\"" }
        let m = model(g)
        var out = "digraph pigsty {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n"
        var i = 0
        func box(_ title: String, _ color: String, _ items: [(id: String, label: String)]) {
            out += "  subgraph cluster_\(i) {\n    label=\(q(title));\n    color=\(q(color));\n"
            for item in items { out += "    \(q(item.id)) [label=\(q(item.label))];\n" }
            out += "  }\n"
            i += 1
        }
        for c in m.pg_clusters {
            box("pgsql \(c.name)", "blue", c.instances.map { ("pg:\($0.name)", "\($0.name)\n\($0.ip)\n\($0.role)") })
        }
        if !m.etcd.isEmpty { box("etcd", "darkgreen", m.etcd.map { ("etcd:\($0.name)", "\($0.name)\n\($0.ip)") }) }
        for c in m.redis_clusters { box("redis \(c.name)", "red", c.members.map { ("redis:\(c.name):\($0)", $0) }) }
        for c in m.minio_clusters { box("minio \(c.name)", "orange", c.members.map { ("minio:\(c.name):\($0)", $0) }) }
        for c in m.pg_clusters {
            let byIP = Dictionary(c.instances.map { ($0.ip, $0.name) }, uniquingKeysWith: { a, _ in a })
            for inst in c.instances where inst.role != "primary" {
                let target = inst.upstream.flatMap { byIP[$0] } ?? byIP[c.primary_ip]
                if let target { out += "  \(q("pg:\(inst.name)")) -> \(q("pg:\(target)")) [label=\"replicates\"];\n" }
            }
            // A standby cluster's primary follows an address outside the cluster.
            for inst in c.instances where inst.role == "primary" {
                if let up = inst.upstream {
                    out += "  \(q("pg:\(inst.name)")) -> \(q("addr:\(up)")) [label=\"standby of\", style=dashed];\n"
                }
            }
        }
        return out + "}\n"
    }
}
