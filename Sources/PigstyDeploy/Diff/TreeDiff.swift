import PigstyFormats
import PigstyInventory
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

    /// A directory, link, user or group added, removed or changed (`what` describes it as it
    /// will be, or as it was when removed).
    public struct ObjectChange: Sendable {
        public let kind: Kind
        public let key: String
        public let what: String
    }

    public struct NodeChange: Sendable {
        public let node: String
        public let files: [FileChange]
        public var objects: [ObjectChange] = []
    }

    /// Each object of a node by a stable key, with its description.
    static func described(_ o: NodeObjects) -> [String: String] {
        var out: [String: String] = [:]
        for g in o.groups.values { out["group " + g.name] = "group \(g.name)" + (g.gid.map { " (gid \($0))" } ?? "") }
        for u in o.users.values {
            var parts = u.uid.map { ["uid \($0)"] } ?? []
            parts += ["group \(u.group)"] + (u.groups.isEmpty ? [] : ["groups \(u.groups.joined(separator: ","))"])
            parts += ["home \(u.home)", "shell \(u.shell)"]
            out["user " + u.name] = "user \(u.name) (\(parts.joined(separator: ", ")))"
        }
        for d in o.directories.values {
            out["directory " + d.path] = "directory \(d.path) (\(d.owner):\(d.group) \(GeneratedFile.modeText(d.mode)))"
        }
        for l in o.links.values { out["link " + l.path] = "link \(l.path) -> \(l.target)" }
        for s in o.services.values {
            out["service " + s.unit] = "service \(s.unit) (step \(s.step.rawValue), ready: \(s.check ?? "systemctl is-active"))"
        }
        for a in o.actions.values {
            out["action " + a.name] = "action \(a.name) (step \(a.step.rawValue): \(a.command))"
        }
        return out
    }

    /// Nodes with at least one change, in node order (nodes of either tree).
    public let nodes: [NodeChange]

    public var isEmpty: Bool { nodes.isEmpty }

    public init(old: FileTree, new: FileTree) {
        var out: [NodeChange] = []
        for node in AddressOrder.sorted(Set(old.nodes.keys).union(new.nodes.keys).union(old.objects.keys).union(new.objects.keys)) {
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
            let oa = Self.described(old.objects(on: node)), ob = Self.described(new.objects(on: node))
            var objects: [ObjectChange] = []
            for key in Set(oa.keys).union(ob.keys).sorted() {
                switch (oa[key], ob[key]) {
                case (nil, let n?): objects.append(ObjectChange(kind: .added, key: key, what: n))
                case (let o?, nil): objects.append(ObjectChange(kind: .removed, key: key, what: o))
                case (let o?, let n?) where o != n: objects.append(ObjectChange(kind: .changed, key: key, what: n))
                default: break
                }
            }
            if !changes.isEmpty || !objects.isEmpty { out.append(NodeChange(node: node, files: changes, objects: objects)) }
        }
        nodes = out
    }
}

/// Masks secrets in `diff` output with a fixed `********` (never as long as the secret).
///
/// Where a secret stands is known per file: each back end declares the secrets it wrote into a
/// file (`GeneratedFile.secrets`), and only those are masked in that file's lines, on the side
/// (old or new) that holds them, in every form the format writers give a value (YAML plain,
/// single- and double-quoted; JSON; redis.conf, nginx and env-file quoting; postgresql.conf
/// `''`; shell `'…'\''…'`; LineWriter's `\n`), so a database named like a password is left alone
/// in files that do not hold that password. Secrets no back end declared (values under
/// secret-looking keys that reach a file through raw text) are masked in every file. The password
/// of a URL's userinfo (`postgres://user:PASSWORD@host`) is masked wherever a URL appears.
public struct SecretMask: Sendable {
    /// Secrets masked in every file (no file declares them).
    private let everywhere: [String]

    /// `secrets`: every secret value of both inventories; `declared`: those some back end
    /// declares for the files it writes.
    public init(_ secrets: Set<String>, declared: Set<String> = []) {
        everywhere = Self.forms(of: secrets.subtracting(declared))
    }

    /// The masked text of one line of a file that holds `secrets`.
    public func line(_ text: String, secrets: [String]) -> String {
        Self.mask(text, forms: secrets.isEmpty ? Self.longestFirst(everywhere) : formsFor(secrets))
    }

    /// The forms to mask in a file that holds `secrets`, longest first.
    private func formsFor(_ secrets: [String]) -> [String] {
        Self.longestFirst(Array(Set(Self.forms(of: Set(secrets)) + everywhere)))
    }

    private static func mask(_ text: String, forms: [String]) -> String {
        var out = maskURLPasswords(text)
        for form in forms where out.contains(form) { out = replace(form, in: out) }
        return out
    }

    /// Any text (a path, an attribute): the secrets no file declares and URL passwords.
    public func apply(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line(String($0), secrets: []) }.joined(separator: "\n")
    }

    /// The unified diff of one file, old lines masked with the old file's secrets, new lines with
    /// the new file's, context lines with both.
    public func unified(_ old: GeneratedFile?, _ new: GeneratedFile?, oldName: String, newName: String) -> String {
        let o = formsFor(old?.secrets ?? []), n = formsFor(new?.secrets ?? [])
        let both = Self.longestFirst(Array(Set(o + n)))
        return LineDiff.unified(old?.content, new?.content, oldName: oldName, newName: newName,
                                oldLine: { Self.mask($0, forms: o) }, newLine: { Self.mask($0, forms: n) },
                                sameLine: { Self.mask($0, forms: both) })
    }

    /// The unified diff of what is live on a node (`ship --check`) against the file the bundle
    /// installs (`wanted`: its content, or for a managed block the node's file with the block
    /// put in). Lines of the new file are masked as `unified` masks them. The live file may hold
    /// secrets the inventory no longer has (a changed password), so its lines are masked with the
    /// new file's secrets and, besides, by position: wherever a line of the new file has a
    /// secret, a live line that has the same text around it gets the text in between masked
    /// (`password: OLD` against `password: ********`); and the value of any `key: value` or
    /// `key=value` line whose key looks secret (`password`, `token`, …) is masked.
    public func unified(live: String?, new: GeneratedFile?, wanted: String?, oldName: String, newName: String) -> String {
        let n = formsFor(new?.secrets ?? [])
        var templates: [[String]] = []
        for l in (wanted ?? "").split(separator: "\n", omittingEmptySubsequences: false) {
            let masked = Self.mask(String(l), forms: n)
            if masked != String(l) { templates.append(masked.components(separatedBy: "********")) }
        }
        let liveLine: (String) -> String = { line in
            var out = Self.mask(line, forms: n)
            for t in templates { if let m = Self.fill(t, in: out) { out = m; break } }
            return Self.maskSecretKeyValue(out)
        }
        return LineDiff.unified(live, wanted, oldName: oldName, newName: newName,
                                oldLine: liveLine, newLine: { Self.mask($0, forms: n) },
                                sameLine: { Self.mask($0, forms: n) })
    }

    /// `line` with the text between the literal parts of `template` (a masked line split at its
    /// masks) masked, when the line has those parts in that order, first at its start and last at
    /// its end; nil when it does not match.
    static func fill(_ template: [String], in line: String) -> String? {
        guard template.count >= 2 else { return nil }
        // Masks next to each other are one gap.
        let parts = [template[0]] + template.dropFirst().dropLast().filter { !$0.isEmpty } + [template[template.count - 1]]
        guard line.hasPrefix(parts[0]) else { return nil }
        var out = parts[0]
        var rest = line.dropFirst(parts[0].count)
        for part in parts.dropFirst().dropLast() {
            guard let r = rest.range(of: part), r.lowerBound > rest.startIndex else { return nil }
            out += "********" + part
            rest = rest[r.upperBound...]
        }
        let last = parts[parts.count - 1]
        guard rest.count > last.count, rest.hasSuffix(last) else { return nil }
        return out + "********" + last
    }

    /// A line `key: value` / `key = value` / `key=value` (blanks and quotes around the key
    /// allowed) whose key looks like it names a secret, with its value masked.
    static func maskSecretKeyValue(_ line: String) -> String {
        let t = line.drop { $0 == " " || $0 == "\t" || $0 == "-" || $0 == "\"" || $0 == "'" }
        let key = t.prefix { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }
        guard !key.isEmpty else { return line }
        var rest = t.dropFirst(key.count).drop { $0 == "\"" || $0 == "'" || $0 == " " }
        guard let sep = rest.first, sep == ":" || sep == "=" else { return line }
        rest = rest.dropFirst().drop { $0 == " " }
        let lower = key.lowercased()
        guard !rest.isEmpty, rest != "********", rest != "'********'", rest != "\"********\"",
              ["pass", "pwd", "secret", "token", "credential"].contains(where: { lower.contains($0) })
                || lower.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).contains("pw")
        else { return line }
        return String(line[..<rest.startIndex]) + "********"
    }

    /// The texts a secret can take in a generated file, quoted forms with and without their quotes.
    static func forms(of secrets: Set<String>) -> [String] {
        var out = Set<String>()
        // Very short values (`1`, `on`) would mask ordinary text; passwords are longer.
        for s in secrets where s.count >= 4 {
            let quoted = [PYAML.scalar(s), PYAML.doubleQuoted(s), "'" + s.replacingOccurrences(of: "'", with: "''") + "'",
                          JSONWriter.render(.string(s), style: .compact), RedisConfWriter.quote(s), EnvFileWriter.quote(s),
                          PostgresConfWriter.quote(s), Nginx.quoted(s), Shell.single(s), KeepalivedWriter.token(s),
                          // Plain C-style quoting (`"…\"…"`, other characters as they are), as raw author text has it.
                          "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""]
            out.insert(s)
            out.insert(LineWriter.escaped(s))
            out.insert(INIWriter.escape(s))
            for q in quoted {
                out.insert(q)
                if q.count > 2, let f = q.first, f == q.last, f == "\"" || f == "'" { out.insert(String(q.dropFirst().dropLast())) }
            }
        }
        return Array(out.filter { $0.count >= 4 })
    }

    private static func longestFirst(_ forms: [String]) -> [String] {
        forms.sorted { $0.count != $1.count ? $0.count > $1.count : $0 < $1 }
    }

    /// `form` replaced where it stands alone: not inside a longer word, name or path (`pigsty`
    /// the password is masked in `admin:pigsty`, not in `/etc/pigsty/` or `i.pigsty`).
    private static func replace(_ form: String, in text: String) -> String {
        var result = ""
        var rest = text[...]
        while let r = rest.range(of: form) {
            let before = r.lowerBound > text.startIndex ? text[text.index(before: r.lowerBound)] : nil
            let after = r.upperBound < text.endIndex ? text[r.upperBound] : nil
            result += rest[..<r.lowerBound]
            // A quoted form keeps its quotes: `'********'`.
            if let q = form.first, q == "\"" || q == "'", form.last == q {
                result += String(q) + "********" + String(q)
            } else {
                result += isWordPart(before) || isWordPart(after) ? String(rest[r]) : "********"
            }
            rest = rest[r.upperBound...]
        }
        return result + rest
    }

    private static func isWordPart(_ c: Character?) -> Bool {
        guard let c else { return false }
        return c.isLetter || c.isNumber || c == "_" || c == "." || c == "-" || c == "/"
    }

    /// `scheme://user:PASSWORD@host` → `scheme://user:********@host`.
    public static func maskURLPasswords(_ text: String) -> String { SecretRedactor.maskingURLPasswords(text) }
}
