import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// Virtual IPs: `/etc/default/vip-manager.yml` on every pg instance with `pg_vip_enabled` (the L2 VIP that
/// follows the patroni leader) and `/etc/keepalived/keepalived.conf` on every node with `vip_enabled`
/// (the node cluster's VRRP address), as Pigsty's pgsql and node roles write them (`graph.vip`).
struct VIPBackend: Backend {
    let name = "vip"
    static let vipManagerApply = ApplyClass.in(.vip, .restart("vip-manager"))
    static let keepalivedApply = ApplyClass.in(.node, .reload("keepalived"))

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for m in graph.vip.managers {
            tree.add(GeneratedFile(path: "/etc/default/vip-manager.yml", content: vipManager(m, graph: graph),
                                   owner: "root", group: "postgres", mode: 0o600, producer: "vip:\(m.instance)",
                                   apply: Self.vipManagerApply, secrets: [m.etcdPassword]),
                     on: m.ip)
        }
        for k in graph.vip.keepalived {
            tree.add(GeneratedFile(path: "/etc/keepalived/keepalived.conf", content: keepalived(k, graph: graph),
                                   owner: "root", group: "root", mode: 0o600, producer: "vip:\(k.cluster)",
                                   apply: Self.keepalivedApply),
                     on: k.ip)
        }
    }

    static func document(_ m: VIPManagerConfig) -> [PYEntry] {
        [
            .comment("poll the DCS every second"),
            .pair("interval", .raw("1000")),
            .blank,
            .comment(#"the leader key written by patroni, and the value that means "this instance leads""#),
            .pair("trigger-key", .quoted(m.triggerKey)),
            .pair("trigger-value", .quoted(m.triggerValue)),
            .blank,
            .comment("the L2 address bound on the leader"),
            .pair("ip", .str(m.address)),
            .pair("netmask", Int(m.netmask) != nil ? .raw(m.netmask) : .str(m.netmask)),
            .pair("interface", .str(m.interface)),
            .pair("hosting-type", .raw("basic")),
            .blank,
            .pair("dcs-type", .raw("etcd")),
            // No etcd hosts: the key stays without a value, as the template writes it.
            .pair("dcs-endpoints", m.dcsEndpoints.isEmpty ? .raw("") : .list(m.dcsEndpoints.map { .str($0) })),
            .blank,
            .pair("etcd-ca-file", .quoted("/pg/cert/ca.crt")),
            .pair("etcd-cert-file", .quoted("/pg/cert/server.crt")),
            .pair("etcd-key-file", .quoted("/pg/cert/server.key")),
            .pair("etcd-user", .quoted(m.etcdUser)),
            .pair("etcd-password", .quoted(m.etcdPassword)),
            .blank,
            .pair("retry-num", .raw("2")),
            .pair("retry-after", .raw("250")),
            .pair("verbose", .raw("false")),
        ]
    }

    func vipManager(_ m: VIPManagerConfig, graph: ResourceGraph) -> String {
        Header.hash("vip-manager configuration", node: m.ip)
            + PYAML.document(Self.document(m), start: true, end: true)
    }

    func keepalived(_ k: KeepalivedConfig, graph: ResourceGraph) -> String {
        var w = KeepalivedWriter(capacity: 1024)
        w.verbatim(Header.hash("keepalived configuration", node: k.ip))
        w.blank()
        w.open("global_defs")
        w.keyword("router_id", k.cluster)
        w.keyword("enable_script_security")
        w.keyword("script_user", "root")
        w.close()
        w.blank()
        w.open("vrrp_instance", k.cluster)
        w.keyword("state", k.state)
        w.keyword("interface", k.interface)
        w.keyword("virtual_router_id", k.virtualRouterID)
        w.keyword("priority", String(k.priority))
        if !k.preempt { w.keyword("nopreempt") }
        w.keyword("advert_int", "1")
        w.blank()
        w.keyword("unicast_src_ip", k.ip)
        w.open("unicast_peer")
        for peer in k.peers { w.value(peer) }
        w.close()
        w.blank()
        w.open("authentication")
        w.keyword("auth_type", "PASS")
        w.keyword("auth_pass", k.authPass)
        w.close()
        w.blank()
        w.open("virtual_ipaddress")
        w.value(k.address)
        w.close()
        w.close()
        return w.text
    }
}
