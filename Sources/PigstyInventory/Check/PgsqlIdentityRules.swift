import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// PostgreSQL identities, as `roles/pg_id` asserts them and `bin/validate` checks them:
/// `pg_seq` and `pg_role` on every member, valid roles, unique `pg_seq`, exactly one primary,
/// `pg_upstream` an address; plus the cross-module warnings of `bin/validate`.
struct PgsqlIdentityRules: InventoryRule {
    static let roles = ["primary", "replica", "standby", "offline", "delayed"]

    func check(_ c: RuleContext) {
        for cluster in c.resolved.pgClusters {
            var seqOwner: [Int: ResolvedHost] = [:]
            var primaries: [ResolvedHost] = []
            for i in cluster.members {
                let h = c.resolved.hosts[i]
                checkMember(h, cluster: cluster.name, c)
                if let seq = h.int("pg_seq") {
                    if let first = seqOwner[seq] {
                        c.sink.report(.pgDuplicateSeq,
                                      "pg_seq \(seq) is used twice in cluster '\(cluster.name)' (hosts \(first.name) and \(h.name))",
                                      at: c.range(for: h, "pg_seq"), path: "\(h.name).pg_seq",
                                      notes: [c.note("first used here", first.binding("pg_seq"))])
                    } else {
                        seqOwner[seq] = h
                    }
                }
                if h.string("pg_role") == "primary" { primaries.append(h) }
            }
            let firstMember = c.resolved.hosts[cluster.members[0]]
            if primaries.isEmpty {
                c.sink.report(.pgPrimaryCount,
                              "cluster '\(cluster.name)' has no primary; exactly one member needs 'pg_role: primary'",
                              at: firstMember.binding("pg_cluster")?.value.range ?? firstMember.host.firstSeen,
                              path: "pg_cluster=\(cluster.name)")
            } else if primaries.count > 1 {
                for extra in primaries.dropFirst() {
                    c.sink.report(.pgPrimaryCount,
                                  "cluster '\(cluster.name)' has more than one primary: \(primaries.map(\.name).joined(separator: ", "))",
                                  at: c.range(for: extra, "pg_role"), path: "\(extra.name).pg_role",
                                  notes: [c.note("first primary here", primaries[0].binding("pg_role"))])
                }
            }
            checkUpstreams(cluster, c)
        }
        checkGroupNames(c)
        checkCrossModule(c)
    }

    private func checkMember(_ h: ResolvedHost, cluster: String, _ c: RuleContext) {
        if cluster == "root" {
            c.sink.report(.pgMissingIdentity, "'root' cannot be a pg_cluster name",
                          at: c.range(for: h, "pg_cluster"), path: "\(h.name).pg_cluster")
        }
        if h.binding("pg_seq") == nil {
            c.sink.report(.pgMissingIdentity,
                          "host '\(h.name)' of cluster '\(cluster)' has no pg_seq",
                          at: c.memberAnchor(h, identity: "pg_cluster"), path: "\(h.name).pg_seq",
                          notes: [DiagnosticNote("every PostgreSQL instance needs a unique integer 'pg_seq' in its host variables")])
        }
        // A pg_seq or pg_role of the wrong type or value is reported by the schema check.
        if h.binding("pg_role") == nil {
            c.sink.report(.pgMissingIdentity,
                          "host '\(h.name)' of cluster '\(cluster)' has no pg_role",
                          at: c.memberAnchor(h, identity: "pg_cluster"), path: "\(h.name).pg_role",
                          notes: [DiagnosticNote("pg_role is one of \(Self.roles.joined(separator: ", "))")])
        }
    }

    /// `pg_upstream` names the address to replicate from: a member of the same cluster (cascade)
    /// or, on a primary, the primary of another cluster (standby cluster).
    private func checkUpstreams(_ cluster: PgCluster, _ c: RuleContext) {
        for i in cluster.members {
            let h = c.resolved.hosts[i]
            guard let b = h.binding("pg_upstream"), !b.value.isNull else { continue }
            // Not an address: the schema check reports it.
            guard let up = b.value.string, IPv4.isAddress(up) else { continue }
            if up == h.name {
                c.sink.report(.pgUpstream, "host '\(h.name)' cannot replicate from itself",
                              at: b.value.range, path: "\(h.name).pg_upstream")
            } else if h.string("pg_role") != "primary", !cluster.sortedIPs.contains(up) {
                c.sink.report(.pgUpstream, severity: .warning,
                              "pg_upstream \(up) of replica '\(h.name)' is not a member of cluster '\(cluster.name)'",
                              at: b.value.range, path: "\(h.name).pg_upstream",
                              notes: [DiagnosticNote("a cascading replica follows another member; only a standby cluster's primary follows an outside address")])
            }
        }
    }

    /// `bin/validate` warns when a group's `pg_cluster` differs from the group name.
    private func checkGroupNames(_ c: RuleContext) {
        for name in c.inventory.groupOrder {
            guard let g = c.inventory.groups[name], let b = g.vars["pg_cluster"], let v = b.value.string, v != name else { continue }
            c.sink.report(.pgClusterNameMismatch,
                          "group '\(name)' sets pg_cluster '\(v)'; Pigsty expects the group to be named after its cluster",
                          at: b.value.range, path: c.path(of: b))
        }
    }

    private func checkCrossModule(_ c: RuleContext) {
        guard let first = c.resolved.pgClusters.first else { return }
        let anchor = c.resolved.hosts[first.members[0]]
        if c.inventory.groups["etcd"] == nil {
            c.sink.report(.pgNoEtcd,
                          "PostgreSQL clusters are defined but there is no 'etcd' group; Patroni needs etcd as its DCS",
                          at: anchor.binding("pg_cluster")?.value.range ?? anchor.host.firstSeen, path: "all.children.etcd")
        }
        if c.resolved.minioClusters.isEmpty {
            for b in c.bindings(of: "pgbackrest_method") where b.value.string == "minio" {
                c.sink.report(.pgBackrestMinio,
                              "pgbackrest_method is 'minio' but no MinIO cluster is defined",
                              at: b.value.range, path: c.path(of: b))
            }
        }
    }
}
