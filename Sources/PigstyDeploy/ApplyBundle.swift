import PigstyModel
import PigstyFormats
import PigstyOutput
import Foundation
import PigstyDiagnostics

/// A node's apply bundle besides its files: `apply.list` (the data apply.sh reads: steps, users,
/// directories, files with checksums, modes and units) and `apply.sh` (the same static script for
/// every node; it holds no inventory value).
public enum ApplyBundle {
    /// The apply.list format version (first line): 2 when the list carries change rules
    /// (`quiet`/`fixed` records), 1 otherwise (such a list is what version 1 always was).
    public static let formatVersion = 2
    /// The version of a list without change rules.
    public static let plainFormatVersion = 1

    /// Directories whose mode matters when apply.sh has to create them; their owner and group
    /// are those of the first file they hold. Other directories are created root:root 0755.
    static let privateDirectories: [String: Int] = [
        "/pg/data": 0o700,
        "/pg/conf": 0o750,
        "/etc/pgbouncer": 0o750,
    ]

    /// Reports files whose path, owner or group cannot be carried in apply.list (a field is one
    /// tab-free line; owners and groups must be plain account names). Returns false when any.
    @discardableResult
    public static func validate(_ tree: FileTree, sink: DiagnosticSink) -> Bool {
        var ok = true
        for node in tree.objects.keys.sorted() {
            for (what, problems) in objectProblems(tree.objects(on: node)) {
                ok = false
                sink.report(.unbundleable, "\(printable(what)) on \(node) cannot be bundled: \(problems.joined(separator: "; "))", at: nil)
            }
        }
        // The common case, every file fine, is decided without ordering anything.
        guard tree.nodes.values.contains(where: { $0.values.contains { !problems($0).isEmpty } }) else { return ok }
        for node in tree.nodeNames {
            for f in tree.files(on: node) {
                let problems = problems(f)
                guard !problems.isEmpty else { continue }
                ok = false
                sink.report(.unbundleable,
                            "\(printable(f.path)) on \(node) (\(f.producer)) cannot be bundled: \(problems.joined(separator: "; "))",
                            at: nil)
            }
        }
        return ok
    }

    private static func problems(_ f: GeneratedFile) -> [String] {
        var problems: [String] = []
        if f.path.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            problems.append("its path contains a control character")
        }
        if !isAccountName(f.owner) { problems.append("owner '\(printable(f.owner))' is not an account name") }
        if !isAccountName(f.group) { problems.append("group '\(printable(f.group))' is not an account name") }
        if !(0...0o7777).contains(f.mode) { problems.append("mode \(f.mode) is out of range") }
        if f.placement == .managedBlock {
            if !f.content.isEmpty && !f.content.hasSuffix("\n") { problems.append("its managed block does not end with a line break") }
            if f.content.split(separator: "\n", omittingEmptySubsequences: false)
                .contains(where: { $0 == FilePlacement.blockBegin || $0 == FilePlacement.blockEnd }) {
                problems.append("its managed block holds a block marker line")
            }
        }
        return problems
    }

    /// What cannot be carried in apply.list among a node's objects, by the object.
    static func objectProblems(_ o: NodeObjects) -> [(String, [String])] {
        var out: [(String, [String])] = []
        func path(_ p: String, _ label: String) -> [String] {
            p.hasPrefix("/") && !p.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) ? [] : ["\(label) '\(printable(p))' is not an absolute path without control characters"]
        }
        func name(_ n: String, _ label: String) -> [String] {
            isAccountName(n) ? [] : ["\(label) '\(printable(n))' is not an account name"]
        }
        func id(_ n: Int?) -> [String] { n.map { (0...999_999_999).contains($0) ? [] : ["id \($0) is out of range"] } ?? [] }
        for g in o.sortedGroups {
            let p = name(g.name, "group") + id(g.gid)
            if !p.isEmpty { out.append(("group \(g.name)", p)) }
        }
        for u in o.sortedUsers {
            let p = name(u.name, "user") + id(u.uid) + name(u.group, "group") + u.groups.flatMap { name($0, "group") }
                + path(u.home, "home") + path(u.shell, "shell")
            if !p.isEmpty { out.append(("user \(u.name)", p)) }
        }
        for d in o.sortedDirectories {
            var p = path(d.path, "path") + name(d.owner, "owner") + name(d.group, "group")
            if !(0...0o7777).contains(d.mode) { p.append("mode \(d.mode) is out of range") }
            if !p.isEmpty { out.append((d.path, p)) }
        }
        for l in o.sortedLinks {
            var p = path(l.path, "path") + name(l.owner, "owner") + name(l.group, "group")
            if l.target.isEmpty || l.target.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
                p.append("link target '\(printable(l.target))' is empty or holds a control character")
            }
            if !p.isEmpty { out.append((l.path, p)) }
        }
        func line(_ t: String, _ label: String) -> [String] {
            !t.isEmpty && !t.unicodeScalars.contains(where: Shell.isControl) ? [] : ["\(label) is empty or holds a control character"]
        }
        for s in o.sortedServices {
            let p = (UnitEffect.isUnitName(s.unit) ? [] : ["'\(printable(s.unit))' is not a unit name"])
                + (s.check.map { line($0, "its check") } ?? []) + ((1...86_400).contains(s.timeout) ? [] : ["timeout \(s.timeout) is out of range"])
            if !p.isEmpty { out.append(("service \(s.unit)", p)) }
        }
        for a in o.sortedActions {
            let p = (UnitEffect.isUnitName(a.name) ? [] : ["'\(printable(a.name))' is not an action name"])
                + line(a.command, "its command") + (a.when.map { line($0, "its condition") } ?? [])
            if !p.isEmpty { out.append(("action \(a.name)", p)) }
        }
        return out
    }

    /// `[A-Za-z_][A-Za-z0-9_.-]*` with an optional trailing `$`, at most 32 characters (useradd's rule).
    public static func isAccountName(_ s: String) -> Bool {
        let b = s.utf8
        guard let first = b.first, b.count <= 32 else { return false }
        func alpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") }
        func rest(_ c: UInt8) -> Bool { alpha(c) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") }
        guard alpha(first) else { return false }
        let count = b.count
        for (i, c) in b.enumerated().dropFirst() where !(rest(c) || (c == UInt8(ascii: "$") && i == count - 1)) {
            return false
        }
        return true
    }

    private static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }

    /// Indices of `files` in apply order: by step, then by path (stable, so cheap for files that
    /// come sorted by path already).
    static func order(_ files: [GeneratedFile], _ classes: [ApplyClass]) -> [Int] {
        var byStep: [ApplyStep: [Int]] = [:]
        for i in files.indices { byStep[classes[i].step, default: []].append(i) }
        var out: [Int] = []
        out.reserveCapacity(files.count)
        for step in ApplyStep.allCases {
            guard let indices = byStep[step] else { continue }
            out += indices.sorted { files[$0].path < files[$1].path }
        }
        return out
    }

    /// The steps a node's bundle has files for, in order.
    public static func steps(_ files: [GeneratedFile]) -> [ApplyStep] {
        Array(Set(files.map(\.apply.step))).sorted()
    }

    /// The apply.list version of a bundle with node objects (users and groups with their ids,
    /// declared directories, links) or managed blocks.
    public static let objectsFormatVersion = 3
    /// The apply.list version of a bundle that declares services, post-start actions or files
    /// written after a service's first start.
    public static let lifecycleFormatVersion = 4

    /// `apply.list`: tab-separated records, one per line, never an empty field.
    ///
    ///     pigstyc-apply  1 (2 when the list has quiet or fixed records, 3 with objects or blocks)
    ///     node   <ip>
    ///     group  <step>  <name>   (a file's group: created as a system group when missing)
    ///     group  <step>  <name>  <gid|->  system|user
    ///     user   <step>  <name>   (a file's owner: created as a system user when missing)
    ///     user   <step>  <name>  <uid|->  <group>  <groups,…|->  <home>  <shell>  system|user
    ///     dir    <step>  <owner>  <group>  <mode>  <path>
    ///     link   <step>  <owner>  <group>  <target>  <path>
    ///     file   <step>  <sha256>  <owner>  <group>  <mode>  <units: action:unit,… or ->  <path>
    ///     quiet  <path>  <key>   (after its file: a change limited to `key` lines needs no unit effect)
    ///     fixed  <path>  <key>   (after its file: a change of `key`'s value is refused)
    ///     block  <path>          (after its file: the file is the node's; its content is a managed block)
    ///     after  <path>  <unit>  (after its file: written only once `unit` has started and passed its check)
    ///     check  <path>  <shell line>  (after its file: run with the new file as $1 before it is installed)
    ///     service <step>  <unit>  <timeout seconds>  <check shell line or ->  <config check or ->   (in start order)
    ///     action  <step>  <name>  <sha256 of command and inputs>  <when shell line or ->  <command shell line>
    /// `digests` may give the files' sha256, in the order of `files`, when the caller has them already.
    public static func list(node: String, files: [GeneratedFile], digests: [String]? = nil,
                            objects: NodeObjects = NodeObjects()) -> String {
        let classes = files.map(\.apply)
        let order = order(files, classes)
        let ruled = classes.contains { $0.rule.map { !$0.quietKeys.isEmpty || !$0.fixedKeys.isEmpty } ?? false }
        let blocks = files.contains { $0.placement == .managedBlock }
        let after = classes.contains { $0.afterStart != nil || $0.verifiedBy != nil }
        let version = objects.hasLifecycle || after ? lifecycleFormatVersion
            : !objects.isEmpty || blocks ? objectsFormatVersion : ruled ? formatVersion : plainFormatVersion
        var out = "pigstyc-apply\t\(version)\nnode\t\(node)\n"
        out.reserveCapacity(files.count * 160 + objects.count * 80 + 64)
        // Declared objects by step, each kind sorted by name or path.
        var groupsBy: [ApplyStep: [NodeGroup]] = [:], usersBy: [ApplyStep: [NodeUser]] = [:]
        var dirsBy: [ApplyStep: [NodeDirectory]] = [:], linksBy: [ApplyStep: [NodeLink]] = [:]
        for g in objects.sortedGroups { groupsBy[g.step, default: []].append(g) }
        for u in objects.sortedUsers { usersBy[u.step, default: []].append(u) }
        for d in objects.sortedDirectories { dirsBy[d.step, default: []].append(d) }
        for l in objects.sortedLinks { linksBy[l.step, default: []].append(l) }
        var servicesBy: [ApplyStep: [NodeService]] = [:], actionsBy: [ApplyStep: [NodeAction]] = [:]
        for s in objects.sortedServices { servicesBy[s.step, default: []].append(s) }
        for a in objects.sortedActions { actionsBy[a.step, default: []].append(a) }
        var digestOf: [String: String] = [:]
        if !objects.actions.isEmpty {
            for (i, f) in files.enumerated() { digestOf[f.path] = digests?[i] ?? TreeWriter.sha256(f.content) }
        }
        // Few distinct accounts per node: a list beats hashing every file's owner and group.
        var seenGroups = ["root"] + objects.groups.keys.sorted(), seenUsers = ["root"] + objects.users.keys.sorted()
        var seenDirs = Set(objects.directories.keys)
        var start = 0
        for step in ApplyStep.allCases {
            // This step's files: order[start..<end].
            var end = start
            while end < order.count && classes[order[end]].step == step { end += 1 }
            let mine = order[start..<end]
            start = end
            let stepName = step.rawValue
            for g in groupsBy[step] ?? [] {
                out += "group\t\(stepName)\t\(g.name)\t\(g.gid.map(String.init) ?? "-")\t\(g.system ? "system" : "user")\n"
            }
            for i in mine where !seenGroups.contains(files[i].group) {
                seenGroups.append(files[i].group)
                out += "group\t\(stepName)\t\(files[i].group)\n"
            }
            for u in usersBy[step] ?? [] {
                out += "user\t\(stepName)\t\(u.name)\t\(u.uid.map(String.init) ?? "-")\t\(u.group)\t"
                out += u.groups.isEmpty ? "-" : u.groups.joined(separator: ",")
                out += "\t\(u.home)\t\(u.shell)\t\(u.system ? "system" : "user")\n"
            }
            for i in mine where !seenUsers.contains(files[i].owner) {
                seenUsers.append(files[i].owner)
                out += "user\t\(stepName)\t\(files[i].owner)\n"
            }
            for d in dirsBy[step] ?? [] {
                out += "dir\t\(stepName)\t\(d.owner)\t\(d.group)\t\(GeneratedFile.modeText(d.mode))\t\(d.path)\n"
            }
            var previous = ""
            for i in mine {
                let dir = FilePaths.parent(files[i].path)
                // Files come by path within a step, so a directory usually repeats the previous one.
                guard dir != "/", dir != previous else { continue }
                previous = dir
                guard seenDirs.insert(dir).inserted else { continue }
                if let mode = privateDirectories[dir] {
                    out += "dir\t\(stepName)\t\(files[i].owner)\t\(files[i].group)\t\(GeneratedFile.modeText(mode))\t\(dir)\n"
                } else {
                    out += "dir\t\(stepName)\troot\troot\t0755\t\(dir)\n"
                }
            }
            for l in linksBy[step] ?? [] {
                out += "link\t\(stepName)\t\(l.owner)\t\(l.group)\t\(l.target)\t\(l.path)\n"
            }
            for i in mine {
                let f = files[i]
                out += "file\t"
                out += stepName
                out += "\t"
                out += digests?[i] ?? TreeWriter.sha256(f.content)
                out += "\t"
                out += f.owner
                out += "\t"
                out += f.group
                out += "\t"
                out += f.modeText
                out += "\t"
                out += classes[i].unitsText
                out += "\t"
                out += f.path
                out += "\n"
                if ruled, let rule = classes[i].rule {
                    for key in rule.quietKeys { out += "quiet\t\(f.path)\t\(key)\n" }
                    for key in rule.fixedKeys { out += "fixed\t\(f.path)\t\(key)\n" }
                }
                if f.placement == .managedBlock { out += "block\t\(f.path)\n" }
                if let unit = classes[i].afterStart { out += "after\t\(f.path)\t\(unit)\n" }
                if let check = classes[i].verifiedBy { out += "check\t\(f.path)\t\(check.command)\n" }
            }
            for s in servicesBy[step] ?? [] {
                out += "service\t\(stepName)\t\(s.unit)\t\(s.timeout)\t\(s.check ?? "-")\t\(s.verify ?? "-")\n"
            }
            for a in actionsBy[step] ?? [] {
                // Runs again when the command, its condition or a file it reads changes.
                var basis = a.command + "\n" + (a.when ?? "-") + "\n"
                for p in a.inputs { basis += p + " " + (digestOf[p] ?? "-") + "\n" }
                out += "action\t\(stepName)\t\(a.name)\t\(TreeWriter.sha256(basis))\t\(a.when ?? "-")\t\(a.command)\n"
            }
        }
        return out
    }


    /// What every node's directory holds besides its files and manifest: `apply.list` and `apply.sh`.
    public static func nodeFiles(node: String, files: [GeneratedFile], digests: [String],
                                 objects: NodeObjects = NodeObjects()) -> [(name: String, content: String, mode: Int)] {
        [("apply.list", list(node: node, files: files, digests: digests, objects: objects), 0o644), ("apply.sh", script, 0o755)]
    }

    /// The apply script: identical for every node and inventory.
    public static var script: String { ApplyScript.text }
}

extension TreeWriter {
    /// A writer that adds each node's apply bundle (`apply.list`, `apply.sh`).
    public init(tree: FileTree) {
        self.init(tree: tree) { node, files, digests in
            ApplyBundle.nodeFiles(node: node, files: files, digests: digests, objects: tree.objects(on: node))
        }
    }
}
