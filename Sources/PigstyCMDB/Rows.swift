import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// The rows of the CMDB tables that hold one inventory, in the order pigstyc reads them back
/// (each list sorted by its `ord`, then by name). A revision's snapshot is this value as JSON.
public struct CMDBRows: Codable, Equatable, Sendable {
    /// `pigsty.group`: a group other than `all`; `ord` is its place in the order of first appearance.
    public struct Group: Codable, Equatable, Sendable {
        public var cls: String
        public var ord: Int?
    }
    /// `pigsty.group_child` (ours): `cls` is listed under `parent` (`all` or a group) at `ord`.
    public struct Child: Codable, Equatable, Sendable {
        public var parent: String
        public var cls: String
        public var ord: Int?
    }
    /// `pigsty.host`: the host `ip` is listed in group `cls` at `ord`.
    public struct Host: Codable, Equatable, Sendable {
        public var cls: String
        public var ip: String
        public var ord: Int?
    }
    /// `pigsty.global_var` (no `cls`, no `ip`), `pigsty.group_var` (`cls`), `pigsty.host_var` (`cls`, `ip`).
    public struct Var: Codable, Equatable, Sendable {
        public var cls: String?
        public var ip: String?
        public var key: String
        /// The JSONB value's text.
        public var value: String
        /// The YAML flow text the inventory is composed from: our exact `yaml` column while it
        /// still belongs to `value`, else `value` itself (a row someone else wrote or edited).
        public var yaml: String
        public var ord: Int?
    }

    public var groups: [Group] = []
    public var children: [Child] = []
    public var hosts: [Host] = []
    public var globalVars: [Var] = []
    public var groupVars: [Var] = []
    public var hostVars: [Var] = []

    public init() {}

    public var isEmpty: Bool {
        groups.isEmpty && children.isEmpty && hosts.isEmpty && globalVars.isEmpty && groupVars.isEmpty && hostVars.isEmpty
    }

    // MARK: row names

    static func label(group cls: String) -> String { "pigsty.group(\(cls))" }
    static func label(parent: String, child: String) -> String { "pigsty.group_child(\(parent), \(child))" }
    static func label(host ip: String, in cls: String) -> String { "pigsty.host(\(cls), \(ip))" }
    static func label(_ v: Var) -> String {
        switch (v.cls, v.ip) {
        case (nil, _): return "pigsty.global_var.\(v.key)"
        case (let cls?, nil): return "pigsty.group_var(\(cls)).\(v.key)"
        case (let cls?, let ip?): return "pigsty.host_var(\(cls), \(ip)).\(v.key)"
        }
    }

    /// Every row by its name (table, row and key) with what it holds (its order aside), for revision changes.
    var keyed: [String: String] {
        var out: [String: String] = [:]
        for g in groups { out[Self.label(group: g.cls)] = "" }
        for c in children { out[Self.label(parent: c.parent, child: c.cls)] = "" }
        for h in hosts { out[Self.label(host: h.ip, in: h.cls)] = "" }
        for v in globalVars + groupVars + hostVars { out[Self.label(v)] = v.value + "\u{0}" + v.yaml }
        return out
    }

    /// Each ordered list (groups, a parent's children, a group's hosts, a scope's variables) as
    /// the row names in order.
    var orders: [String: [String]] {
        var out: [String: [String]] = [:]
        func sorted<T>(_ rows: [T], _ ord: (T) -> Int?) -> [T] {
            rows.enumerated().sorted { (ord($0.element) ?? Int.max, $0.offset) < (ord($1.element) ?? Int.max, $1.offset) }.map(\.element)
        }
        out["pigsty.group"] = sorted(groups, \.ord).map { Self.label(group: $0.cls) }
        for (parent, list) in Dictionary(grouping: children, by: \.parent) {
            out["pigsty.group_child(\(parent))"] = sorted(list, \.ord).map { Self.label(parent: $0.parent, child: $0.cls) }
        }
        for (cls, list) in Dictionary(grouping: hosts, by: \.cls) {
            out["pigsty.host(\(cls))"] = sorted(list, \.ord).map { Self.label(host: $0.ip, in: $0.cls) }
        }
        out["pigsty.global_var"] = sorted(globalVars, \.ord).map(Self.label)
        for (cls, list) in Dictionary(grouping: groupVars, by: { $0.cls ?? "" }) {
            out["pigsty.group_var(\(cls))"] = sorted(list, \.ord).map(Self.label)
        }
        for (id, list) in Dictionary(grouping: hostVars, by: { "\($0.cls ?? ""), \($0.ip ?? "")" }) {
            out["pigsty.host_var(\(id))"] = sorted(list, \.ord).map(Self.label)
        }
        return out
    }

    /// The rows added, removed and changed from `old` to `self`, each list sorted. A list whose
    /// rows kept their names but not their order is changed as a whole (`pigsty.host(pg-test) order`).
    public func changes(since old: CMDBRows) -> (added: [String], removed: [String], changed: [String]) {
        let a = old.keyed, b = keyed
        let added = b.keys.filter { a[$0] == nil }.sorted()
        let removed = a.keys.filter { b[$0] == nil }.sorted()
        var changed = b.keys.filter { a[$0] != nil && a[$0] != b[$0] }.sorted()
        let oldOrders = old.orders
        for (list, names) in orders.sorted(by: { $0.key < $1.key }) {
            guard let before = oldOrders[list] else { continue }
            let kept = Set(names).intersection(before)
            if names.filter(kept.contains) != before.filter(kept.contains) { changed.append("\(list) order") }
        }
        return (added, removed, changed.sorted())
    }
}

/// Why an inventory cannot be stored.
public struct CMDBError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

// MARK: inventory → rows

extension CMDBRows {
    /// The rows of a parsed inventory (one without errors): groups in order of first appearance,
    /// each group's children, hosts and variables in the order written; a host's variables per
    /// group that lists it (`pigsty.host_var` is per group and host, as in Pigsty).
    public init(_ inventory: Inventory) throws {
        self.init()
        guard let all = inventory.group("all") else { throw CMDBError("the inventory has no 'all' group") }
        if !all.hosts.isEmpty {
            throw CMDBError("host \(all.hosts[0]) is listed directly under 'all'; pigsty.host needs a group for every host")
        }
        for (i, name) in inventory.groupOrder.enumerated() where name != "all" {
            groups.append(Group(cls: name, ord: i))
        }
        for name in inventory.groupOrder {
            guard let g = inventory.group(name) else { continue }
            for (i, c) in g.children.enumerated() { children.append(Child(parent: name, cls: c, ord: i)) }
            if name != "all" {
                for (i, h) in g.hosts.enumerated() { hosts.append(Host(cls: name, ip: h, ord: i)) }
            }
            for (i, b) in g.vars.all.enumerated() {
                let v = Var(cls: name == "all" ? nil : name, ip: nil, key: b.name,
                            value: ValueText.json(b.value), yaml: ValueText.flow(b.value), ord: i)
                if name == "all" { globalVars.append(v) } else { groupVars.append(v) }
            }
        }
        // Host variables as each group lists them (Host.vars merges the listings).
        var listings: [String: [(key: String, value: YAMLNode)]] = [:]
        var listingOrder: [(cls: String, ip: String)] = []
        func visit(_ name: String, _ node: YAMLNode) {
            for p in node.mapping ?? [] {
                switch p.key.keyName {
                case "hosts":
                    for hp in p.value.mapping ?? [] {
                        guard let ip = hp.key.keyName else { continue }
                        let id = name + "\u{0}" + ip
                        if listings[id] == nil { listings[id] = []; listingOrder.append((name, ip)) }
                        for vp in hp.value.mapping ?? [] {
                            guard let key = vp.key.keyName else { continue }
                            if let i = listings[id]!.firstIndex(where: { $0.key == key }) {
                                listings[id]![i].value = vp.value
                            } else {
                                listings[id]!.append((key, vp.value))
                            }
                        }
                    }
                case "children":
                    for cp in p.value.mapping ?? [] { if let c = cp.key.keyName { visit(c, cp.value) } }
                default:
                    break
                }
            }
        }
        for p in inventory.root.mapping ?? [] { if let name = p.key.keyName { visit(name, p.value) } }
        for (cls, ip) in listingOrder.sorted(by: { ($0.cls, $0.ip) < ($1.cls, $1.ip) }) {
            for (i, kv) in listings[cls + "\u{0}" + ip]!.enumerated() {
                hostVars.append(Var(cls: cls, ip: ip, key: kv.key, value: ValueText.json(kv.value),
                                    yaml: ValueText.flow(kv.value), ord: i))
            }
        }
    }
}

// MARK: rows → YAML

/// An inventory composed from rows: the YAML text, what each line stands for, and the rows no
/// inventory can hold (each on a comment line of its own, so a diagnostic can point at it).
public struct ComposedInventory: Sendable {
    public let text: String
    public let labels: [Int: String]
    public let problems: [(line: Int, label: String, message: String)]

    /// The inventory as a source file named `name` whose lines carry their row labels, with the
    /// bad rows reported into `sink` (PGS0213).
    public func source(named name: String, sink: DiagnosticSink) -> SourceFile {
        let file = SourceFile(path: name, text: text)
        file.setLineLabels(labels)
        sink.register(file)
        for p in problems {
            let range = SourceRange(file: name, start: SourcePosition(line: p.line, column: 1, offset: 0))
            sink.report(.cmdbBadRow, p.message, at: range)
        }
        return file
    }
}

extension CMDBRows {
    public enum Style: Sendable {
        /// For reading: every key and value on its own line, written so that it reads back exactly.
        case exact
        /// For `cmdb dump`: Pigsty's inventory style (plain strings, host variables inline,
        /// lists of records one per line).
        case pretty
    }

    public func compose(_ style: Style = .exact) -> ComposedInventory {
        var lines: [String] = []
        var labels: [Int: String] = [:]
        var problems: [(line: Int, label: String, message: String)] = []
        var body: [(text: String, label: String?)] = []
        func emit(_ indent: Int, _ text: String, _ label: String?) {
            body.append((String(repeating: " ", count: indent) + text, label))
        }
        func problem(_ label: String, _ message: String) {
            problems.append((0, label, message))
        }

        let groupNames = Set(groups.map(\.cls))
        var childrenOf: [String: [Child]] = [:]
        var hasParentRow = Set<String>()
        var misplaced = Set<String>()
        for c in children {
            hasParentRow.insert(c.cls)
            if c.parent != "all" && !groupNames.contains(c.parent) {
                misplaced.insert(c.cls)
                problem(Self.label(parent: c.parent, child: c.cls), "group '\(c.cls)' is listed under '\(c.parent)', which is not in pigsty.group")
            } else if !groupNames.contains(c.cls) {
                problem(Self.label(parent: c.parent, child: c.cls), "'\(c.parent)' lists the child group '\(c.cls)', which is not in pigsty.group")
            } else {
                childrenOf[c.parent, default: []].append(c)
            }
        }
        // Groups no row places anywhere are children of `all`, as in Pigsty's own (flat) tables.
        for g in groups where !hasParentRow.contains(g.cls) {
            childrenOf["all", default: []].append(Child(parent: "all", cls: g.cls, ord: nil))
        }
        var hostsOf: [String: [Host]] = [:]
        var hostKeys = Set<String>()
        for h in hosts {
            if groupNames.contains(h.cls) {
                hostsOf[h.cls, default: []].append(h)
                hostKeys.insert(h.cls + "\u{0}" + h.ip)
            } else {
                problem(Self.label(host: h.ip, in: h.cls), "host \(h.ip) is in no group: its group '\(h.cls)' is not in pigsty.group")
            }
        }
        var groupVarsOf: [String: [Var]] = [:]
        for v in groupVars {
            if groupNames.contains(v.cls!) { groupVarsOf[v.cls!, default: []].append(v) } else {
                problem(Self.label(v), "a variable of group '\(v.cls!)', which is not in pigsty.group")
            }
        }
        var hostVarsOf: [String: [Var]] = [:]
        for v in hostVars {
            let id = v.cls! + "\u{0}" + v.ip!
            if hostKeys.contains(id) { hostVarsOf[id, default: []].append(v) } else {
                problem(Self.label(v), "a variable of host \(v.ip!) in group '\(v.cls!)', which pigsty.host does not list")
            }
        }

        func key(_ name: String) -> String {
            if style == .pretty, let plain = ValueText.plainString(name) { return plain }
            return Quoting.yamlDouble(name)
        }
        func varKey(_ name: String) -> String {
            InventoryNames.isIdentifier(name) ? name : Quoting.yamlDouble(name)
        }
        func emitVar(_ indent: Int, _ v: Var) {
            guard style == .pretty, let node = ValueText.parse(v.yaml) else {
                emit(indent, "\(varKey(v.key)): \(v.yaml)", Self.label(v))
                return
            }
            let label = Self.label(v)
            if node.tag == nil, let items = node.sequence, !items.isEmpty,
               items.contains(where: { $0.mapping != nil || $0.sequence != nil }) {
                emit(indent, "\(varKey(v.key)):", label)
                for item in items { emit(indent + 2, "- " + ValueText.pretty(item), label) }
            } else if node.tag == nil, let pairs = node.mapping, !pairs.isEmpty,
                      pairs.count > 4 || pairs.contains(where: { $0.value.mapping != nil || $0.value.sequence != nil }),
                      pairs.allSatisfy({ $0.key.scalar != nil }) {
                emit(indent, "\(varKey(v.key)):", label)
                for p in pairs { emit(indent + 2, ValueText.pretty(p.key) + ": " + ValueText.pretty(p.value), label) }
            } else {
                emit(indent, "\(varKey(v.key)): " + ValueText.pretty(node), label)
            }
        }

        var written = Set<String>()
        func emitGroup(_ child: Child, indent: Int, path: [String]) {
            let name = child.cls
            let rowLabel = child.ord == nil && child.parent == "all" ? Self.label(group: name) : Self.label(parent: child.parent, child: name)
            if path.contains(name) {
                problem(rowLabel, "group '\(name)' is its own ancestor (a cycle of pigsty.group_child rows)")
                return
            }
            emit(indent, key(name) + ":", rowLabel)
            guard written.insert(name).inserted else { return } // its content is written at its first place
            let label = Self.label(group: name)
            if let hs = hostsOf[name], !hs.isEmpty {
                emit(indent + 2, "hosts:", label)
                for h in hs {
                    let vars = hostVarsOf[h.cls + "\u{0}" + h.ip] ?? []
                    let hostLabel = Self.label(host: h.ip, in: h.cls)
                    let inline = style == .pretty
                        ? vars.map { v in "\(varKey(v.key)): " + (ValueText.parse(v.yaml).map(ValueText.pretty) ?? v.yaml) } : []
                    let line = key(h.ip) + ": " + (inline.isEmpty ? "{}" : "{ " + inline.joined(separator: ", ") + " }")
                    if style == .pretty, indent + 4 + line.count <= 120 {
                        // Pigsty's style: a host's few identity variables on its own line.
                        emit(indent + 4, line, hostLabel)
                    } else {
                        emit(indent + 4, key(h.ip) + ":", hostLabel)
                        for v in vars { emitVar(indent + 6, v) }
                    }
                }
            }
            if let cs = childrenOf[name], !cs.isEmpty {
                emit(indent + 2, "children:", label)
                for c in cs { emitGroup(c, indent: indent + 4, path: path + [name]) }
            }
            if let vs = groupVarsOf[name], !vs.isEmpty {
                emit(indent + 2, "vars:", label)
                for v in vs { emitVar(indent + 4, v) }
            }
        }

        emit(0, "all:", nil)
        if let cs = childrenOf["all"], !cs.isEmpty {
            emit(2, "children:", nil)
            for c in cs { emitGroup(c, indent: 4, path: ["all"]) }
        }
        if !globalVars.isEmpty {
            emit(2, "vars:", nil)
            for v in globalVars { emitVar(4, v) }
        }
        for g in groups where !written.contains(g.cls) && !misplaced.contains(g.cls) {
            problem(Self.label(group: g.cls), "group '\(g.cls)' is not reachable from 'all' (its pigsty.group_child rows make a cycle)")
        }

        // Bad rows first, one comment line each; then the inventory.
        for (i, p) in problems.enumerated() {
            lines.append("# " + p.label)
            labels[lines.count] = p.label
            problems[i].line = lines.count
        }
        for (text, label) in body {
            lines.append(text)
            if let label { labels[lines.count] = label }
        }
        return ComposedInventory(text: lines.joined(separator: "\n") + "\n", labels: labels, problems: problems)
    }
}

enum InventoryNames {
    static func isIdentifier(_ s: String) -> Bool {
        guard let f = s.utf8.first, f == 95 || (f >= 65 && f <= 90) || (f >= 97 && f <= 122) else { return false }
        return s.utf8.allSatisfy { $0 == 95 || ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) }
    }
}

// MARK: fidelity

extension CMDBRows {
    /// What of an inventory its compiled output can depend on, as comparable lines: group order,
    /// depth, parents, children, hosts and variables; host order, groups and variables.
    static func shape(_ inventory: Inventory) -> [String] {
        var out: [String] = []
        for name in inventory.groupOrder {
            guard let g = inventory.group(name) else { continue }
            out.append("group \(name) depth=\(g.depth) parents=\(g.parents) children=\(g.children) hosts=\(g.hosts)")
            for b in g.vars.all { out.append("  var \(b.name) = \(ValueText.flow(b.value))") }
        }
        for h in inventory.hosts {
            out.append("host \(h.name) groups=\(h.groups)")
            for b in h.vars.all { out.append("  var \(b.name) = \(ValueText.flow(b.value))") }
        }
        return out
    }

    /// Checks that the rows compose into the same inventory: nil when they do, else the first difference.
    public func difference(from inventory: Inventory) -> String? {
        let composed = compose(.exact)
        let sink = DiagnosticSink()
        guard let back = InventoryParser.parse(file: SourceFile(path: "<rows>", text: composed.text), sink: sink) else {
            return "the rows do not compose into an inventory"
        }
        let a = Self.shape(inventory), b = Self.shape(back)
        if a == b { return nil }
        for (x, y) in zip(a, b) where x != y { return "written: \(x); read back: \(y)" }
        return a.count > b.count ? "not read back: \(a[b.count])" : "read back in addition: \(b[a.count])"
    }
}
