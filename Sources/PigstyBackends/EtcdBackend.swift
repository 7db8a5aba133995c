import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// etcd: `/etc/etcd/etcd.conf` and `/etc/etcd/etcd.pass` on every member of the etcd cluster
/// (`groups[etcd_cluster]`), as Pigsty's etcd role writes them (`graph.etcd`).
struct EtcdBackend: Backend {
    let name = "etcd"
    static let passApply = ApplyClass.in(.etcd)

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for m in graph.etcd.members {
            let content = Header.hash("etcd configuration", node: m.ip)
                + "\n" + PYAML.render(Self.document(m))
            tree.add(GeneratedFile(path: "/etc/etcd/etcd.conf", content: content, owner: "etcd", group: "etcd",
                                   mode: 0o644, producer: "etcd:\(m.name)", apply: Self.confApply),
                     on: m.ip)
            // The root password file holds a secret: readable by root and the etcd group only.
            tree.add(GeneratedFile(path: "/etc/etcd/etcd.pass", content: m.rootPassword,
                                   owner: "root", group: "etcd", mode: 0o640, producer: "etcd:\(m.name)",
                                   apply: Self.passApply, secrets: [m.rootPassword]),
                     on: m.ip)
            // The data directory is etcd.service's WorkingDirectory (the unit does not start without it):
            // made by the etcd role, owned by etcd, 0700 (etcd refuses a more open one).
            tree.addDirectory(NodeDirectory(path: m.dataDir, owner: "etcd", group: "etcd", mode: 0o700,
                                            producer: "etcd:\(m.name)", step: .etcd), on: m.ip)
        }
    }

    /// etcd reads `initial-cluster*` only when a member bootstraps its data directory (a member
    /// that has joined takes the membership from its data): a change limited to them (a member
    /// added to the inventory) restarts nothing.
    static let confApply = ApplyClass.in(.etcd, .restart("etcd"))
        .with(.bootstrapOnly(keys: ["initial-cluster", "initial-cluster-state", "initial-cluster-token"]))

    static func document(_ m: EtcdMemberConfig) -> [PYEntry] {
        let tls: PYNode = .map([("cert-file", .quoted("/etc/etcd/server.crt")),
                                ("key-file", .quoted("/etc/etcd/server.key")),
                                ("trusted-ca-file", .quoted("/etc/etcd/ca.crt"))])
        return [
            .pair("name", .str(m.name)),
            .pair("data-dir", .str(m.dataDir)),
            .blank,
            .pair("initial-cluster-token", .quoted(m.cluster)),
            .pair("initial-cluster-state", .quoted(m.initialClusterState)),
            .pair("initial-cluster", .quoted(m.initialClusterText)),
            .pair("initial-advertise-peer-urls", .quoted(m.peerURL)),
            .pair("listen-peer-urls", .quoted(m.peerURL)),
            .pair("listen-client-urls", .quoted(m.listenClientURLs.joined(separator: ","))),
            .pair("advertise-client-urls", .quoted(m.advertiseClientURL)),
            .blank,
            .pair("election-timeout", .raw(String(m.electionTimeout))),
            .pair("heartbeat-interval", .raw(String(m.heartbeatInterval))),
            .blank,
            .comment("8 GiB backend quota instead of etcd's 2 GiB default"),
            .pair("quota-backend-bytes", .raw("8589934592")),
            .comment("compact history older than 24 hours"),
            .pair("auto-compaction-mode", .raw("periodic")),
            .pair("auto-compaction-retention", .quoted("24h")),
            .comment("Patroni talks to etcd through its gRPC gateway; etcd 3.4 leaves it off when read from a file"),
            .pair("enable-grpc-gateway", .raw("true")),
            .blank,
            .pair("client-transport-security", tls),
            .blank,
            .pair("peer-transport-security", tls),
        ]
    }
}
