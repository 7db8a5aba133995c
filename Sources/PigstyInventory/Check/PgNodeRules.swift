import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// Values that reach the PostgreSQL node's supporting files and the admin's environment:
/// `pgsodium_key` must be a key pgsodium can use; values written one per line into formats
/// without quoting (pgbackrest.conf, the libpq service and password files, the dbsu's crontab)
/// must stay on one line; account names that become sudo rules, file owners and home
/// directories must be plain user names.
struct PgNodeRules: InventoryRule {
    /// Parameters each written as one `key=value` or `*:*:*:user:password` line.
    static let oneLine = ["pg_admin_username", "pg_admin_password", "pg_replication_username", "pg_replication_password",
                          "pg_monitor_username", "pg_monitor_password", "pg_primary_db"]
    /// Account names: useradd's portable rule, without `.` (sudo skips `/etc/sudoers.d` files
    /// with a `.` in their name).
    static let accounts = ["pg_dbsu", "node_admin_username"]
    /// pgbackrest_repo fields the schema types: a line break in one is PGS0315 (or a type
    /// mismatch) already; only the open record's other options are checked here.
    static let textFields: Set<String> = {
        guard let record = Schema.pigsty.record("pgbackrest_repo") else { return [] }
        return Set(record.fields.filter { $0.type != "any" }.map(\.name))
    }()

    func check(_ c: RuleContext) {
        for b in c.bindings(of: "pgsodium_key") {
            guard Self.values(b, c).contains(where: { v in
                v.scalar.map { !v.isNull && !Self.isKey(YAMLNode.describe($0.value)) } ?? false
            }) else { continue }
            c.sink.report(.pgsodiumKey, "pgsodium_key is not 64 hexadecimal digits", at: b.value.range, path: c.path(of: b),
                          notes: [DiagnosticNote("pgsodium needs a 256-bit key written in hex; without pgsodium_key the SHA-256 of pg_cluster is used")])
        }
        for name in Self.oneLine {
            for b in c.bindings(of: name) {
                // A value as written is checked by the schema (PGS0315); what a template or a
                // `!vault` value evaluates to is checked here.
                guard Self.values(b, c).contains(where: { $0 !== b.value && ($0.string.map(Self.breaksLine) ?? false) })
                else { continue }
                report(c, b, "\(name) holds a line break or control character",
                       "it is written on one line of .pgpass, .pg_service.conf or pgbackrest.conf, which have no escape for it")
            }
        }
        // pg_crontab entries are string-typed: a line break in one is PGS0315.
        for b in c.bindings(of: "pgbackrest_repo") where !ParameterRules.isTemplated(b.value) {
            for repo in b.value.mapping ?? [] {
                for option in repo.value.mapping ?? [] {
                    let key = option.key.keyName ?? ""
                    let path = "\(c.path(of: b)).\(repo.key.keyName ?? "").\(key)"
                    if !Self.isOptionName(key) {
                        c.sink.report(.oneLineValue, "pgbackrest_repo option '\(SafetyRules.printable(key))' is not an option name",
                                      at: option.key.range, path: path,
                                      notes: [DiagnosticNote("each key becomes repo1-<key> in pgbackrest.conf: lower-case letters, digits, '_' and '-'")])
                    } else if option.value.tag != "!vault", !ParameterRules.isTemplated(option.value),
                              !Self.textFields.contains(key),
                              let s = option.value.scalar.map({ YAMLNode.describe($0.value) }), Self.breaksLine(s) {
                        c.sink.report(.oneLineValue, "pgbackrest_repo option '\(key)' holds a line break or control character",
                                      at: option.value.range, path: path,
                                      notes: [DiagnosticNote("pgbackrest.conf has no escape for it")])
                    } else if option.value.mapping != nil || option.value.sequence != nil {
                        c.sink.report(.oneLineValue, "pgbackrest_repo option '\(key)' is not a scalar",
                                      at: option.value.range, path: path,
                                      notes: [DiagnosticNote("pgBackRest options take one value each")])
                    }
                }
            }
        }
        for name in Self.accounts {
            for b in c.bindings(of: name) {
                guard let s = Self.values(b, c).compactMap(\.string).first(where: { !Self.isAccount($0) }) else { continue }
                c.sink.report(.unsafeName, "\(name) '\(SafetyRules.printable(s))' is not a safe account name",
                              at: b.value.range, path: c.path(of: b),
                              notes: [DiagnosticNote("it becomes a user, a sudo rule and a file name under /etc/sudoers.d; it must match ^[a-z_][a-z0-9_-]{0,31}$")])
            }
        }
    }

    /// The values a definition gives: itself, or for a template or `!vault` value what it
    /// evaluates to on each host it applies to (one left as written is not checked).
    static func values(_ b: VarBinding, _ c: RuleContext) -> [YAMLNode] {
        guard b.value.tag == "!vault" || ParameterRules.isTemplated(b.value) else { return [b.value] }
        return c.resolved.hosts.compactMap { h -> YAMLNode? in
            guard let raw = h.rawBinding(b.name), raw.value === b.value,
                  let e = h.binding(b.name), e.value !== b.value else { return nil }
            return e.value
        }
    }

    private func report(_ c: RuleContext, _ b: VarBinding, _ message: String, _ note: String) {
        c.sink.report(.oneLineValue, message, at: b.value.range, path: c.path(of: b), notes: [DiagnosticNote(note)])
    }

    static func isKey(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }

    /// Any control character (line breaks included) or a line separator.
    static func breaksLine(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || $0.value == 0x2028 || $0.value == 0x2029 }
    }

    static func isOptionName(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45 }
    }

    static func isAccount(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard let f = b.first, b.count <= 32, (f >= 97 && f <= 122) || f == 95 else { return false }
        return b.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 122) || $0 == 95 || $0 == 45 }
    }
}
