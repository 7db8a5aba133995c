import Foundation
import PigstyDiagnostics

public enum ApplyDiagnostic {
    /// The cross-node apply order has a cycle (e.g. two standby clusters following each other).
    public static let cycle = "PGS0830"
    /// A generated file's path, owner or group cannot be written into an apply bundle safely.
    public static let unbundleable = "PGS0831"
}

/// A node's apply bundle besides its files: `apply.list` (the data apply.sh reads: steps, users,
/// directories, files with checksums, modes and units) and `apply.sh` (the same static script for
/// every node; it holds no inventory value).
public enum ApplyBundle {
    /// The apply.list format version (first line).
    public static let formatVersion = 1

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
        for node in tree.nodeNames {
            for f in tree.files(on: node) {
                var problems: [String] = []
                if f.path.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                    problems.append("its path contains a control character")
                }
                if !isAccountName(f.owner) { problems.append("owner '\(printable(f.owner))' is not an account name") }
                if !isAccountName(f.group) { problems.append("group '\(printable(f.group))' is not an account name") }
                if !(0...0o7777).contains(f.mode) { problems.append("mode \(f.mode) is out of range") }
                guard !problems.isEmpty else { continue }
                ok = false
                sink.error(ApplyDiagnostic.unbundleable,
                           "\(printable(f.path)) on \(node) (\(f.producer)) cannot be bundled: \(problems.joined(separator: "; "))",
                           at: nil)
            }
        }
        return ok
    }

    /// `[A-Za-z_][A-Za-z0-9_.-]*` with an optional trailing `$`, at most 32 characters (useradd's rule).
    public static func isAccountName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard !b.isEmpty, b.count <= 32 else { return false }
        func alpha(_ c: UInt8) -> Bool { (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == UInt8(ascii: "_") }
        func rest(_ c: UInt8) -> Bool { alpha(c) || (c >= 0x30 && c <= 0x39) || c == UInt8(ascii: ".") || c == UInt8(ascii: "-") }
        guard alpha(b[0]) else { return false }
        for (i, c) in b.enumerated().dropFirst() where !(rest(c) || (c == UInt8(ascii: "$") && i == b.count - 1)) {
            return false
        }
        return true
    }

    private static func printable(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "?" : $0 }))
    }

    /// One node's files with their apply class, in apply order (step, then path).
    public static func entries(_ files: [GeneratedFile]) -> [(file: GeneratedFile, apply: ApplyClass)] {
        files.map { ($0, ApplyTable.classify($0)) }.sorted { a, b in
            a.apply.step != b.apply.step ? a.apply.step < b.apply.step : a.file.path < b.file.path
        }
    }

    /// The steps a node's bundle has files for, in order.
    public static func steps(_ files: [GeneratedFile]) -> [ApplyStep] {
        Array(Set(files.map { ApplyTable.step(of: $0) })).sorted()
    }

    /// `apply.list`: tab-separated records, one per line, never an empty field.
    ///
    ///     pigstyc-apply  1
    ///     node   <ip>
    ///     group  <step>  <name>
    ///     user   <step>  <name>
    ///     dir    <step>  <owner>  <group>  <mode>  <path>
    ///     file   <step>  <sha256>  <owner>  <group>  <mode>  <units: action:unit,… or ->  <path>
    /// `digests` may give the files' sha256 by path when the caller has them already.
    public static func list(node: String, files: [GeneratedFile], digests: [String: String] = [:]) -> String {
        let entries = entries(files)
        var out = "pigstyc-apply\t\(formatVersion)\nnode\t\(node)\n"
        var seenGroups = Set(["root"]), seenUsers = Set(["root"]), seenDirs = Set<String>()
        // One pass to group by step (filtering per step would copy every entry once per step).
        var byStep: [ApplyStep: [Int]] = [:]
        for i in entries.indices { byStep[entries[i].apply.step, default: []].append(i) }
        for step in ApplyStep.allCases {
            guard let indices = byStep[step] else { continue }
            let mine = indices.lazy.map { entries[$0] }
            for e in mine where seenGroups.insert(e.file.group).inserted { out += "group\t\(step.rawValue)\t\(e.file.group)\n" }
            for e in mine where seenUsers.insert(e.file.owner).inserted { out += "user\t\(step.rawValue)\t\(e.file.owner)\n" }
            for e in mine {
                let dir = parent(e.file.path)
                guard dir != "/", seenDirs.insert(dir).inserted else { continue }
                if let mode = privateDirectories[dir] {
                    out += "dir\t\(step.rawValue)\t\(e.file.owner)\t\(e.file.group)\t\(GeneratedFile.modeText(mode))\t\(dir)\n"
                } else {
                    out += "dir\t\(step.rawValue)\troot\troot\t0755\t\(dir)\n"
                }
            }
            for e in mine {
                let digest = digests[e.file.path] ?? TreeWriter.sha256(e.file.content)
                let units = e.apply.effects.isEmpty ? "-" : e.apply.effects.map { "\($0.action.rawValue):\($0.unit)" }.joined(separator: ",")
                out += "file\t\(step.rawValue)\t\(digest)\t\(e.file.owner)\t\(e.file.group)\t\(e.file.modeText)\t\(units)\t\(e.file.path)\n"
            }
        }
        return out
    }

    static func parent(_ path: String) -> String {
        guard let i = path.lastIndex(of: "/"), i != path.startIndex else { return "/" }
        return String(path[..<i])
    }

    /// Quotes a string for a POSIX shell: `'…'`, with `'` written as `'\''`.
    public static func shellQuote(_ s: String) -> String {
        "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The apply script: identical for every node and inventory.
    public static var script: String { ApplyScript.text }
}
