import PigstyModel

/// What one changed file needs, from its `ApplyClass` and, where the back end declared a
/// `ChangeRule`, from what changed in it: the unit effects, one line per changed PostgreSQL
/// parameter, and a refused major upgrade.
public struct ChangeEffect: Sendable, Equatable {
    public struct Parameter: Sendable, Equatable {
        public let name: String
        /// `reload` or `restart (pending restart)`.
        public let effect: String
    }

    public var effects: [UnitEffect]
    public var parameters: [Parameter] = []
    /// `pg_version 17 → 18`: a major upgrade, which apply refuses.
    public var majorUpgrade: String?
    /// Why the file's effects were dropped (`only bootstrap settings changed: initial-cluster`).
    public var note: String?

    public static func of(_ change: TreeDiff.FileChange) -> ChangeEffect {
        let apply = change.file.apply
        var out = ChangeEffect(effects: apply.effects)
        guard let rule = apply.rule, let old = change.old?.content, let new = change.new?.content, old != new else { return out }
        switch rule {
        case .bootstrapOnly(let keys):
            let changed = changedKeys(old, new)
            if let changed, !changed.isEmpty, changed.allSatisfy(keys.contains) {
                out.effects = []
                out.note = "only settings read at bootstrap changed (\(changed.sorted().joined(separator: ", "))): no restart"
            }
        case .postgresParameters(let version, let versionKey):
            if let versionKey {
                let a = value(of: versionKey, in: old), b = value(of: versionKey, in: new)
                if let a, let b, a != b {
                    out.majorUpgrade = "\(versionKey) \(a) → \(b)"
                    out.effects = []
                    return out
                }
            }
            let v = versionKey.flatMap { value(of: $0, in: new) }.flatMap { Int($0) } ?? version
            let a = parameters(old), b = parameters(new)
            for name in Set(a.keys).union(b.keys).sorted() where a[name] != b[name] {
                let context = PostgresParameterContexts.context(name, version: v)
                    ?? PostgresParameterContexts.extensionContext(name)
                // An unknown parameter (an extension's) may need a restart: say so.
                let restart = context?.needsRestart ?? true
                out.parameters.append(Parameter(name: name, effect: restart ? "restart (pending restart)" : "reload"))
            }
        }
        return out
    }

    // MARK: - Reading the files back

    /// `key: value` / `key = value` of a line (blanks before the key allowed), nil for others.
    static func keyValue(_ line: Substring) -> (key: String, value: String)? {
        let t = line.drop { $0 == " " || $0 == "\t" }
        guard let first = t.first, first.isLetter || first == "_" else { return nil }
        let key = t.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
        var rest = t.dropFirst(key.count).drop { $0 == " " }
        guard let sep = rest.first, sep == ":" || sep == "=" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " }
        return (String(key), String(rest))
    }

    /// The keys of the lines that differ between two files (as a multiset of lines), nil when a line
    /// that is not `key: value` differs.
    static func changedKeys(_ old: String, _ new: String) -> Set<String>? {
        var count: [Substring: Int] = [:]
        for l in old.split(separator: "\n", omittingEmptySubsequences: false) { count[l, default: 0] += 1 }
        for l in new.split(separator: "\n", omittingEmptySubsequences: false) { count[l, default: 0] -= 1 }
        var keys = Set<String>()
        for (line, n) in count where n != 0 {
            guard let kv = keyValue(line) else { return nil }
            keys.insert(kv.key)
        }
        return keys
    }

    /// The value of the first line with `key` (quotes removed).
    static func value(of key: String, in text: String) -> String? {
        for l in text.split(separator: "\n") {
            if let kv = keyValue(l), kv.key == key { return unquote(kv.value) }
        }
        return nil
    }

    static func unquote(_ s: String) -> String {
        if s.count >= 2, let f = s.first, f == "'" || f == "\"", s.last == f { return String(s.dropFirst().dropLast()) }
        return s
    }

    /// PostgreSQL parameters of a file: `name = value` lines (postgresql.auto.conf), or the
    /// `name: value` lines indented under a `parameters:` key (Patroni's YAML; the last such map
    /// wins for a name set in two, as Patroni's local `postgresql.parameters` win over
    /// `bootstrap.dcs`).
    static func parameters(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        var mapIndent: Int?
        for l in text.split(separator: "\n") {
            let indent = l.prefix { $0 == " " }.count
            let trimmed = l.dropFirst(indent)
            if trimmed.hasPrefix("#") || trimmed.isEmpty { continue }
            if let m = mapIndent, indent <= m { mapIndent = nil }
            if trimmed == "parameters:" { mapIndent = indent; continue }
            guard let kv = keyValue(l) else { continue }
            if mapIndent != nil || (indent == 0 && trimmed.contains(" = ")) { out[kv.key] = unquote(kv.value) }
        }
        return out
    }
}
