#if canImport(Glibc)
import PigstyModel
import PigstyOutput
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `-l LIMIT`, as Ansible's `--limit`: patterns separated by `,` (or `:`), each a host, a group or a
/// cluster name (`pg_cluster`, `redis_cluster`, `minio_cluster`, `etcd_cluster`, `node_cluster`),
/// with `*`/`?` wildcards; `!PATTERN` removes nodes, `&PATTERN` keeps only nodes also matching it.
public struct NodeLimit: Sendable {
    public let patterns: [String]

    public struct NoMatch: Error, CustomStringConvertible {
        public let pattern: String
        public var description: String { "-l: '\(pattern)' matches no node" }
    }

    public init(_ text: String) {
        patterns = text.split(whereSeparator: { $0 == "," || $0 == ":" })
            .map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
    }

    /// The nodes the limit selects, out of `candidates` (node IPs). Throws when a pattern matches nothing.
    public func select(_ graph: ResourceGraph, among candidates: [String]) throws -> Set<String> {
        var selected = Set<String>()
        var intersections: [Set<String>] = []
        var excluded = Set<String>()
        var anyPositive = false
        for p in patterns {
            let (op, body) = p.first == "!" || p.first == "&" ? (p.first!, String(p.dropFirst())) : (Character("+"), p)
            let m = matches(body, graph, candidates)
            if m.isEmpty { throw NoMatch(pattern: p) }
            switch op {
            case "!": excluded.formUnion(m)
            case "&": intersections.append(m)
            default: selected.formUnion(m); anyPositive = true
            }
        }
        if !anyPositive { selected = Set(candidates) }
        for s in intersections { selected.formIntersection(s) }
        return selected.subtracting(excluded)
    }

    private func matches(_ pattern: String, _ graph: ResourceGraph, _ candidates: [String]) -> Set<String> {
        if pattern == "all" || pattern == "*" { return Set(candidates) }
        var out = Set<String>()
        for group in graph.groupNames where fnmatch(pattern, group, 0) == 0 {
            out.formUnion(graph.hosts(inGroup: group))
        }
        for node in graph.nodes {
            if fnmatch(pattern, node.ip, 0) == 0 { out.insert(node.ip); continue }
            for v in node.clusterNames where fnmatch(pattern, v, 0) == 0 { out.insert(node.ip) }
            if fnmatch(pattern, node.nodeCluster, 0) == 0 { out.insert(node.ip) }
        }
        for c in candidates where fnmatch(pattern, c, 0) == 0 { out.insert(c) }
        return out.intersection(candidates)
    }
}

private extension Substring {
    func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
