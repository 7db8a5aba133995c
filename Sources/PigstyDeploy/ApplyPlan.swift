import PigstyModel
import PigstyOutput
import PigstyDiagnostics
import PigstyInventory

/// A set of nodes that may apply the same steps in parallel; the waves of a plan run one after another.
public struct ApplyWave: Sendable, Equatable {
    /// `infra`, `node`, `etcd`, `minio`, `pgsql-primary`, `pgsql-replica`, `service`, `register`, `redis`
    /// (a second and later level of standby clusters or cascades gets `-2`, `-3`, …).
    public let name: String
    public let steps: [ApplyStep]
    /// Node IPs in address order.
    public let nodes: [String]
    /// The command `ship` runs on a node (over SSH) after its apply succeeded, before the next
    /// member of its quorum or HA group: nodes of such a group are in different waves, one member
    /// per wave, and the next member waits for this check (`QuorumGroups`).
    public let health: [String: String]

    public init(name: String, steps: [ApplyStep], nodes: [String], health: [String: String] = [:]) {
        self.name = name
        self.steps = steps
        self.nodes = nodes
        self.health = health
    }
}

/// plan: the global apply order across nodes, Pigsty's playbook order (reference §4) as waves:
/// infra nodes, node baseline everywhere, etcd members, MinIO, PostgreSQL primaries (a standby
/// cluster after its upstream cluster's primary), replicas (cascades after their upstream), HAProxy
/// services, registrations on infra nodes, Redis.
public struct ApplyPlan: Sendable {
    public let waves: [ApplyWave]

    public init(waves: [ApplyWave]) { self.waves = waves }

    public static let pgSteps: [ApplyStep] = [.pgsql, .pgbouncer, .vip]

    /// The plan for a graph and its files. Nil (with PGS0830 errors) when the order has a cycle.
    public static func make(_ graph: ResourceGraph, tree: FileTree, sink: DiagnosticSink) -> ApplyPlan? {
        // Which nodes have files in which steps: every such node must appear in a wave running that step.
        var withStep: [ApplyStep: Set<String>] = [:]
        for node in tree.nodeNames {
            for f in tree.files(on: node) { withStep[f.apply.step, default: []].insert(node) }
        }
        // Directories, links, users and groups run in their steps too.
        for (node, o) in tree.objects {
            for d in o.directories.values { withStep[d.step, default: []].insert(node) }
            for l in o.links.values { withStep[l.step, default: []].insert(node) }
            for g in o.groups.values { withStep[g.step, default: []].insert(node) }
            for u in o.users.values { withStep[u.step, default: []].insert(node) }
            for sv in o.services.values { withStep[sv.step, default: []].insert(node) }
            for a in o.actions.values { withStep[a.step, default: []].insert(node) }
        }
        func has(_ s: ApplyStep) -> Set<String> { withStep[s] ?? [] }

        let all = Set(graph.nodes.map(\.ip)).union(tree.nodeNames)
        let infra = Set(graph.infraNodes.map(\.ip)).union(has(.infra))
        let etcd = Set(graph.nodes.filter(\.membership.etcd).map(\.ip)).union(has(.etcd))
        let minio = Set(graph.nodes.filter(\.membership.minio).map(\.ip)).union(has(.minio))
        let redis = Set(graph.nodes.filter(\.membership.redis).map(\.ip)).union(has(.redis))

        guard let pg = pgLevels(graph, sink: sink) else { return nil }
        var primaries = pg.primaries
        // Nodes with PostgreSQL files that are not instances (should not happen) go with the first primaries.
        let instances = Set(graph.pgInstances.map(\.ip))
        let stray = has(.pgsql).union(has(.pgbouncer)).union(has(.vip)).subtracting(instances)
        if !stray.isEmpty {
            if primaries.isEmpty { primaries = [stray] } else { primaries[0].formUnion(stray) }
        }

        var waves: [ApplyWave] = []
        let groups = QuorumGroups(graph)
        // A wave whose nodes include members of a group becomes serial sub-waves `name.1`, `name.2`, …:
        // sub-wave k holds the k-th member of every group (different groups still run together)
        // and, in the first, the nodes of no group.
        func add(_ name: String, _ steps: [ApplyStep], _ nodes: Set<String>, groups kind: QuorumGroups.Kind? = nil) {
            guard !nodes.isEmpty else { return }
            let members = kind.map { groups.members(of: $0, among: nodes) } ?? []
            let free = nodes.subtracting(members.flatMap { $0 })
            let depth = max(members.map(\.count).max() ?? 0, 1)
            if depth == 1 {
                waves.append(ApplyWave(name: name, steps: steps, nodes: sortIPs(nodes),
                                       health: kind.map { groups.health($0, for: nodes) } ?? [:]))
                return
            }
            for k in 0..<depth {
                var part = Set(members.compactMap { k < $0.count ? $0[k] : nil })
                if k == 0 { part.formUnion(free) }
                waves.append(ApplyWave(name: "\(name).\(k + 1)", steps: steps, nodes: sortIPs(part),
                                       health: groups.health(kind!, for: part)))
            }
        }
        add("infra", [.node, .haproxy, .infra], infra)
        add("node", [.node, .haproxy], all.subtracting(infra), groups: .keepalived)
        add("etcd", [.etcd], etcd, groups: .etcd)
        add("minio", [.minio], minio, groups: .minio)
        for (i, level) in primaries.enumerated() {
            add(i == 0 ? "pgsql-primary" : "pgsql-primary-\(i + 1)", pgSteps, level, groups: .patroni)
        }
        for (i, level) in pg.replicas.enumerated() {
            add(i == 0 ? "pgsql-replica" : "pgsql-replica-\(i + 1)", pgSteps, level, groups: .patroni)
        }
        add("service", [.service], has(.service))
        add("register", [.register], infra.union(has(.register)))
        add("redis", [.redis], redis, groups: .redis)
        return ApplyPlan(waves: waves)
    }

    /// The plan restricted to `nodes`; empty waves are dropped.
    public func limited(to nodes: Set<String>) -> ApplyPlan {
        ApplyPlan(waves: waves.compactMap { w in
            let kept = w.nodes.filter(nodes.contains)
            return kept.isEmpty ? nil : ApplyWave(name: w.name, steps: w.steps, nodes: kept, health: w.health.filter { nodes.contains($0.key) })
        })
    }

    /// Waves as text, one line each: `3  etcd  [etcd]  10.10.10.10 10.10.10.11`.
    public var text: String {
        var out = ""
        let nameWidth = waves.map(\.name.count).max() ?? 0
        let stepWidth = waves.map { $0.steps.map(\.rawValue).joined(separator: ",").count }.max() ?? 0
        for (i, w) in waves.enumerated() {
            let steps = w.steps.map(\.rawValue).joined(separator: ",")
            out += "wave \(i + 1)  " + w.name.padding(nameWidth) + "  " + steps.padding(stepWidth) + "  "
                + w.nodes.joined(separator: " ") + "\n"
        }
        let nodes = Set(waves.flatMap(\.nodes)).count
        out += "\(waves.count) wave\(waves.count == 1 ? "" : "s"), \(nodes) node\(nodes == 1 ? "" : "s")\n"
        return out
    }

    /// Orders IPs by octet (`AddressOrder`).
    public static func sortIPs(_ s: some Collection<String>) -> [String] { AddressOrder.sorted(s) }

    // MARK: - PostgreSQL levels

    /// Primaries by level (0: no upstream; a standby cluster's primary one level after the primary of
    /// the cluster it follows) and replicas by level (0: follows a primary; a cascade one level after
    /// the replica it follows). Cycles are PGS0830 errors.
    static func pgLevels(_ graph: ResourceGraph, sink: DiagnosticSink) -> (primaries: [Set<String>], replicas: [Set<String>])? {
        var byIP: [String: PgInstanceResource] = [:]
        for i in graph.pgInstances { byIP[i.ip] = i }
        func upstream(_ i: PgInstanceResource) -> String? { i.upstreamIP }
        func primary(of cluster: String) -> PgInstanceResource? {
            let ps = graph.pgCluster(cluster)?.instances.filter(\.isPrimary) ?? []
            return ps.count == 1 ? ps[0] : nil
        }
        // What each instance waits for, within its phase.
        func dependency(_ i: PgInstanceResource) -> PgInstanceResource? {
            guard let up = upstream(i), let u = byIP[up] else { return nil }
            if i.isPrimary {
                guard u.cluster != i.cluster, let p = primary(of: u.cluster) else { return nil }
                return p
            }
            return u.cluster == i.cluster && !u.isPrimary ? u : nil
        }

        var level: [String: Int] = [:]
        var failed = false
        var reported = Set<String>()
        for start in graph.pgInstances where level[start.ip] == nil {
            var path: [PgInstanceResource] = []
            var onPath: [String: Int] = [:]
            var cur: PgInstanceResource? = start
            while let c = cur, level[c.ip] == nil {
                if let at = onPath[c.ip] {
                    let cycle = Array(path[at...])
                    failed = true
                    if reported.insert(cycle.map(\.ip).sorted().joined(separator: ",")).inserted {
                        report(cycle + [c], sink: sink)
                    }
                    for m in cycle { level[m.ip] = 0 }
                    break
                }
                onPath[c.ip] = path.count
                path.append(c)
                cur = dependency(c)
            }
            // Unwind: each waits one level after what it depends on.
            for c in path.reversed() where level[c.ip] == nil {
                level[c.ip] = dependency(c).flatMap { level[$0.ip].map { $0 + 1 } } ?? 0
            }
        }
        if failed { return nil }
        var primaries: [Set<String>] = [], replicas: [Set<String>] = []
        for i in graph.pgInstances {
            let l = level[i.ip] ?? 0
            if i.isPrimary {
                while primaries.count <= l { primaries.append([]) }
                primaries[l].insert(i.ip)
            } else {
                while replicas.count <= l { replicas.append([]) }
                replicas[l].insert(i.ip)
            }
        }
        return (primaries.filter { !$0.isEmpty }, replicas.filter { !$0.isEmpty })
    }

    private static func report(_ cycle: [PgInstanceResource], sink: DiagnosticSink) {
        let chain = cycle.map { "\($0.name) (\($0.ip))" }.joined(separator: " waits for ")
        let first = cycle[0]
        sink.report(.applyCycle, "the apply order has a cycle: \(chain)",
                    at: first.upstreamRange, path: "\(first.ip).pg_upstream",
                    notes: [DiagnosticNote("a standby cluster follows another cluster's member and a cascading replica another replica; one of them must follow a node that does not wait for it")])
    }
}

private extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
