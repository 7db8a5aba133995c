import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Kinds of inventory names that later become file names, paths or shell words, and the
/// patterns they must match. Later stages may rely on a checked inventory holding only these.
public enum SafeName: String, CaseIterable, Sendable {
    /// `pg_cluster`: Pigsty's own rule, without a leading '-'.
    case pgCluster = "PostgreSQL cluster name"
    /// Other cluster names, node names, service names, portal keys.
    case identifier = "name"
    /// PostgreSQL users and roles: Pigsty's `^[a-z_][a-z0-9_@.-]{0,62}$`.
    case pgUser = "PostgreSQL user name"
    /// PostgreSQL databases.
    case pgDatabase = "database name"

    public var patternText: String {
        switch self {
        case .pgCluster: return "^[A-Za-z0-9][A-Za-z0-9-]*$"
        case .identifier: return "^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$"
        case .pgUser: return "^[a-z_][a-z0-9_@.-]{0,62}$"
        case .pgDatabase: return "^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$"
        }
    }

    /// The longest name of any kind, in bytes: names become file names (with a prefix or suffix
    /// added) and host names, and 63 is a DNS label's and PostgreSQL identifier's limit, well
    /// under the 255 bytes a file name may have.
    public static let maxLength = 63

    public func matches(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first else { return false }
        func alnum(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
        func lower(_ c: UInt8) -> Bool { (c >= 48 && c <= 57) || (c >= 97 && c <= 122) }
        switch self {
        case .pgCluster:
            return alnum(f) && b.allSatisfy { alnum($0) || $0 == 45 }
        case .identifier:
            return b.count <= 63 && alnum(f) && b.allSatisfy { alnum($0) || $0 == 95 || $0 == 46 || $0 == 45 }
        case .pgUser:
            return b.count <= 63 && ((f >= 97 && f <= 122) || f == 95)
                && b.allSatisfy { lower($0) || $0 == 95 || $0 == 64 || $0 == 46 || $0 == 45 }
        case .pgDatabase:
            return b.count <= 63 && (alnum(f) || f == 95) && b.allSatisfy { alnum($0) || $0 == 95 || $0 == 46 || $0 == 45 }
        }
    }

    /// True for a path that is absolute and stays put: no `..` segment, no control characters,
    /// no command substitution.
    public static func isSafePath(_ s: String) -> Bool {
        guard s.hasPrefix("/") else { return false }
        if s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F || $0 == 0x60 }) { return false }
        if s.contains("$(") { return false }
        return !s.split(separator: "/").contains("..")
    }
}

/// Safety: every name that reaches a file name, a path or a shell line matches a safe pattern,
/// so `../x` or `$(reboot)` is a diagnostic here and never a file or a command later.
struct SafetyRules: InventoryRule {
    static let identityNames: [(String, SafeName)] = [
        ("pg_cluster", .pgCluster), ("redis_cluster", .identifier), ("minio_cluster", .identifier),
        ("etcd_cluster", .identifier), ("node_cluster", .identifier), ("nodename", .identifier),
        ("pg_shard", .pgCluster),
    ]
    static let recordNames: [(String, String, SafeName)] = [
        ("pg_users", "user", .pgUser), ("pg_default_roles", "role", .pgUser),
        ("pg_databases", "database", .pgDatabase), ("pg_services", "service", .identifier),
        ("pg_default_services", "service", .identifier), ("haproxy_services", "service", .identifier),
    ]

    func check(_ c: RuleContext) {
        for (param, kind) in Self.identityNames {
            for b in c.bindings(of: param) {
                guard let v = b.value.scalar, !b.value.isNull else { continue }
                let text = YAMLNode.describe(v.value)
                if !kind.matches(text) {
                    report(c, kind: kind, what: param, text, b.value.range, c.path(of: b))
                } else if text.utf8.count > SafeName.maxLength {
                    c.sink.report(.unsafeName,
                                  "\(param) '\(Self.printable(text))' is \(text.utf8.count) bytes long; at most \(SafeName.maxLength) are allowed",
                                  at: b.value.range, path: c.path(of: b),
                                  notes: [DiagnosticNote("it becomes part of file names (a file name has at most 255 bytes) and host names; shorten it")])
                }
            }
        }
        for (param, what, kind) in Self.recordNames {
            for b in c.bindings(of: param) {
                for (i, item) in (b.value.sequence ?? []).enumerated() {
                    guard let n = item["name"], let s = n.scalar else { continue }
                    let text = YAMLNode.describe(s.value)
                    if !kind.matches(text) { report(c, kind: kind, what: "\(what) name", text, n.range, "\(c.path(of: b))[\(i)].name") }
                }
            }
        }
        for b in c.bindings(of: "infra_portal") {
            for pair in b.value.mapping ?? [] {
                let text = pair.key.keyName ?? ""
                if !SafeName.identifier.matches(text) {
                    report(c, kind: .identifier, what: "portal entry name", text, pair.key.range, "\(c.path(of: b)).\(text)")
                }
            }
        }
        checkFileNameLists(c)
        checkPaths(c)
    }

    /// Lists whose items name files of the node role: `/etc/modules-load.d/<module>.conf`,
    /// `/etc/yum.repos.d/<module>.repo` (or `sources.list.d/<module>.list`).
    private func checkFileNameLists(_ c: RuleContext) {
        for b in c.bindings(of: "node_kernel_modules") {
            for (i, item) in (b.value.sequence ?? []).enumerated() {
                guard let s = item.scalar, !item.isNull else { continue }
                let text = YAMLNode.describe(s.value)
                if !SafeName.identifier.matches(text) {
                    report(c, kind: .identifier, what: "kernel module", text, item.range, "\(c.path(of: b))[\(i)]")
                }
            }
        }
        for param in ["node_repo_modules", "repo_modules"] {
            for b in c.bindings(of: param) {
                guard let s = b.value.string else { continue }
                for part in s.split(separator: ",") {
                    let text = Jinja.strip(String(part))
                    if !text.isEmpty, !SafeName.identifier.matches(text) {
                        report(c, kind: .identifier, what: "\(param) module", text, b.value.range, c.path(of: b))
                    }
                }
            }
        }
    }

    private func report(_ c: RuleContext, kind: SafeName, what: String, _ value: String, _ range: SourceRange, _ path: String) {
        c.sink.report(.unsafeName,
                      "\(what) '\(Self.printable(value))' is not a safe \(kind.rawValue)",
                      at: range, path: path,
                      notes: [DiagnosticNote("it becomes part of file names and commands; it must match \(kind.patternText)")])
    }

    /// Parameters typed `path` must be absolute and must not climb out with `..`.
    private func checkPaths(_ c: RuleContext) {
        for b in c.allBindings {
            guard let spec = c.schema.parameter(b.name), spec.type == "path", let s = b.value.string else { continue }
            if !SafeName.isSafePath(s) {
                c.sink.report(.unsafeName, "\(b.name) '\(Self.printable(s))' is not a safe absolute path",
                              at: b.value.range, path: c.path(of: b),
                              notes: [DiagnosticNote("paths must start with '/', and contain no '..' segment, control character, backquote or '$('")])
            } else if Self.executableDirectories.contains(b.name), s.utf8.contains(where: { $0 == 0x22 || $0 == 0x27 || $0 == 0x5C }) {
                c.sink.report(.unsafeName, "\(b.name) '\(Self.printable(s))' holds a quote or backslash",
                              at: b.value.range, path: c.path(of: b),
                              notes: [DiagnosticNote("it is the directory of a program a systemd unit starts, and systemd refuses a program path with quotes or backslashes")])
            }
        }
    }

    /// Path parameters that name the directory of a program a systemd unit starts (`ExecStart=`).
    static let executableDirectories: Set<String> = ["pg_bin_dir"]

    /// Shows control characters visibly so a hostile value cannot garble the terminal.
    static func printable(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if u.value < 0x20 || u.value == 0x7F { out += "\\u{\(String(u.value, radix: 16))}" } else { out.unicodeScalars.append(u) }
        }
        return out.count > 80 ? String(out.prefix(77)) + "..." : out
    }
}
