import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// parse: YAML node tree → `Inventory` (groups, hosts, raw variables), as Ansible's YAML
/// inventory plugin reads it. Structural problems are reported; the walk goes on where it can.
public struct InventoryParser {
    let sink: DiagnosticSink
    private var groups: [String: Group] = [:]
    private var groupOrder: [String] = []
    private var hosts: [Host] = []
    private var hostIndex: [String: Int] = [:]

    public init(sink: DiagnosticSink) { self.sink = sink }

    /// Reads and parses a file. Returns nil (with diagnostics) when it cannot be used.
    public static func parse(file: SourceFile, sink: DiagnosticSink, limits: YAMLLimits = .standard) -> Inventory? {
        guard let root = YAML.parse(file, limits: limits, into: sink) else { return nil }
        var parser = InventoryParser(sink: sink)
        return parser.build(file: file, root: root)
    }

    mutating func build(file: SourceFile, root: YAMLNode) -> Inventory? {
        guard let pairs = root.mapping else {
            sink.report(.rootNotMapping,
                        "an inventory is a mapping of groups (usually just 'all'), found \(root.kindWithArticle)",
                        at: root.range)
            return nil
        }
        let all = group(named: "all", depth: 0)
        if root.pair("all") == nil {
            sink.report(.noAllGroup, "the inventory has no 'all' group",
                        at: pairs.first?.key.range ?? root.range,
                        notes: [DiagnosticNote("Pigsty inventories start with 'all:' holding 'children' and 'vars'")])
        }
        for pair in pairs {
            guard let name = pair.key.keyName else {
                sink.report(.invalidGroupName, "a group name must be a plain string", at: pair.key.range)
                continue
            }
            if name == "all" {
                all.keyRange = pair.key.range
                parseGroup(all, data: pair.value, path: "all")
            } else {
                // Ansible treats other top-level keys as groups under `all`.
                let g = group(named: name, depth: 1)
                g.keyRange = g.keyRange ?? pair.key.range
                link(parent: all, child: g)
                parseGroup(g, data: pair.value, path: name)
            }
        }
        // Hosts listed under no group but `all` are in `ungrouped`, as Ansible does; nothing uses it.
        return Inventory(file: file, root: root, groups: groups, groupOrder: groupOrder,
                         hosts: hosts, hostIndex: hostIndex)
    }

    private mutating func group(named name: String, depth: Int) -> Group {
        if let g = groups[name] { return g }
        let g = Group(name: name, depth: depth)
        groups[name] = g
        groupOrder.append(name)
        return g
    }

    private func link(parent: Group, child: Group) {
        if !parent.children.contains(child.name) { parent.children.append(child.name) }
        if !child.parents.contains(parent.name) { child.parents.append(parent.name) }
        raiseDepth(child, to: parent.depth + 1, seen: [parent.name])
    }

    /// Ansible keeps the longest distance from `all` as a group's depth.
    private func raiseDepth(_ g: Group, to depth: Int, seen: Set<String>) {
        guard depth > g.depth, !seen.contains(g.name) else { return }
        g.depth = depth
        var next = seen
        next.insert(g.name)
        for c in g.children { if let cg = groups[c] { raiseDepth(cg, to: depth + 1, seen: next) } }
    }

    private static let sections = ["hosts", "vars", "children"]

    private mutating func parseGroup(_ g: Group, data: YAMLNode, path: String) {
        g.definitions.append(data.range)
        if data.isNull { return }
        guard let pairs = data.mapping else {
            sink.report(.sectionNotMapping,
                        "group '\(g.name)' must be a mapping with 'hosts', 'vars' or 'children', found \(data.kindWithArticle)",
                        at: data.range, path: path)
            return
        }
        for pair in pairs {
            let key = pair.key.keyName ?? ""
            switch key {
            case "vars":
                parseVars(pair.value, origin: g.name == "all" ? .allVars : .group(g.name), path: "\(path).vars") { g.vars.set($0) }
            case "hosts":
                parseHosts(pair.value, group: g, path: "\(path).hosts")
            case "children":
                parseChildren(pair.value, parent: g, path: "\(path).children")
            default:
                sink.report(.unknownGroupKey,
                            "unexpected key '\(key)' in group '\(g.name)'; a group holds only 'hosts', 'vars' and 'children'",
                            at: pair.key.range, path: "\(path).\(key)",
                            notes: [DiagnosticNote("Ansible skips this key silently, so its content would be lost")],
                            suggestion: Suggest.closest(to: key, among: Self.sections).map { "did you mean '\($0)'?" })
            }
        }
    }

    private mutating func parseChildren(_ node: YAMLNode, parent: Group, path: String) {
        if node.isNull { return }
        guard let pairs = node.mapping else {
            sink.report(.sectionNotMapping,
                        "'children' of group '\(parent.name)' must be a mapping of group names, found \(node.kindWithArticle)",
                        at: node.range, path: path)
            return
        }
        for pair in pairs {
            guard let name = pair.key.keyName, !name.isEmpty else {
                sink.report(.invalidGroupName, "a group name must be a non-empty string", at: pair.key.range, path: path)
                continue
            }
            if name == "all" || isAncestor(name, of: parent.name) {
                sink.report(.groupCycle,
                            "group '\(name)' cannot be a child of '\(parent.name)': that makes a cycle",
                            at: pair.key.range, path: "\(path).\(name)")
                continue
            }
            let child = group(named: name, depth: parent.depth + 1)
            if child.keyRange == nil { child.keyRange = pair.key.range }
            link(parent: parent, child: child)
            parseGroup(child, data: pair.value, path: "\(path).\(name)")
        }
    }

    private func isAncestor(_ candidate: String, of name: String) -> Bool {
        var stack = [name]
        var seen = Set<String>()
        while let n = stack.popLast() {
            if n == candidate { return true }
            guard seen.insert(n).inserted, let g = groups[n] else { continue }
            stack.append(contentsOf: g.parents)
        }
        return false
    }

    private mutating func parseHosts(_ node: YAMLNode, group g: Group, path: String) {
        if node.isNull { return }
        guard let pairs = node.mapping else {
            sink.report(.sectionNotMapping,
                        "'hosts' of group '\(g.name)' must be a mapping of host addresses, found \(node.kindWithArticle)",
                        at: node.range, path: path,
                        notes: node.sequence != nil ? [DiagnosticNote("write hosts as '10.10.10.11: {}' entries, not as a list")] : [])
            return
        }
        for pair in pairs {
            let name = pair.key.keyName ?? ""
            guard IPv4.isAddress(name) else {
                var notes = [DiagnosticNote("Pigsty uses each host's IPv4 address as its inventory name")]
                if name.contains("[") { notes.append(DiagnosticNote("host ranges such as '10.10.10.[11:13]' are not expanded; list each address")) }
                sink.report(.hostNotIPv4, "host '\(name)' is not an IPv4 address",
                            at: pair.key.range, path: "\(path).\(name)", notes: notes)
                continue
            }
            let host: Host
            if let i = hostIndex[name] {
                host = hosts[i]
            } else {
                host = Host(name: name, index: hosts.count, firstSeen: pair.key.range)
                hostIndex[name] = hosts.count
                hosts.append(host)
            }
            host.occurrences.append(pair.key.range)
            if !host.groups.contains(g.name) { host.groups.append(g.name) }
            if g.hostSet.insert(name).inserted { g.hosts.append(name) }
            let value = pair.value
            if value.isNull { continue }
            guard value.mapping != nil else {
                sink.report(.hostVarsNotMapping,
                            "variables of host '\(name)' must be a mapping, found \(value.kindWithArticle)",
                            at: value.range, path: "\(path).\(name)")
                continue
            }
            parseVars(value, origin: .host(name), path: "\(path).\(name)") { host.vars.set($0) }
        }
    }

    private func parseVars(_ node: YAMLNode, origin: Origin, path: String, set: (VarBinding) -> Void) {
        if node.isNull { return }
        guard let pairs = node.mapping else {
            sink.report(.sectionNotMapping, "'vars' must be a mapping of variable names, found \(node.kindWithArticle)",
                        at: node.range, path: path)
            return
        }
        for pair in pairs {
            guard let name = pair.key.keyName, Self.isIdentifier(name) else {
                sink.report(.invalidVariableName,
                            "'\(pair.key.keyName ?? pair.key.kindName)' is not a valid variable name (letters, digits and '_', not starting with a digit)",
                            at: pair.key.range, path: path)
                continue
            }
            set(VarBinding(name: name, key: pair.key, value: pair.value, origin: origin))
        }
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.utf8.first, f == 95 || (f >= 65 && f <= 90) || (f >= 97 && f <= 122) else { return false }
        return s.utf8.allSatisfy { $0 == 95 || ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
    }
}

/// IPv4 helpers (dotted quad, no leading zeros, as Python's `ipaddress` accepts).
public enum IPv4 {
    public static func octets(_ s: String) -> [Int]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
            if p.count > 1, p.first == "0" { return nil }
            guard let v = Int(p), v <= 255 else { return nil }
            out.append(v)
        }
        return out
    }

    public static func isAddress(_ s: String) -> Bool { octets(s) != nil }

    /// `a.b.c.d/n` with 0 ≤ n ≤ 32.
    public static func isCIDR(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isAddress(String(parts[0])), !parts[1].isEmpty, parts[1].count <= 2,
              parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let n = Int(parts[1]) else { return false }
        return n <= 32
    }

    /// An address or a CIDR block.
    public static func isAddressOrCIDR(_ s: String) -> Bool { isAddress(s) || isCIDR(s) }
}
