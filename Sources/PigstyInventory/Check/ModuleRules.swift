import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Identities and settings of the other modules: node VIP, pg VIP, INFRA, ETCD, MINIO, REDIS
/// and the infra portal, as Pigsty's roles assert them and `bin/validate` checks them.
struct ModuleRules: InventoryRule {
    func check(_ c: RuleContext) {
        checkNodeVIP(c)
        checkPgVIP(c)
        checkSequencedGroup(c, group: "infra", seq: "infra_seq", id: .infraSeq, module: "infra")
        checkEtcd(c)
        checkMinio(c)
        checkRedis(c)
        checkPortal(c)
    }

    // MARK: VIPs

    /// Address format, router id range and role values are schema checks; what remains is what
    /// the schema cannot see: a VIP switched on without its address or router id.
    private func checkNodeVIP(_ c: RuleContext) {
        var reported = Set<SourcePosition>()
        for h in c.resolved.hosts where h.bool("vip_enabled") == true {
            let range = c.range(for: h, "vip_enabled")
            for name in ["vip_address", "vip_vrid"] where h.value(name)?.isNull ?? true {
                guard reported.insert(SourcePosition(line: range.start.line, column: range.start.column + (name == "vip_vrid" ? 1 : 0))).inserted else { continue }
                c.sink.report(.vipInvalid,
                              "vip_enabled is true but \(name) is not set (host '\(h.name)')",
                              at: range, path: "\(h.name).\(name)",
                              notes: [DiagnosticNote(name == "vip_address"
                                 ? "the node VIP needs the IPv4 address the nodes share"
                                 : "the VRRP router id (1–254) must be the same on every node sharing the address")])
            }
        }
    }

    /// With pg_vip_enabled, Pigsty needs a real pg_vip_address; the default 127.0.0.1/24 is a placeholder.
    private func checkPgVIP(_ c: RuleContext) {
        var reported = Set<SourcePosition>()
        for h in c.resolved.hosts where h.string("pg_cluster") != nil && h.bool("pg_vip_enabled") == true {
            guard h.binding("pg_vip_address") == nil else { continue }
            let range = c.range(for: h, "pg_vip_enabled")
            guard reported.insert(range.start).inserted else { continue }
            c.sink.report(.pgVipInvalid,
                          "pg_vip_enabled is true but cluster '\(h.string("pg_cluster") ?? "")' sets no pg_vip_address",
                          at: range, path: "\(h.name).pg_vip_address",
                          notes: [DiagnosticNote("give the cluster's L2 VIP with its prefix length, e.g. 10.10.10.2/24")])
        }
    }

    // MARK: infra / etcd / minio

    /// Hosts of `group` need an integer `seq` ≥ 0, unique within the group.
    private func checkSequencedGroup(_ c: RuleContext, group: String, seq: String, id: DiagnosticCode, module: String,
                                     duplicateID: DiagnosticCode? = nil) {
        guard let g = c.inventory.groups[group] else { return }
        let members = c.resolved.members(ofGroup: group)
        for h in members where h.binding(seq) == nil {
            c.sink.report(id, "\(module) host '\(h.name)' has no \(seq)",
                         at: c.occurrence(of: h.host, in: g), path: "\(group).hosts.\(h.name)",
                         notes: [DiagnosticNote("give each \(module) host a unique integer '\(seq)' (0, 1, 2, …)")])
        }
        reportRepeats(of: seq, among: members, id: duplicateID ?? id, c) { v, first, h in
            "\(seq) \(v) is used by both \(first.name) and \(h.name)"
        }
    }

    /// Reports every host whose non-negative integer `variable` repeats an earlier host's, pointing
    /// at the first. Values of the wrong type or range are the schema check's to report.
    private func reportRepeats(of variable: String, among hosts: [ResolvedHost], id: DiagnosticCode, _ c: RuleContext,
                               message: (Int, ResolvedHost, ResolvedHost) -> String) {
        var owners: [Int: ResolvedHost] = [:]
        for h in hosts {
            guard let b = h.binding(variable), let v = b.value.int, v >= 0 else { continue }
            if let first = owners[v] {
                c.sink.report(id, message(v, first, h), at: b.value.range, path: "\(h.name).\(variable)",
                             notes: [c.note("first used here", first.binding(variable))])
            } else {
                owners[v] = h
            }
        }
    }

    private func checkEtcd(_ c: RuleContext) {
        checkSequencedGroup(c, group: "etcd", seq: "etcd_seq", id: .etcdSeq, module: "etcd",
                            duplicateID: .etcdDuplicateSeq)
        var reported = Set<SourcePosition>()
        for h in c.resolved.members(ofGroup: "etcd") {
            let cluster = h.string("etcd_cluster") ?? "etcd"
            guard c.inventory.groups[cluster] == nil || !c.inventory.hosts(inGroup: cluster).contains(h.name) else { continue }
            let range = c.range(for: h, "etcd_cluster")
            guard reported.insert(range.start).inserted else { continue }
            c.sink.report(.etcdClusterGroup,
                          "etcd_cluster '\(cluster)' must be the name of the group holding the etcd members",
                          at: range, path: "\(h.name).etcd_cluster",
                          notes: [DiagnosticNote("Pigsty finds etcd peers as groups[etcd_cluster]")])
        }
    }

    private func checkMinio(_ c: RuleContext) {
        if let g = c.inventory.groups["minio"], g.vars["minio_cluster"] == nil,
           c.resolved.members(ofGroup: "minio").contains(where: { $0.string("minio_cluster") == nil }) {
            c.sink.report(.minioIdentity, "group 'minio' needs 'minio_cluster' in its vars",
                          at: g.keyRange ?? g.definitions.first, path: "minio.vars.minio_cluster")
        }
        // A minio_cluster in all.vars is already an error (PGS0310); its "members" are not checked.
        for cluster in c.resolved.minioClusters
        where c.resolved.hosts[cluster.members[0]].binding("minio_cluster")?.origin != .allVars {
            let members = cluster.members.map { c.resolved.hosts[$0] }
            for h in members where h.binding("minio_seq") == nil {
                c.sink.report(.minioIdentity, "MinIO host '\(h.name)' has no minio_seq",
                              at: c.memberAnchor(h, identity: "minio_cluster"), path: "\(h.name).minio_seq")
            }
            reportRepeats(of: "minio_seq", among: members, id: .minioDuplicateSeq, c) { v, _, _ in
                "minio_seq \(v) is used twice in MinIO cluster '\(cluster.name)'"
            }
        }
    }

    // MARK: redis

    private func checkRedis(_ c: RuleContext) {
        var reportedFs = Set<SourcePosition>()
        for cluster in c.resolved.redisClusters {
            let members = cluster.members.map { c.resolved.hosts[$0] }
            reportRepeats(of: "redis_node", among: members, id: .redisDuplicate, c) { v, _, _ in
                "redis_node \(v) is used twice in Redis cluster '\(cluster.name)'"
            }
            for h in members {
                if h.binding("redis_node") == nil {
                    c.sink.report(.redisIdentity, "Redis host '\(h.name)' has no redis_node",
                                  at: c.memberAnchor(h, identity: "redis_cluster"), path: "\(h.name).redis_node")
                }
                checkRedisInstances(h, c)
                if let fs = h.string("redis_fs_main"), fs == "/data" || fs == "/data/",
                   reportedFs.insert(c.range(for: h, "redis_fs_main").start).inserted {
                    c.sink.report(.redisFsMain, "redis_fs_main must not be '/data' itself",
                                  at: c.range(for: h, "redis_fs_main"), path: "\(h.name).redis_fs_main",
                                  notes: [DiagnosticNote("Pigsty refuses it so that removing Redis cannot wipe /data; use a subdirectory such as /data/redis")])
                }
            }
        }
        // redis_sentinel_monitor entries need name and host: required fields of the schema record.
    }

    private func checkRedisInstances(_ h: ResolvedHost, _ c: RuleContext) {
        guard let b = h.binding("redis_instances") else {
            c.sink.report(.redisIdentity, "Redis host '\(h.name)' has no redis_instances",
                          at: c.memberAnchor(h, identity: "redis_cluster"), path: "\(h.name).redis_instances",
                          notes: [DiagnosticNote("map each port to its options, e.g. 'redis_instances: { 6379: {} }'")])
            return
        }
        guard let pairs = b.value.mapping else { return } // the type checker reports it
        for pair in pairs {
            guard let port = pair.key.int, (1...65535).contains(port) else {
                c.sink.report(.redisIdentity,
                              "redis_instances key '\(pair.key.keyName ?? "?")' must be a port number (1–65535)",
                              at: pair.key.range, path: "\(h.name).redis_instances")
                continue
            }
            guard let r = pair.value["replica_of"], !r.isNull else { continue }
            let parts = (r.keyName ?? "").split(separator: " ", omittingEmptySubsequences: true)
            if parts.count != 2 || !IPv4.isAddress(String(parts[0])) || Int(parts[1]).map({ !(1...65535).contains($0) }) ?? true {
                c.sink.report(.redisReplicaOf,
                              "replica_of must be '<ip> <port>', e.g. '10.10.10.13 6379'",
                              at: r.range, path: "\(h.name).redis_instances.\(port).replica_of")
            }
        }
    }

    // MARK: portal

    private func checkPortal(_ c: RuleContext) {
        for b in c.bindings(of: "infra_portal") {
            for pair in b.value.mapping ?? [] {
                guard let key = pair.key.keyName, key != "home", let entry = pair.value.mapping != nil ? pair.value : nil else { continue }
                guard let domain = entry["domain"], !domain.isNull, domain.string != "" else { continue }
                let targets = ["endpoint", "path", "conf"].filter { entry[$0].map { !$0.isNull } ?? false }
                if targets.isEmpty {
                    c.sink.report(.portalNoTarget,
                                  "portal entry '\(key)' has a domain but no endpoint, path or conf to serve",
                                  at: pair.key.range, path: "\(c.path(of: b)).\(key)",
                                  notes: [DiagnosticNote("Pigsty would render an empty nginx server for it")])
                }
            }
        }
    }
}
