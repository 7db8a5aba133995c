import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory

/// etcd: `/etc/etcd/etcd.conf` and `/etc/etcd/etcd.pass` on every member of the etcd cluster
/// (`groups[etcd_cluster]`), as Pigsty's etcd role writes them.
struct EtcdBackend: Backend {
    let name = "etcd"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for node in graph.nodes(inGroup: "etcd") {
            let h = node.host
            let cluster = h.string("etcd_cluster") ?? "etcd"
            guard let seq = h.int("etcd_seq") else { continue }
            let members = graph.nodes(inGroup: cluster)
            let peerPort = h.int("etcd_peer_port") ?? 2380
            let port = h.int("etcd_port") ?? 2379
            // Pigsty sorts member IPs as strings (10.10.10.10 < 10.10.10.2).
            let initial = members.map(\.ip).sorted().compactMap { ip -> String? in
                guard let m = graph.node(ip), let s = m.host.binding("etcd_seq")?.value.int else { return nil }
                return "\(cluster)-\(s)=https://\(ip):\(peerPort)"
            }.joined(separator: ",")
            let peer = "https://\(node.ip):\(peerPort)"
            var out = Header.hash("etcd configuration", node: node.ip, inventory: graph.inventoryName)
            out += """

            name: \(cluster)-\(seq)
            data-dir: \(h.string("etcd_data") ?? "/data/etcd")

            initial-cluster-token: "\(cluster)"
            initial-cluster-state: "\(h.string("etcd_init") ?? "new")"
            initial-cluster: "\(initial)"
            initial-advertise-peer-urls: "\(peer)"
            listen-peer-urls: "\(peer)"
            listen-client-urls: "https://\(node.ip):\(port),https://127.0.0.1:\(port)"
            advertise-client-urls: "https://\(node.ip):\(port)"

            election-timeout: \(h.int("etcd_election_timeout") ?? 1000)
            heartbeat-interval: \(h.int("etcd_heartbeat_interval") ?? 100)

            # 8 GiB backend quota instead of etcd's 2 GiB default
            quota-backend-bytes: 8589934592
            # compact history older than 24 hours
            auto-compaction-mode: periodic
            auto-compaction-retention: "24h"

            client-transport-security:
              cert-file: "/etc/etcd/server.crt"
              key-file: "/etc/etcd/server.key"
              trusted-ca-file: "/etc/etcd/ca.crt"

            peer-transport-security:
              cert-file: "/etc/etcd/server.crt"
              key-file: "/etc/etcd/server.key"
              trusted-ca-file: "/etc/etcd/ca.crt"

            """
            tree.add(GeneratedFile(path: "/etc/etcd/etcd.conf", content: out, owner: "etcd", group: "etcd",
                                   mode: 0o644, producer: "etcd:\(cluster)-\(seq)"), on: node.ip)
            // The root password file holds a secret: readable by root and the etcd group only.
            tree.add(GeneratedFile(path: "/etc/etcd/etcd.pass", content: h.string("etcd_root_password") ?? "Etcd.Root",
                                   owner: "root", group: "etcd", mode: 0o640, producer: "etcd:\(cluster)-\(seq)"),
                     on: node.ip)
        }
    }
}
