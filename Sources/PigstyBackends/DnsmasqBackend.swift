import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// dnsmasq on every infra node: `/etc/dnsmasq.conf` (pigstyc's own short configuration) and the
/// hosts-format record files under `/etc/dnsmasq.d/pigsty/` that Pigsty's roles register there:
/// `default` (`dns_records`), one per PostgreSQL instance and cluster (pgsql role, when the pg host
/// has `dns_enabled`), `<node_cluster>.vip` (node role, `vip_enabled`) and one per MinIO instance.
/// Renders `graph.dns` (Lowering/DNS.swift).
struct DnsmasqBackend: Backend {
    let name = "dnsmasq"
    static let recordDir = "/etc/dnsmasq.d/pigsty"

    /// `/etc/dnsmasq.conf`: dnsmasq restarts to read it.
    static let confApply = ApplyClass.in(.infra, .restart("dnsmasq"))
    /// `default` is part of the infra step; hostsdir is watched, so no unit is touched.
    static let defaultApply = ApplyClass.in(.infra)
    /// Records registered by other modules (hostsdir is watched).
    static let recordApply = ApplyClass.in(.register)

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let dns = graph.dns
        for server in dns.servers {
            tree.add(GeneratedFile(path: "/etc/dnsmasq.conf", content: conf(server, graph: graph),
                                   producer: "dnsmasq:\(server.ip)", apply: Self.confApply), on: server.ip)
            tree.add(GeneratedFile(path: "\(Self.recordDir)/default", content: defaultRecords(server, graph: graph),
                                   producer: "dnsmasq:\(server.ip)", apply: Self.defaultApply), on: server.ip)
            for r in dns.records {
                var w = LineWriter()
                Header.hash("dnsmasq records (\(Self.what(r.content)))", node: server.ip, into: &w)
                Self.body(r.content, into: &w)
                tree.add(GeneratedFile(path: "\(Self.recordDir)/\(r.file)", content: w.text, producer: r.producer,
                                       apply: Self.recordApply), on: server.ip)
            }
        }
    }

    func conf(_ server: DnsmasqServer, graph: ResourceGraph) -> String {
        var w = LineWriter(capacity: 1024)
        Header.hash("dnsmasq configuration", node: server.ip, into: &w)
        w.comment("names registered by pigsty: hosts-format files, re-read when they change")
        w.dnsmasqOption("hostsdir", Self.recordDir)
        w.lines("""
        # this node's /etc/hosts is not served
        no-hosts
        # private-range reverse lookups are answered here, never forwarded upstream
        bogus-priv
        """)
        w.blank()
        w.dnsmasqOption("listen-address", "127.0.0.1", server.ip)
        w.dnsmasqOption("port", server.port)
        w.blank()
        w.lines("""
        user=dnsmasq
        group=dnsmasq
        # listen on the addresses above only, also when they appear after start
        bind-dynamic
        # drop-in files; hostsdir above is a subdirectory and is not read as configuration
        conf-dir=/etc/dnsmasq.d,.rpmnew,.rpmsave,.rpmorig
        """)
        return w.text
    }

    /// `default`: each `dns_records` item with `${admin_ip}` replaced, one per line.
    ///
    /// An item is a hosts-format line the inventory author writes (`address name…`), copied as it
    /// is; items holding a line break are skipped by lowering and noted here.
    func defaultRecords(_ server: DnsmasqServer, graph: ResourceGraph) -> String {
        var w = LineWriter()
        Header.hash("dnsmasq records (dns_records)", node: server.ip, into: &w)
        for record in server.defaultRecords {
            switch record {
            case .line(let line): w.line(line)
            case .skipped(let i): w.comment("dns_records[\(i)] skipped: it contains a line break")
            }
        }
        return w.text
    }

    /// What a record file holds, for its header.
    static func what(_ c: DNSRecordFile.Content) -> String {
        switch c {
        case .pgInstance(_, let name): return "pg instance \(name)"
        case .pgCluster(let cluster, _): return "pg cluster \(cluster)"
        case .nodeVIP(let cluster, _, _): return "node vip \(cluster)"
        case .minio(_, let instance, _): return "minio \(instance)"
        }
    }

    /// The records of one file. Pigsty writes the pg instance and node VIP records without a
    /// final newline; so does pigstyc.
    static func body(_ c: DNSRecordFile.Content, into w: inout LineWriter) {
        switch c {
        case .pgInstance(let ip, let name): w.unterminatedHostsRecord(ip, name)
        case .pgCluster(_, let target):
            guard let target else { return }
            guard let ip = target.address else {
                w.comment("[\(target.kind.rawValue)] \(target.name) -> no address")
                return
            }
            w.comment("[\(target.kind.rawValue)] \(target.name) -> \(ip)")
            w.hostsRecord(ip, target.name)
        case .nodeVIP(_, let address, let name): w.unterminatedHostsRecord(address, name)
        case .minio(let ip, let instance, let nodename):
            if let nodename { w.hostsRecord(ip, nodename) }
            else { w.comment("minio_node of \(instance) skipped: it contains a line break") }
            w.hostsRecord(ip, instance)
        }
    }
}
