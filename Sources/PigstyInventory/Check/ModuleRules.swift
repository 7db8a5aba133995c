import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Identities and settings of the other modules: node VIP, pg VIP, INFRA, ETCD, MINIO, REDIS
/// and the infra portal, as Pigsty's roles assert them and `bin/validate` checks them.
struct ModuleRules: InventoryRule {
    func check(_ c: RuleContext) {
        checkNodeVIP(c)
        checkPgVIP(c)
        checkSequencedGroup(c, group: "infra", seq: "infra_seq", id: InventoryDiagnostic.infraSeq, module: "infra")
        checkEtcd(c)
        checkMinio(c)
        checkRedis(c)
        checkPortal(c)
    }

    // MARK: VIPs

    private func checkNodeVIP(_ c: RuleContext) {
        for h in c.resolved.hosts where h.bool("vip_enabled") == true {
            let addr = h.string("vip_address")
            if addr == nil || !IPv4.isAddress(addr!) {
                c.sink.error(InventoryDiagnostic.vipInvalid,
                             addr == nil ? "host '\(h.name)' enables vip_enabled but sets no vip_address"
                                         : "vip_address '\(addr!)' of host '\(h.name)' is not an IPv4 address",
                             at: c.range(for: h, addr == nil ? "vip_enabled" : "vip_address"), path: "\(h.name).vip_address")
            }
            if let vrid = h.int("vip_vrid") {
                if !(1...254).contains(vrid) {
                    c.sink.error(InventoryDiagnostic.vipInvalid, "vip_vrid \(vrid) of host '\(h.name)' must be between 1 and 254",
                                 at: c.range(for: h, "vip_vrid"), path: "\(h.name).vip_vrid")
                }
            } else {
                c.sink.error(InventoryDiagnostic.vipInvalid, "host '\(h.name)' enables vip_enabled but has no integer vip_vrid",
                             at: c.range(for: h, "vip_enabled"), path: "\(h.name).vip_vrid",
                             notes: [DiagnosticNote("the VRRP router id (1–254) must be the same on every node sharing the address")])
            }
            let role = h.string("vip_role")?.lowercased() ?? "backup"
            if role != "master", role != "backup" {
                c.sink.error(InventoryDiagnostic.vipInvalid, "vip_role of host '\(h.name)' must be master or backup",
                             at: c.range(for: h, "vip_role"), path: "\(h.name).vip_role")
            }
        }
    }

    private func checkPgVIP(_ c: RuleContext) {
        var reported = Set<SourcePosition>()
        for h in c.resolved.hosts where h.string("pg_cluster") != nil && h.bool("pg_vip_enabled") == true {
            let range = c.range(for: h, "pg_vip_address")
            guard reported.insert(range.start).inserted else { continue }
            let addr = h.string("pg_vip_address") ?? ""
            if !IPv4.isCIDR(addr) {
                c.sink.error(InventoryDiagnostic.pgVipInvalid,
                             "pg_vip_address '\(addr)' must be an IPv4 address with a prefix length, e.g. 10.10.10.2/24",
                             at: range, path: "\(h.name).pg_vip_address")
            }
        }
    }

    // MARK: infra / etcd / minio

    /// Hosts of `group` need an integer `seq` ≥ 0, unique within the group.
    private func checkSequencedGroup(_ c: RuleContext, group: String, seq: String, id: String, module: String,
                                     duplicateID: String? = nil) {
        guard let g = c.inventory.groups[group] else { return }
        var owners: [Int: ResolvedHost] = [:]
        for h in c.resolved.members(ofGroup: group) {
            guard let b = h.binding(seq) else {
                c.sink.error(id, "\(module) host '\(h.name)' has no \(seq)",
                             at: c.occurrence(of: h.host, in: g), path: "\(group).hosts.\(h.name)",
                             notes: [DiagnosticNote("give each \(module) host a unique integer '\(seq)' (0, 1, 2, …)")])
                continue
            }
            guard let v = b.value.int, v >= 0 else {
                c.sink.error(id, "\(seq) of host '\(h.name)' must be a non-negative integer",
                             at: b.value.range, path: "\(h.name).\(seq)")
                continue
            }
            if let first = owners[v] {
                c.sink.error(duplicateID ?? id, "\(seq) \(v) is used by both \(first.name) and \(h.name)",
                             at: b.value.range, path: "\(h.name).\(seq)",
                             notes: [c.note("first used here", first.binding(seq))])
            } else {
                owners[v] = h
            }
        }
    }

    private func checkEtcd(_ c: RuleContext) {
        checkSequencedGroup(c, group: "etcd", seq: "etcd_seq", id: InventoryDiagnostic.etcdSeq, module: "etcd",
                            duplicateID: InventoryDiagnostic.etcdDuplicateSeq)
        var reported = Set<SourcePosition>()
        for h in c.resolved.members(ofGroup: "etcd") {
            let cluster = h.string("etcd_cluster") ?? "etcd"
            guard c.inventory.groups[cluster] == nil || !c.inventory.hosts(inGroup: cluster).contains(h.name) else { continue }
            let range = c.range(for: h, "etcd_cluster")
            guard reported.insert(range.start).inserted else { continue }
            c.sink.error(InventoryDiagnostic.etcdClusterGroup,
                         "etcd_cluster '\(cluster)' must be the name of the group holding the etcd members",
                         at: range, path: "\(h.name).etcd_cluster",
                         notes: [DiagnosticNote("Pigsty finds etcd peers as groups[etcd_cluster]")])
        }
    }

    private func checkMinio(_ c: RuleContext) {
        if let g = c.inventory.groups["minio"], g.vars["minio_cluster"] == nil,
           c.resolved.members(ofGroup: "minio").contains(where: { $0.string("minio_cluster") == nil }) {
            c.sink.error(InventoryDiagnostic.minioIdentity, "group 'minio' needs 'minio_cluster' in its vars",
                         at: g.keyRange ?? g.definitions.first, path: "minio.vars.minio_cluster")
        }
        for cluster in c.resolved.minioClusters {
            var owners: [Int: ResolvedHost] = [:]
            for i in cluster.members {
                let h = c.resolved.hosts[i]
                guard let b = h.binding("minio_seq") else {
                    c.sink.error(InventoryDiagnostic.minioIdentity, "MinIO host '\(h.name)' has no minio_seq",
                                 at: h.host.firstSeen, path: "\(h.name).minio_seq")
                    continue
                }
                guard let v = b.value.int, v >= 0 else {
                    c.sink.error(InventoryDiagnostic.minioIdentity, "minio_seq of host '\(h.name)' must be a non-negative integer",
                                 at: b.value.range, path: "\(h.name).minio_seq")
                    continue
                }
                if let first = owners[v] {
                    c.sink.error(InventoryDiagnostic.minioDuplicateSeq,
                                 "minio_seq \(v) is used twice in MinIO cluster '\(cluster.name)'",
                                 at: b.value.range, path: "\(h.name).minio_seq",
                                 notes: [c.note("first used here", first.binding("minio_seq"))])
                } else { owners[v] = h }
            }
        }
    }

    // MARK: redis

    private func checkRedis(_ c: RuleContext) {
        for cluster in c.resolved.redisClusters {
            var nodes: [Int: ResolvedHost] = [:]
            for i in cluster.members {
                let h = c.resolved.hosts[i]
                if let b = h.binding("redis_node") {
                    if let v = b.value.int, v >= 0 {
                        if let first = nodes[v] {
                            c.sink.error(InventoryDiagnostic.redisDuplicate,
                                         "redis_node \(v) is used twice in Redis cluster '\(cluster.name)'",
                                         at: b.value.range, path: "\(h.name).redis_node",
                                         notes: [c.note("first used here", first.binding("redis_node"))])
                        } else { nodes[v] = h }
                    } else {
                        c.sink.error(InventoryDiagnostic.redisIdentity, "redis_node of host '\(h.name)' must be a non-negative integer",
                                     at: b.value.range, path: "\(h.name).redis_node")
                    }
                } else {
                    c.sink.error(InventoryDiagnostic.redisIdentity, "Redis host '\(h.name)' has no redis_node",
                                 at: h.host.firstSeen, path: "\(h.name).redis_node")
                }
                checkRedisInstances(h, c)
                if let fs = h.string("redis_fs_main"), fs == "/data" || fs == "/data/" {
                    c.sink.error(InventoryDiagnostic.redisFsMain, "redis_fs_main must not be '/data' itself",
                                 at: c.range(for: h, "redis_fs_main"), path: "\(h.name).redis_fs_main",
                                 notes: [DiagnosticNote("Pigsty refuses it so that removing Redis cannot wipe /data; use a subdirectory such as /data/redis")])
                }
            }
        }
        for b in c.bindings(of: "redis_sentinel_monitor") {
            for (i, item) in (b.value.sequence ?? []).enumerated() where item.mapping != nil {
                for field in ["name", "host"] where item[field]?.keyName == nil {
                    c.sink.error(InventoryDiagnostic.redisSentinel,
                                 "redis_sentinel_monitor entry needs a '\(field)'",
                                 at: item.range, path: "\(c.path(of: b))[\(i)]")
                }
            }
        }
    }

    private func checkRedisInstances(_ h: ResolvedHost, _ c: RuleContext) {
        guard let b = h.binding("redis_instances") else {
            c.sink.error(InventoryDiagnostic.redisIdentity, "Redis host '\(h.name)' has no redis_instances",
                         at: h.host.firstSeen, path: "\(h.name).redis_instances",
                         notes: [DiagnosticNote("map each port to its options, e.g. 'redis_instances: { 6379: {} }'")])
            return
        }
        guard let pairs = b.value.mapping else { return } // the type checker reports it
        for pair in pairs {
            guard let port = pair.key.int, (1...65535).contains(port) else {
                c.sink.error(InventoryDiagnostic.redisIdentity,
                             "redis_instances key '\(pair.key.keyName ?? "?")' must be a port number (1–65535)",
                             at: pair.key.range, path: "\(h.name).redis_instances")
                continue
            }
            guard let r = pair.value["replica_of"], !r.isNull else { continue }
            let parts = (r.keyName ?? "").split(separator: " ", omittingEmptySubsequences: true)
            if parts.count != 2 || !IPv4.isAddress(String(parts[0])) || Int(parts[1]).map({ !(1...65535).contains($0) }) ?? true {
                c.sink.error(InventoryDiagnostic.redisReplicaOf,
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
                guard let domain = entry["domain"], !domain.isNull else { continue }
                let targets = ["endpoint", "path", "conf"].filter { entry[$0].map { !$0.isNull } ?? false }
                if targets.isEmpty {
                    c.sink.error(InventoryDiagnostic.portalNoTarget,
                                 "portal entry '\(key)' has a domain but no endpoint, path or conf to serve",
                                 at: pair.key.range, path: "\(c.path(of: b)).\(key)",
                                 notes: [DiagnosticNote("Pigsty would render an empty nginx server for it")])
                }
            }
        }
    }
}
