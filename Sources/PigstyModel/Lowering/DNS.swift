import PigstyInventory
import PigstySchema

/// The typed resources of dnsmasq and its records: one server per infra node, and the record files
/// other modules register on every infra node.
public struct DNSModel: Sendable {
    /// dnsmasq on every infra node (group `infra`, Ansible's order).
    public let servers: [DnsmasqServer]
    /// Record files registered by other modules, the same on every infra node: pg instances and
    /// clusters, node VIPs, MinIO, in that order; a file registered twice keeps its first position
    /// and its last content, as the last writer does on the node.
    public let records: [DNSRecordFile]

    init() {
        servers = []
        records = []
    }

    init(servers: [DnsmasqServer], records: [DNSRecordFile]) {
        self.servers = servers
        self.records = records
    }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> DNSModel {
        guard !graph.infraNodes.isEmpty else { return DNSModel() }
        let servers = graph.infraNodes.map { node in
            let h = node.host
            let admin = Jinja.text(h.value("admin_ip"))
            let defaults = (h.value("dns_records")?.sequence ?? []).enumerated().map { i, item -> DefaultDNSRecord in
                let line = Jinja.str(item).replacingOccurrences(of: "${admin_ip}", with: admin)
                return DNSModel.breaksLine(line) ? .skipped(index: i) : .line(line)
            }
            return DnsmasqServer(ip: node.ip, port: Jinja.text(h.value("dns_port")), defaultRecords: defaults)
        }
        return DNSModel(servers: servers, records: records(graph))
    }

    /// A value that would add a line (or end one) in a hosts-format file.
    static func breaksLine(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0 == "\n" || $0 == "\r" || $0.value == 0x0B || $0.value == 0x0C || $0.value == 0x85
            || $0.value == 0x2028 || $0.value == 0x2029 }
    }

    static func records(_ graph: ResourceGraph) -> [DNSRecordFile] {
        var out: [DNSRecordFile] = []
        var index: [String: Int] = [:]
        func put(_ r: DNSRecordFile) {
            if let i = index[r.file] { out[i] = r } else { index[r.file] = out.count; out.append(r) }
        }
        for cluster in graph.pgClusters {
            for inst in cluster.instances where Jinja.bool(inst.host.value("dns_enabled")) {
                put(DNSRecordFile(file: inst.name, producer: "dnsmasq:\(inst.name)",
                                  content: .pgInstance(ip: inst.ip, name: inst.name)))
                put(DNSRecordFile(file: cluster.name, producer: "dnsmasq:\(inst.name)",
                                  content: .pgCluster(cluster: cluster.name, target: pgClusterTarget(inst, cluster: cluster))))
            }
        }
        for node in graph.nodes where Jinja.bool(node.host.value("vip_enabled")) {
            let h = node.host
            guard let address = h.string("vip_address"), ValueChecker.isIPv4(address) else { continue }
            let name = node.nodeCluster + Jinja.text(h.value("vip_dns_suffix"))
            put(DNSRecordFile(file: "\(node.nodeCluster).vip", producer: "dnsmasq:\(node.nodeCluster).vip",
                              content: .nodeVIP(cluster: node.nodeCluster, address: address, name: name)))
        }
        for cluster in graph.resolved.minioClusters {
            for i in cluster.members {
                let h = graph.resolved.hosts[i]
                guard let seq = h.int("minio_seq").map(String.init) else { continue }
                let instance = "\(cluster.name)-\(seq)"
                // `minio_node` with `${minio_cluster}` and `${minio_seq}` filled in.
                let nodename = Jinja.str(h.value("minio_node")).replacingOccurrences(of: "${minio_cluster}", with: cluster.name)
                    .replacingOccurrences(of: "${minio_seq}", with: seq)
                put(DNSRecordFile(file: instance, producer: "dnsmasq:\(instance)",
                                  content: .minio(ip: h.name, instance: instance, nodename: breaksLine(nodename) ? nil : nodename)))
            }
        }
        return out
    }

    /// What `pg_dns_target` makes of the cluster name `<pg_cluster><pg_dns_suffix>`: the VIP (`vip`, or
    /// `auto` with `pg_vip_enabled`), the primary (`primary`, `auto`), a literal address, or nothing
    /// (`none`, anything else, `vip` without a VIP). The result of the instance registered last wins.
    static func pgClusterTarget(_ inst: PgInstanceResource, cluster: PgClusterResource) -> PgDNSTarget? {
        let h = inst.host
        let name = cluster.name + Jinja.text(h.value("pg_dns_suffix"))
        let target = Jinja.text(h.value("pg_dns_target"))
        // Without exactly one primary Pigsty would print the word `unknown`, which dnsmasq rejects.
        func resolved(_ kind: PgDNSTarget.Kind, _ ip: String) -> PgDNSTarget {
            PgDNSTarget(kind: kind, name: name, address: ValueChecker.isIPv4(ip) ? ip : nil)
        }
        switch target {
        case "vip" where inst.vip.enabled, "auto" where inst.vip.enabled: return resolved(.vip, inst.vip.address)
        case "primary", "auto": return resolved(.primary, cluster.identity.primaryIP)
        default:
            // A literal IPv4 address, optionally with a prefix length: the record gets the address only.
            if let ip = literalTarget(target) { return resolved(.adhoc, ip) }
            return nil
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

/// dnsmasq on one infra node.
public struct DnsmasqServer: Sendable, Equatable {
    public let ip: String
    /// `dns_port` as Jinja prints it.
    public let port: String
    /// `dns_records`, in order.
    public let defaultRecords: [DefaultDNSRecord]
}

/// One `dns_records` item, `${admin_ip}` replaced.
public enum DefaultDNSRecord: Sendable, Equatable {
    case line(String)
    /// An item with a line break: written, it would add records of its own (check warns, PGS0783).
    case skipped(index: Int)
}

/// Where a PostgreSQL cluster's name points.
public struct PgDNSTarget: Sendable, Equatable {
    public enum Kind: String, Sendable { case vip = "VIP", primary = "PRIMARY", adhoc = "ADHOC" }
    public let kind: Kind
    /// `<pg_cluster><pg_dns_suffix>`.
    public let name: String
    /// Nil when the target has no IPv4 address (no single primary, a VIP without address).
    public let address: String?
}

/// A hosts-format record file under `/etc/dnsmasq.d/pigsty/`.
public struct DNSRecordFile: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        /// `<ip> <pg_cluster>-<pg_seq>`.
        case pgInstance(ip: String, name: String)
        /// The cluster name and where it points; nil: no record (`none`, unknown targets).
        case pgCluster(cluster: String, target: PgDNSTarget?)
        /// `<vip_address> <node_cluster><vip_dns_suffix>`.
        case nodeVIP(cluster: String, address: String, name: String)
        /// `<ip> <minio_node>` (nil when `minio_node` would break the line) and `<ip> <instance>`.
        case minio(ip: String, instance: String, nodename: String?)
    }

    public let file: String
    public let producer: String
    public let content: Content
}
