import PigstyDiagnostics

/// A file pigstyc generates for a node: its absolute path on the node, content and ownership.
public struct GeneratedFile: Sendable, Equatable {
    public var path: String
    public var content: String
    public var owner: String
    public var group: String
    /// Permission bits, e.g. 0o644; secrets get 0o600 or 0o640.
    public var mode: Int
    /// The resource that produced it, e.g. `pg_hba:pg-meta-1`.
    public var producer: String
    /// Whether the content is the whole file or a managed block inside the node's own file.
    public var placement: FilePlacement
    /// Its apply step and what a change to it does to units (reload, restart, nothing), declared
    /// by the back end that creates it; `plan`, `diff` and `apply.list` read it.
    public var apply: ApplyClass
    /// The secret values (as the inventory gives them, before quoting) its back end wrote into
    /// it: `diff` masks them, in the forms the format writers give them, in this file only. Not
    /// part of the content, the manifest or apply.list.
    public var secrets: [String]

    public init(path: String, content: String, owner: String = "root", group: String = "root",
                mode: Int = 0o644, producer: String, apply: ApplyClass, secrets: [String] = [],
                placement: FilePlacement = .whole) {
        self.secrets = secrets
        self.placement = placement
        self.path = path
        self.content = content
        self.owner = owner
        self.group = group
        self.mode = mode
        self.producer = producer
        self.apply = apply
    }

    /// The mode as `0644`.
    public var modeText: String { Self.modeText(mode) }

    /// Permission bits as four octal digits, e.g. `0644`.
    public static func modeText(_ mode: Int) -> String {
        let s = String(mode, radix: 8)
        return String(repeating: "0", count: max(0, 4 - s.count)) + s
    }
}

/// Every generated file, per node (keyed by the node's inventory IP).
public struct FileTree: Sendable {
    public private(set) var nodes: [String: [String: GeneratedFile]] = [:]
    /// Files added twice with different content: a back-end bug or a real conflict.
    public private(set) var conflicts: [(node: String, path: String, producers: [String])] = []
    /// Directories, links, users and groups per node (`NodeObjects.swift`).
    public internal(set) var objects: [String: NodeObjects] = [:]

    mutating func recordConflict(_ node: String, _ path: String, _ producers: [String]) {
        conflicts.append((node, path, producers))
    }

    public init() {}

    /// Adds a file. The same path with the same content is fine (several resources may agree);
    /// different content is recorded as a conflict, and the first version is kept.
    public mutating func add(_ file: GeneratedFile, on node: String) {
        guard file.path.hasPrefix("/"), !Self.hasParentComponent(file.path) else {
            conflicts.append((node, file.path, [file.producer, "invalid path"]))
            return
        }
        if let existing = nodes[node]?[file.path] {
            if existing.content != file.content || existing.mode != file.mode {
                conflicts.append((node, file.path, [existing.producer, file.producer]))
            }
            return
        }
        nodes[node, default: [:]][file.path] = file
    }

    /// Adds every file and conflict of `other`, as if its files had been added after this tree's.
    /// The result does not depend on the order files are taken in, except the order of `conflicts`
    /// (sort them to report them).
    public mutating func merge(_ other: FileTree) {
        conflicts += other.conflicts
        for node in other.nodeNames {
            if let theirs = other.nodes[node] { merge(theirs, on: node) }
        }
        for (node, theirs) in other.objects { mergeObjects(theirs, on: node) }
    }

    /// Adds one node's files of another tree.
    private mutating func merge(_ theirs: [String: GeneratedFile], on node: String) {
        // A node this tree does not have yet is taken over whole.
        guard nodes[node] != nil else { nodes[node] = theirs; return }
        for file in theirs.values { add(file, on: node) }
    }

    /// The trees merged in order (as `merge` would, one after the other), node by node side by side.
    public static func merged(_ trees: [FileTree]) -> FileTree {
        var names: [String] = []
        var seen = Set<String>()
        for t in trees { for name in t.nodes.keys where seen.insert(name).inserted { names.append(name) } }
        let perNode = concurrentMap(names.count) { i in
            var one = FileTree()
            for t in trees {
                if let theirs = t.nodes[names[i]] { one.merge(theirs, on: names[i]) }
            }
            return one
        }
        var out = FileTree()
        out.nodes.reserveCapacity(names.count)
        for t in trees { out.conflicts += t.conflicts }
        for t in trees { for (node, theirs) in t.objects { out.mergeObjects(theirs, on: node) } }
        for one in perNode {
            for (name, files) in one.nodes { out.nodes[name] = files }
            out.conflicts += one.conflicts
        }
        return out
    }

    /// Whether a path has a `..` component (checked byte by byte: this runs for every file).
    static func hasParentComponent(_ path: String) -> Bool {
        var length = 0, dots = 0
        for c in path.utf8 {
            if c == 0x2F {
                if length == 2 && dots == 2 { return true }
                length = 0
                dots = 0
            } else {
                length += 1
                if c == 0x2E { dots += 1 }
            }
        }
        return length == 2 && dots == 2
    }

    /// Node IPs in address order (`AddressOrder`).
    public var nodeNames: [String] { AddressOrder.sorted(nodes.keys) }

    /// A node's files sorted by path.
    public func files(on node: String) -> [GeneratedFile] {
        (nodes[node] ?? [:]).values.sorted { $0.path < $1.path }
    }

    public func file(_ path: String, on node: String) -> GeneratedFile? { nodes[node]?[path] }

    public var fileCount: Int { nodes.values.reduce(0) { $0 + $1.count } }
}

/// Path arithmetic shared by the writer and the apply bundle.
public enum FilePaths {
    /// The directory part of an absolute path: `/a/b` → `/a`, `/a` → `/`.
    public static func parent(_ path: String) -> String {
        guard let i = path.utf8.lastIndex(of: UInt8(ascii: "/")), i != path.startIndex else { return "/" }
        return String(path[..<i])
    }
}

/// The one order of node addresses pigstyc prints and writes in: IPv4 addresses by octet, then
/// anything else by its bytes. (Pigsty's own string-sorted lists, such as `pg_cluster_members`,
/// keep Pigsty's order where a file needs it; this is pigstyc's order for reports and trees.)
public enum AddressOrder {
    public static func sorted<S: Sequence<String>>(_ names: S) -> [String] {
        names.map { (key: octets($0), name: $0) }.sorted { a, b in
            switch (a.key, b.key) {
            case let (x?, y?) where x != y: return x.lexicographicallyPrecedes(y)
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
            }
        }.map(\.name)
    }

    /// The four octets of a dotted IPv4 address, nil for anything else.
    static func octets(_ s: String) -> [Int]? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var out: [Int] = []
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let v = Int(p), v <= 255 else { return nil }
            out.append(v)
        }
        return out
    }
}
