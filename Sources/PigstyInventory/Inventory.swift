import PigstyDiagnostics
import PigstyYAML

/// Where a variable's value comes from, lowest precedence first.
public enum Origin: Hashable, Sendable, CustomStringConvertible {
    /// Pigsty's role defaults (our schema).
    case roleDefault
    /// `all.vars`.
    case allVars
    /// The `vars` of a group other than `all`.
    case group(String)
    /// A host's own variables.
    case host(String)

    public var description: String {
        switch self {
        case .roleDefault: return "role default"
        case .allVars: return "all.vars"
        case .group(let g): return "group '\(g)' vars"
        case .host(let h): return "host '\(h)' vars"
        }
    }
}

/// One definition of a variable in the inventory: its key (for the position) and its value.
public struct VarBinding: Sendable {
    public var name: String
    /// The key node; nil for role defaults.
    public var key: YAMLNode?
    public var value: YAMLNode
    public var origin: Origin
    /// The value holds a decrypted `!vault` secret: never printed.
    public var fromVault: Bool

    public init(name: String, key: YAMLNode?, value: YAMLNode, origin: Origin, fromVault: Bool = false) {
        self.name = name
        self.key = key
        self.value = value
        self.origin = origin
        self.fromVault = fromVault
    }
}

/// An ordered set of variable definitions (a `vars:` mapping or a host's variables).
public struct VarTable: Sendable {
    public private(set) var order: [String] = []
    public private(set) var bindings: [String: VarBinding] = [:]

    public init() {}

    public var isEmpty: Bool { order.isEmpty }
    public var count: Int { order.count }

    public subscript(name: String) -> VarBinding? { bindings[name] }

    /// Sets a variable; a later definition replaces an earlier one (Ansible's `hash_behaviour: replace`).
    public mutating func set(_ binding: VarBinding) {
        if bindings.updateValue(binding, forKey: binding.name) == nil { order.append(binding.name) }
    }

    /// Bindings in the order they were first written.
    public var all: [VarBinding] { order.compactMap { bindings[$0] } }
}

/// An Ansible group.
public final class Group: @unchecked Sendable {
    public let name: String
    /// Distance from `all` (the longest path, as Ansible computes it).
    public internal(set) var depth: Int
    public internal(set) var vars = VarTable()
    /// Hosts listed directly in this group, in order of first listing.
    public internal(set) var hosts: [String] = []
    /// The same hosts as a set, for membership tests while parsing.
    var hostSet: Set<String> = []
    public internal(set) var children: [String] = []
    public internal(set) var parents: [String] = []
    /// Where the group is written (each place it appears).
    public internal(set) var definitions: [SourceRange] = []
    /// The group's name key (first appearance), for diagnostics.
    public internal(set) var keyRange: SourceRange?

    init(name: String, depth: Int) {
        self.name = name
        self.depth = depth
    }

    /// `ansible_group_priority` (default 1).
    public var priority: Int { vars["ansible_group_priority"]?.value.int ?? 1 }
}

/// A managed node, named by its inventory key (an IPv4 address in Pigsty).
public final class Host: @unchecked Sendable {
    public let name: String
    /// Position in the global order of first appearance.
    public let index: Int
    /// Where the host key is first written.
    public let firstSeen: SourceRange
    /// Every place the host key is written.
    public internal(set) var occurrences: [SourceRange] = []
    /// Groups that list the host directly, in the order they list it.
    public internal(set) var groups: [String] = []
    public internal(set) var vars = VarTable()

    init(name: String, index: Int, firstSeen: SourceRange) {
        self.name = name
        self.index = index
        self.firstSeen = firstSeen
    }
}

/// The parsed inventory: groups and hosts with their raw variables, before precedence.
public struct Inventory: Sendable {
    public let file: SourceFile
    public let root: YAMLNode
    /// All groups by name (`all` included).
    public let groups: [String: Group]
    /// Group names in order of first appearance (`all` first).
    public let groupOrder: [String]
    /// Hosts in order of first appearance in the document.
    public let hosts: [Host]
    public let hostIndex: [String: Int]

    public func group(_ name: String) -> Group? { groups[name] }
    public func host(_ name: String) -> Host? { hostIndex[name].map { hosts[$0] } }

    /// The hosts of a group including those of its descendant groups, in Ansible's order
    /// (`groups['x']`): the group's own hosts, then each child's, without repeats.
    public func hosts(inGroup name: String) -> [String] {
        var seen = Set<String>()
        var out: [String] = []
        var visited = Set<String>()
        func walk(_ g: String) {
            guard visited.insert(g).inserted, let group = groups[g] else { return }
            for h in group.hosts where seen.insert(h).inserted { out.append(h) }
            for c in group.children { walk(c) }
        }
        walk(name)
        if name == "all" {
            // `all` holds every host, in global order.
            return hosts.map(\.name)
        }
        return out
    }
}
