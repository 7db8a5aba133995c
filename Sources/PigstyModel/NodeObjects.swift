/// Besides files, what a node's bundle declares: directories with owner and mode, symbolic links,
/// users and groups. Back ends add them to the `FileTree` next to the files that need them
/// (`tree.addDirectory`, `tree.addLink`, `tree.addUser`, `tree.addGroup`); each carries the apply
/// step it belongs to, so a node's apply run creates them in that step before the step's files.
///
/// Every field is validated where it is used (paths are absolute without `..`; names are user
/// names), never trusted as shell text.
public struct NodeDirectory: Sendable, Equatable {
    public let path: String
    public let owner: String
    public let group: String
    public let mode: Int
    public let producer: String
    public let step: ApplyStep

    public init(path: String, owner: String = "root", group: String = "root", mode: Int = 0o755,
                producer: String, step: ApplyStep) {
        self.path = path
        self.owner = owner
        self.group = group
        self.mode = mode
        self.producer = producer
        self.step = step
    }

    /// The same directory as `other` (the producer does not count).
    func sameAs(_ other: NodeDirectory) -> Bool {
        (path, owner, group, mode, step) == (other.path, other.owner, other.group, other.mode, other.step)
    }
}

/// A symbolic link `path` → `target` (e.g. `/pg` → `/data/postgres/pg-meta-17`).
public struct NodeLink: Sendable, Equatable {
    public let path: String
    public let target: String
    /// Owner of the link itself (`lchown`).
    public let owner: String
    public let group: String
    public let producer: String
    public let step: ApplyStep

    public init(path: String, target: String, owner: String = "root", group: String = "root",
                producer: String, step: ApplyStep) {
        self.path = path
        self.target = target
        self.owner = owner
        self.group = group
        self.producer = producer
        self.step = step
    }

    func sameAs(_ other: NodeLink) -> Bool {
        (path, target, owner, group, step) == (other.path, other.target, other.owner, other.group, other.step)
    }
}

/// A group, with the gid Pigsty gives it (nil: the system picks one).
public struct NodeGroup: Sendable, Equatable {
    public let name: String
    public let gid: Int?
    public let system: Bool
    public let producer: String
    public let step: ApplyStep

    public init(name: String, gid: Int? = nil, system: Bool = false, producer: String, step: ApplyStep) {
        self.name = name
        self.gid = gid
        self.system = system
        self.producer = producer
        self.step = step
    }

    func sameAs(_ other: NodeGroup) -> Bool {
        (name, gid, system, step) == (other.name, other.gid, other.system, other.step)
    }
}

/// A user account, with the uid, primary group, supplementary groups, home and shell Pigsty gives it.
public struct NodeUser: Sendable, Equatable {
    public let name: String
    public let uid: Int?
    /// Primary group (created by a `NodeGroup` of the same tree, or already on the node).
    public let group: String
    public let groups: [String]
    public let home: String
    public let shell: String
    public let comment: String
    public let system: Bool
    public let producer: String
    public let step: ApplyStep

    public init(name: String, uid: Int? = nil, group: String, groups: [String] = [], home: String,
                shell: String = "/bin/bash", comment: String = "", system: Bool = false,
                producer: String, step: ApplyStep) {
        self.name = name
        self.uid = uid
        self.group = group
        self.groups = groups
        self.home = home
        self.shell = shell
        self.comment = comment
        self.system = system
        self.producer = producer
        self.step = step
    }

    func sameAs(_ other: NodeUser) -> Bool {
        name == other.name && uid == other.uid && group == other.group && groups == other.groups
            && home == other.home && shell == other.shell && comment == other.comment
            && system == other.system && step == other.step
    }
}

/// A service the node runs: apply.sh enables it, starts it when it is not running and waits for
/// its readiness check, in its step, in `order` (dependency order within the step: Patroni before
/// its exporters). The unit file may be pigstyc's or a package's (`nginx`, `grafana-server`).
public struct NodeService: Sendable, Equatable {
    public let unit: String
    public let step: ApplyStep
    /// Position within the step: lower starts first.
    public let order: Int
    /// A shell line (values quoted by its back end) that succeeds once the service is ready; nil:
    /// `systemctl is-active` is enough.
    public let check: String?
    /// Seconds the check may take to pass after a start.
    public let timeout: Int
    /// A shell line checking the service's configuration files, run before the running service is
    /// reloaded or restarted; nil: none.
    public let verify: String?
    public let producer: String

    public init(unit: String, step: ApplyStep, order: Int, check: String?, timeout: Int, verify: String? = nil, producer: String) {
        self.unit = unit
        self.step = step
        self.order = order
        self.check = check
        self.timeout = timeout
        self.verify = verify
        self.producer = producer
    }

    func sameAs(_ o: NodeService) -> Bool {
        (unit, step, order, check, timeout, verify) == (o.unit, o.step, o.order, o.check, o.timeout, o.verify)
    }
}

/// A post-start action: a command apply.sh runs once its step's services are up (SQL
/// provisioning on a PostgreSQL primary, a pgBackRest stanza), when `when` succeeds, and again
/// only after the files it reads (`inputs`) or the command change.
public struct NodeAction: Sendable, Equatable {
    /// `[A-Za-z0-9_.-]+`.
    public let name: String
    public let step: ApplyStep
    public let order: Int
    /// A shell line that must succeed for the action to run (this node is the primary); nil: always.
    public let when: String?
    /// The shell line that performs the action; it must be safe to run again.
    public let command: String
    /// Paths of the bundle's files the action reads.
    public let inputs: [String]
    public let producer: String

    public init(name: String, step: ApplyStep, order: Int, when: String?, command: String, inputs: [String], producer: String) {
        self.name = name
        self.step = step
        self.order = order
        self.when = when
        self.command = command
        self.inputs = inputs
        self.producer = producer
    }

    func sameAs(_ o: NodeAction) -> Bool {
        (name, step, order, when, command, inputs) == (o.name, o.step, o.order, o.when, o.command, o.inputs)
    }
}

/// One node's directories, links, users, groups, services and post-start actions, keyed by path
/// or name.
public struct NodeObjects: Sendable {
    public internal(set) var directories: [String: NodeDirectory] = [:]
    public internal(set) var links: [String: NodeLink] = [:]
    public internal(set) var groups: [String: NodeGroup] = [:]
    public internal(set) var users: [String: NodeUser] = [:]
    public internal(set) var services: [String: NodeService] = [:]
    public internal(set) var actions: [String: NodeAction] = [:]

    public init() {}

    public var isEmpty: Bool {
        directories.isEmpty && links.isEmpty && groups.isEmpty && users.isEmpty && services.isEmpty && actions.isEmpty
    }
    public var count: Int { directories.count + links.count + groups.count + users.count + services.count + actions.count }
    /// Whether the node declares services or actions (apply.list version 4).
    public var hasLifecycle: Bool { !services.isEmpty || !actions.isEmpty }

    /// Services and actions in apply order: by step, then `order`, then name.
    public var sortedServices: [NodeService] {
        services.values.sorted { ($0.step, $0.order, $0.unit) < ($1.step, $1.order, $1.unit) }
    }
    public var sortedActions: [NodeAction] {
        actions.values.sorted { ($0.step, $0.order, $0.name) < ($1.step, $1.order, $1.name) }
    }

    /// Sorted views (by path or name) for writers.
    public var sortedDirectories: [NodeDirectory] { directories.values.sorted { $0.path < $1.path } }
    public var sortedLinks: [NodeLink] { links.values.sorted { $0.path < $1.path } }
    public var sortedGroups: [NodeGroup] { groups.values.sorted { $0.name < $1.name } }
    public var sortedUsers: [NodeUser] { users.values.sorted { $0.name < $1.name } }
}

/// Where a file's content goes on the node.
public enum FilePlacement: UInt8, Sendable, Equatable, Codable {
    /// The file is pigstyc's: its content is the whole file.
    case whole
    /// The file is the node's (`/etc/hosts`): its content is one block of lines that apply
    /// replaces between the lines `# BEGIN pigstyc managed block` and `# END pigstyc managed
    /// block` (appended with them when absent); the rest of the file is left as it is.
    case managedBlock
}

extension FilePlacement {
    public static let blockBegin = "# BEGIN pigstyc managed block"
    public static let blockEnd = "# END pigstyc managed block"
}

extension FileTree {
    /// Adds a directory; the same path declared differently is a conflict (the first is kept).
    public mutating func addDirectory(_ d: NodeDirectory, on node: String) {
        guard validPath(d.path, d.producer, on: node) else { return }
        if let old = objects[node]?.directories[d.path] {
            if !old.sameAs(d) { recordConflict(node, d.path, [old.producer, d.producer]) }
            return
        }
        objects[node, default: NodeObjects()].directories[d.path] = d
    }

    public mutating func addLink(_ l: NodeLink, on node: String) {
        guard validPath(l.path, l.producer, on: node) else { return }
        if let old = objects[node]?.links[l.path] {
            if !old.sameAs(l) { recordConflict(node, l.path, [old.producer, l.producer]) }
            return
        }
        objects[node, default: NodeObjects()].links[l.path] = l
    }

    public mutating func addGroup(_ g: NodeGroup, on node: String) {
        if let old = objects[node]?.groups[g.name] {
            if !old.sameAs(g) { recordConflict(node, "group:\(g.name)", [old.producer, g.producer]) }
            return
        }
        objects[node, default: NodeObjects()].groups[g.name] = g
    }

    public mutating func addUser(_ u: NodeUser, on node: String) {
        if let old = objects[node]?.users[u.name] {
            if !old.sameAs(u) { recordConflict(node, "user:\(u.name)", [old.producer, u.producer]) }
            return
        }
        objects[node, default: NodeObjects()].users[u.name] = u
    }

    public mutating func addService(_ s: NodeService, on node: String) {
        if let old = objects[node]?.services[s.unit] {
            if !old.sameAs(s) { recordConflict(node, "service:\(s.unit)", [old.producer, s.producer]) }
            return
        }
        objects[node, default: NodeObjects()].services[s.unit] = s
    }

    public mutating func addAction(_ a: NodeAction, on node: String) {
        if let old = objects[node]?.actions[a.name] {
            if !old.sameAs(a) { recordConflict(node, "action:\(a.name)", [old.producer, a.producer]) }
            return
        }
        objects[node, default: NodeObjects()].actions[a.name] = a
    }

    /// A node's directories, links, users and groups (empty when it has none).
    public func objects(on node: String) -> NodeObjects { objects[node] ?? NodeObjects() }

    private mutating func validPath(_ path: String, _ producer: String, on node: String) -> Bool {
        guard path.hasPrefix("/"), path != "/", !Self.hasParentComponent(path) else {
            recordConflict(node, path, [producer, "invalid path"])
            return false
        }
        return true
    }

    /// Merges `other`'s objects (as `merge` does files).
    mutating func mergeObjects(_ other: NodeObjects, on node: String) {
        for d in other.directories.values { addDirectory(d, on: node) }
        for l in other.links.values { addLink(l, on: node) }
        for g in other.groups.values { addGroup(g, on: node) }
        for u in other.users.values { addUser(u, on: node) }
        for s in other.services.values { addService(s, on: node) }
        for a in other.actions.values { addAction(a, on: node) }
    }
}
