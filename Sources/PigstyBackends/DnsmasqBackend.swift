import PigstyModel
import PigstyFormats
import Foundation
import PigstyDiagnostics
import PigstyInventory
import PigstySchema
import PigstyYAML

/// dnsmasq on every infra node: `/etc/dnsmasq.conf` (pigstyc's own short configuration) and the
/// hosts-format record files under `/etc/dnsmasq.d/pigsty/` that Pigsty's roles register there:
/// `default` (`dns_records`), one per PostgreSQL instance and cluster (pgsql role, when the pg host
/// has `dns_enabled`), `<node_cluster>.vip` (node role, `vip_enabled`) and one per MinIO instance.
struct DnsmasqBackend: Backend {
    let name = "dnsmasq"
    static let recordDir = "/etc/dnsmasq.d/pigsty"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let infra = graph.nodes(inGroup: "infra")
        guard !infra.isEmpty else { return }
        let records = Self.records(graph)
        for node in infra {
            tree.add(GeneratedFile(path: "/etc/dnsmasq.conf", content: conf(node, graph: graph),
                                   producer: "dnsmasq:\(node.ip)"), on: node.ip)
            tree.add(GeneratedFile(path: "\(Self.recordDir)/default", content: defaultRecords(node, graph: graph),
                                   producer: "dnsmasq:\(node.ip)"), on: node.ip)
            for r in records {
                var content = Header.hash("dnsmasq records (\(r.what))", node: node.ip, inventory: graph.inventoryName)
                content += r.body
                tree.add(GeneratedFile(path: "\(Self.recordDir)/\(r.file)", content: content, producer: r.producer),
                         on: node.ip)
            }
        }
    }

    /// A record file registered by some module; the same on every infra node.
    struct Record {
        let file: String
        let what: String
        let body: String
        let producer: String
    }

    func conf(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        var out = Header.hash("dnsmasq configuration", node: node.ip, inventory: graph.inventoryName)
        out += """
        # names registered by pigsty: hosts-format files, re-read when they change
        hostsdir=\(Self.recordDir)
        # this node's /etc/hosts is not served
        no-hosts
        # private-range reverse lookups are answered here, never forwarded upstream
        bogus-priv

        listen-address=127.0.0.1,\(node.ip)
        port=\(Jinja.text(h.value("dns_port")))

        user=dnsmasq
        group=dnsmasq
        # listen on the addresses above only, also when they appear after start
        bind-dynamic
        # drop-in files; hostsdir above is a subdirectory and is not read as configuration
        conf-dir=/etc/dnsmasq.d,.rpmnew,.rpmsave,.rpmorig

        """
        return out
    }

    /// `default`: each `dns_records` item with `${admin_ip}` replaced, one per line.
    func defaultRecords(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        let admin = Jinja.text(h.value("admin_ip"))
        var out = Header.hash("dnsmasq records (dns_records)", node: node.ip, inventory: graph.inventoryName)
        for item in h.value("dns_records")?.sequence ?? [] {
            out += Jinja.str(item).replacingOccurrences(of: "${admin_ip}", with: admin) + "\n"
        }
        return out
    }

    /// The records other modules register, in a stable order: pg instances and clusters, node VIPs, MinIO.
    static func records(_ graph: ResourceGraph) -> [Record] {
        var out: [Record] = []
        var index: [String: Int] = [:]
        /// Later registrations of the same file win, as the last writer does on the node.
        func put(_ r: Record) {
            if let i = index[r.file] { out[i] = r } else { index[r.file] = out.count; out.append(r) }
        }
        for cluster in graph.pgClusters {
            for inst in cluster.instances where Jinja.bool(inst.host.value("dns_enabled")) {
                put(Record(file: inst.name, what: "pg instance \(inst.name)", body: "\(inst.ip) \(inst.name)",
                           producer: "dnsmasq:\(inst.name)"))
                put(Record(file: cluster.name, what: "pg cluster \(cluster.name)",
                           body: pgClusterRecord(inst, cluster: cluster), producer: "dnsmasq:\(inst.name)"))
            }
        }
        for node in graph.nodes where Jinja.bool(node.host.value("vip_enabled")) {
            let h = node.host
            guard let address = h.string("vip_address"), ValueChecker.isIPv4(address) else { continue }
            let name = node.nodeCluster + Jinja.text(h.value("vip_dns_suffix"))
            put(Record(file: "\(node.nodeCluster).vip", what: "node vip \(node.nodeCluster)", body: "\(address) \(name)",
                       producer: "dnsmasq:\(node.nodeCluster).vip"))
        }
        for cluster in graph.resolved.minioClusters {
            for i in cluster.members {
                let h = graph.resolved.hosts[i]
                guard let seq = h.int("minio_seq").map(String.init) else { continue }
                let instance = "\(cluster.name)-\(seq)"
                let nodename = minioNodename(h, cluster: cluster.name, seq: seq)
                put(Record(file: instance, what: "minio \(instance)",
                           body: "\(h.name) \(nodename)\n\(h.name) \(instance)\n", producer: "dnsmasq:\(instance)"))
            }
        }
        return out
    }

    /// `minio_node` with `${minio_cluster}` and `${minio_seq}` filled in.
    static func minioNodename(_ h: ResolvedHost, cluster: String, seq: String) -> String {
        let pattern = h.value("minio_node").map { Jinja.str($0) } ?? "${minio_cluster}-${minio_seq}.pigsty"
        return pattern.replacingOccurrences(of: "${minio_cluster}", with: cluster).replacingOccurrences(of: "${minio_seq}", with: seq)
    }

    /// What `pg_dns_target` makes of the cluster name `<pg_cluster><pg_dns_suffix>`: the VIP (`vip`, or
    /// `auto` with `pg_vip_enabled`), the primary (`primary`, `auto`), a literal address, or nothing
    /// (`none`, anything else, `vip` without a VIP). The result of the instance registered last wins.
    static func pgClusterRecord(_ inst: PgInstanceResource, cluster: PgClusterResource) -> String {
        let h = inst.host
        let name = cluster.name + Jinja.text(h.value("pg_dns_suffix"))
        let target = Jinja.text(h.value("pg_dns_target"))
        let vipEnabled = Jinja.bool(h.value("pg_vip_enabled"))
        let vip = Jinja.text(h.value("pg_vip_address")).split(separator: "/", omittingEmptySubsequences: false)
            .first.map(String.init) ?? ""
        let primary = cluster.identity.primaryIP
        func line(_ kind: String, _ ip: String) -> String {
            // Without exactly one primary Pigsty would print the word `unknown`, which dnsmasq rejects.
            guard ValueChecker.isIPv4(ip) else { return "# [\(kind)] \(name) -> no address\n" }
            return "# [\(kind)] \(name) -> \(ip)\n\(ip) \(name)\n"
        }
        switch target {
        case "vip" where vipEnabled, "auto" where vipEnabled: return line("VIP", vip)
        case "primary", "auto": return line("PRIMARY", primary)
        default:
            // A literal IPv4 address, optionally with a prefix length: the record gets the address only.
            if let ip = literalTarget(target) { return line("ADHOC", ip) }
            return ""
        }
    }

    /// The address of a literal `pg_dns_target` (`a.b.c.d` or `a.b.c.d/n`), nil for anything else.
    static func literalTarget(_ target: String) -> String? {
        let parts = target.split(separator: "/", omittingEmptySubsequences: false)
        guard let ip = parts.first.map(String.init), ValueChecker.isIPv4(ip) else { return nil }
        if parts.count == 1 { return ip }
        guard parts.count == 2, let n = Int(parts[1]), (0...32).contains(n), parts[1].count <= 2 else { return nil }
        return ip
    }
}
