import PigstyInventory
import PigstyYAML

/// The node role's own files on every node: time service, static host records, resolver, kernel
/// modules loaded at boot, tuned profiles and huge pages, package repositories.
public struct NodeBaseModel: Sendable {
    /// One entry per node, in inventory order.
    public let nodes: [NodeBaseConfig]

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> NodeBaseModel {
        let exchanged = exchangedNames(graph)
        return NodeBaseModel(nodes: graph.nodes.map { node in
            let h = node.host
            let admin = Jinja.text(h.value("admin_ip"))
            return NodeBaseConfig(
                ip: node.ip, nodename: node.nodename, osPackage: node.facts.package,
                chrony: chrony(node, admin: admin),
                hosts: hosts(node, admin: admin, exchanged: exchanged, graph: graph),
                resolver: resolver(node, admin: admin),
                kernelModules: (h.value("node_kernel_modules")?.sequence ?? []).map { Jinja.str($0) },
                tune: tune(node),
                repos: NodeRepos.files(node, graph: graph, admin: admin))
        })
    }

    /// `${admin_ip}` replaced, as Pigsty's templates do.
    static func admin(_ s: String, _ admin: String) -> String { s.replacingOccurrences(of: "${admin_ip}", with: admin) }

    /// `node_ntp_servers`: an entry naming `${admin_ip}` is left out on the admin node itself
    /// (it would sync from itself).
    static func chrony(_ node: NodeResource, admin: String) -> ChronyConfig? {
        let h = node.host
        guard Jinja.bool(h.value("node_ntp_enabled")) else { return nil }
        let servers = (h.value("node_ntp_servers")?.sequence ?? []).compactMap { item -> String? in
            let s = Jinja.str(item)
            guard s.contains("${admin_ip}") else { return s }
            return node.ip == admin ? nil : Self.admin(s, admin)
        }
        let deb = node.facts.package == "deb"
        return ChronyConfig(path: deb ? "/etc/chrony/chrony.conf" : "/etc/chrony.conf",
                            unit: deb ? "chrony" : "chronyd", servers: servers)
    }

    /// `<ip> <nodename>` of every host with `nodename_exchange` (and `node_write_etc_hosts`): Pigsty
    /// writes it into the `/etc/hosts` of every host of the play.
    static func exchangedNames(_ graph: ResourceGraph) -> [String] {
        graph.nodes.filter { n in
            Jinja.bool(n.host.value("node_write_etc_hosts")) && Jinja.bool(n.host.value("nodename_exchange"))
        }.map { "\($0.ip) \($0.nodename)" }
    }

    /// `node_default_etc_hosts` then `node_etc_hosts`, `${admin_ip}` replaced; then the exchanged
    /// node names. Nil when there is nothing to write.
    static func hosts(_ node: NodeResource, admin: String, exchanged: [String], graph: ResourceGraph) -> HostsBlock? {
        let h = node.host
        var records: [String] = []
        if Jinja.bool(h.value("node_write_etc_hosts")) {
            for name in ["node_default_etc_hosts", "node_etc_hosts"] {
                for item in h.value(name)?.sequence ?? [] { records.append(Self.admin(Jinja.str(item), admin)) }
            }
        }
        let minio = Jinja.bool(h.value("node_write_etc_hosts"), default: true) ? minioMembers(node, graph.resolved) : []
        guard !records.isEmpty || !exchanged.isEmpty || !minio.isEmpty else { return nil }
        return HostsBlock(records: records, minio: minio, exchanged: exchanged)
    }

    /// On a MinIO node, `<ip> <minio_node>` of every member of its MinIO cluster (inventory order),
    /// `${minio_cluster}` and `${minio_seq}` filled in with the member's, as the minio role writes them.
    static func minioMembers(_ node: NodeResource, _ resolved: ResolvedInventory) -> [String] {
        let h = node.host
        guard h.binding("minio_cluster") != nil, let name = h.string("minio_cluster") else { return [] }
        let pattern = Jinja.str(h.value("minio_node"))
        guard let cluster = resolved.minioClusters.first(where: { $0.name == name }) else { return [] }
        return cluster.members.compactMap { i -> String? in
            let m = resolved.hosts[i]
            guard let seq = m.value("minio_seq"), !seq.isNull else { return nil }
            let host = pattern.replacingOccurrences(of: "${minio_cluster}", with: name)
                .replacingOccurrences(of: "${minio_seq}", with: Jinja.str(seq))
            return "\(m.name) \(host)"
        }
    }

    /// `node_dns_method`: `none` leaves the file alone; `add` keeps the node's first three name
    /// servers (the `nameservers` fact) after Pigsty's, unless listed already or the admin node.
    static func resolver(_ node: NodeResource, admin: String) -> ResolverConfig? {
        let h = node.host
        let method = Jinja.text(h.value("node_dns_method"))
        guard h.value("node_dns_method") != nil, !h.value("node_dns_method")!.isNull, method != "none" else { return nil }
        let listed = (h.value("node_dns_servers")?.sequence ?? []).map { Jinja.str($0) }
        var servers = listed.map { Self.admin($0, admin) }
        if method == "add" {
            servers += node.facts.nameservers.prefix(3).filter { !listed.contains($0) && $0 != admin }
        }
        return ResolverConfig(options: (h.value("node_dns_options")?.sequence ?? []).map { Jinja.str($0) },
                              nameservers: servers)
    }

    /// `node_tune` other than `none`: all four profiles are written (the value picks the active
    /// one), and the huge page reservation.
    static func tune(_ node: NodeResource) -> TuneConfig? {
        let h = node.host
        guard let v = h.value("node_tune"), !v.isNull, Jinja.text(v) != "none" else { return nil }
        let memBytes = node.facts.memMB * 1_048_576
        let pages = memBytes / 4096
        let overcommit = Jinja.int(h.value("node_overcommit_ratio"))
        return TuneConfig(profileDir: node.facts.os == "el10" ? "/etc/tuned/profiles" : "/etc/tuned",
                          active: Jinja.text(v),
                          shmall: Int(Double(pages) * 0.75), shmmax: Int(Double(memBytes) * 0.75),
                          overcommitRatio: overcommit > 0 ? overcommit : nil,
                          hugepages: hugepages(h, memBytes: memBytes))
    }

    /// `node_hugepage_count` when positive (at most 90% of memory in 2 MiB pages, rounded up),
    /// else `node_hugepage_ratio` when in (0, 0.9), else 0.
    static func hugepages(_ h: ResolvedHost, memBytes: Int) -> Int {
        let total = Double(memBytes) / 2_097_152.0
        let count = h.value("node_hugepage_count")
        if Jinja.int(count) > 0 {
            return Jinja.float(count) >= total * 0.90 ? Int((total * 0.90).rounded(.up)) : Jinja.int(count)
        }
        let ratio = Jinja.float(h.value("node_hugepage_ratio"))
        if ratio > 0, ratio < 0.90 { return Int((total * ratio).rounded(.up)) }
        return 0
    }
}

/// The node role's files on one node.
public struct NodeBaseConfig: Sendable, Equatable {
    public let ip: String
    public let nodename: String
    /// `rpm` or `deb`.
    public let osPackage: String
    /// With `node_ntp_enabled`.
    public let chrony: ChronyConfig?
    /// Nil: the node's `/etc/hosts` gets no block.
    public let hosts: HostsBlock?
    /// Nil: `node_dns_method: none`.
    public let resolver: ResolverConfig?
    /// `node_kernel_modules`: one `/etc/modules-load.d/<module>.conf` each.
    public let kernelModules: [String]
    /// Nil: `node_tune: none`.
    public let tune: TuneConfig?
    public let repos: [RepoFile]
}

/// chrony's configuration: `/etc/chrony.conf` (EL) or `/etc/chrony/chrony.conf` (Debian, Ubuntu).
public struct ChronyConfig: Sendable, Equatable {
    public let path: String
    /// The systemd unit: `chronyd` on EL, `chrony` on Debian and Ubuntu.
    public let unit: String
    /// Source directives as written (`pool pool.ntp.org iburst`), `${admin_ip}` replaced.
    public let servers: [String]
}

/// Pigsty's lines in `/etc/hosts`.
public struct HostsBlock: Sendable, Equatable {
    /// Static records (`<address> <name>…`), `${admin_ip}` replaced.
    public let records: [String]
    /// `<ip> <minio node name>` of the node's MinIO cluster members.
    public let minio: [String]
    /// `<ip> <nodename>` of the hosts that exchange node names.
    public let exchanged: [String]
}

/// `/etc/resolv.conf`.
public struct ResolverConfig: Sendable, Equatable {
    /// Lines as written (`options single-request-reopen timeout:1`).
    public let options: [String]
    /// Addresses, one `nameserver` line each.
    public let nameservers: [String]
}

/// The tuned profiles and huge pages of one node.
public struct TuneConfig: Sendable, Equatable {
    /// `/etc/tuned` (`/etc/tuned/profiles` on EL 10).
    public let profileDir: String
    /// `node_tune`: the profile Pigsty activates.
    public let active: String
    /// `kernel.shmall`: 75% of memory in 4 KiB pages.
    public let shmall: Int
    /// `kernel.shmmax`: 75% of memory in bytes.
    public let shmmax: Int
    /// `node_overcommit_ratio` when positive: strict overcommit at that ratio.
    public let overcommitRatio: Int?
    /// `vm.nr_hugepages`.
    public let hugepages: Int

    public static let profiles = ["oltp", "olap", "crit", "tiny"]
}
