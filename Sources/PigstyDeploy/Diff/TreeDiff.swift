import PigstyModel
import PigstyOutput
import Foundation

/// What changes between two compiled trees, per node: files added, removed or changed (content,
/// owner, group or mode).
public struct TreeDiff: Sendable {
    public enum Kind: String, Sendable { case added, removed, changed }

    public struct FileChange: Sendable {
        public let kind: Kind
        public let path: String
        public let old: GeneratedFile?
        public let new: GeneratedFile?

        /// The file as it will be after the change (the old one when it is removed).
        public let file: GeneratedFile

        /// Owner, group or mode changes, e.g. `mode 0644 → 0600`.
        public var attributeChanges: [String] {
            guard let old, let new else { return [] }
            var out: [String] = []
            if old.owner != new.owner || old.group != new.group {
                out.append("owner \(old.owner):\(old.group) → \(new.owner):\(new.group)")
            }
            if old.mode != new.mode { out.append("mode \(old.modeText) → \(new.modeText)") }
            return out
        }
    }

    public struct NodeChange: Sendable {
        public let node: String
        public let files: [FileChange]
    }

    /// Nodes with at least one change, in node order (nodes of either tree).
    public let nodes: [NodeChange]

    public var isEmpty: Bool { nodes.isEmpty }

    public init(old: FileTree, new: FileTree) {
        var out: [NodeChange] = []
        for node in AddressOrder.sorted(Set(old.nodes.keys).union(new.nodes.keys)) {
            let a = old.nodes[node] ?? [:], b = new.nodes[node] ?? [:]
            let paths = Set(a.keys).union(b.keys).sorted()
            var changes: [FileChange] = []
            for path in paths {
                switch (a[path], b[path]) {
                case (nil, let n?): changes.append(FileChange(kind: .added, path: path, old: nil, new: n, file: n))
                case (let o?, nil): changes.append(FileChange(kind: .removed, path: path, old: o, new: nil, file: o))
                case (let o?, let n?) where o.content != n.content || o.mode != n.mode || o.owner != n.owner || o.group != n.group:
                    changes.append(FileChange(kind: .changed, path: path, old: o, new: n, file: n))
                default: break
                }
            }
            if !changes.isEmpty { out.append(NodeChange(node: node, files: changes)) }
        }
        nodes = out
    }
}

/// Replaces every occurrence of a known secret in text with `********`. An occurrence counts when it
/// stands alone: not inside a longer word, name or path (`pigsty` the password is masked in
/// `admin:pigsty`, not in `/etc/pigsty/` or `i.pigsty`).
public struct SecretMask: Sendable {
    /// Longest first, so a secret that contains another is masked whole.
    private let secrets: [String]

    public init(_ secrets: Set<String>) {
        // Very short values (`1`, `on`) would mask ordinary text; passwords are longer.
        self.secrets = secrets.filter { $0.count >= 4 }.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    public func apply(_ text: String) -> String {
        var out = text
        for secret in secrets where out.contains(secret) {
            var result = ""
            var rest = out[...]
            while let r = rest.range(of: secret) {
                let before = r.lowerBound > rest.startIndex ? rest[rest.index(before: r.lowerBound)] : nil
                let after = r.upperBound < rest.endIndex ? rest[r.upperBound] : nil
                result += rest[..<r.lowerBound]
                result += Self.isWordPart(before) || Self.isWordPart(after) ? String(rest[r]) : "********"
                rest = rest[r.upperBound...]
            }
            out = result + rest
        }
        return out
    }

    private static func isWordPart(_ c: Character?) -> Bool {
        guard let c else { return false }
        return c.isLetter || c.isNumber || c == "_" || c == "." || c == "-" || c == "/"
    }
}
