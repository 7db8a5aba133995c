import PigstyDiagnostics
import PigstyYAML

/// `pg_default_privileges` clauses: what may follow `ALTER DEFAULT PRIVILEGES FOR ROLE <role>`
/// in the provisioning scripts. A clause is SQL written as given, so only the shape
/// `[IN SCHEMA s,…] GRANT|REVOKE [GRANT OPTION FOR] privileges ON objects TO|FROM roles
/// [WITH GRANT OPTION] [CASCADE|RESTRICT]` is accepted (case-insensitive, one line, names plain
/// or double-quoted); anything else is reported (PGS0413) and left out of the scripts.
public enum PgDefaultPrivilege {
    public static func isClause(_ s: String) -> Bool {
        s.wholeMatch(of: pattern) != nil
    }

    nonisolated(unsafe) static let pattern: Regex<Substring> = {
        let name = #"(?:[A-Za-z_][A-Za-z0-9_$]*|"(?:[^"\x00-\x1F\x7F]|"")+")"#
        let s = "[ \\t]+"
        let comma = "[ \\t]*,[ \\t]*"
        let names = "\(name)(?:\(comma)\(name))*"
        let priv = "(?:SELECT|INSERT|UPDATE|DELETE|TRUNCATE|REFERENCES|TRIGGER|USAGE|EXECUTE|CREATE|MAINTAIN)"
        let privs = "(?:ALL(?:\(s)PRIVILEGES)?|\(priv)(?:\(comma)\(priv))*)"
        let objects = "(?:TABLES|SEQUENCES|FUNCTIONS|ROUTINES|TYPES|SCHEMAS|LARGE\(s)OBJECTS)"
        let grantee = "(?:GROUP\(s))?\(name)"
        let grantees = "\(grantee)(?:\(comma)\(grantee))*"
        let grant = "GRANT\(s)\(privs)\(s)ON\(s)\(objects)\(s)TO\(s)\(grantees)(?:\(s)WITH\(s)GRANT\(s)OPTION)?"
        let revoke = "REVOKE\(s)(?:GRANT\(s)OPTION\(s)FOR\(s))?\(privs)\(s)ON\(s)\(objects)\(s)FROM\(s)\(grantees)(?:\(s)(?:CASCADE|RESTRICT))?"
        return try! Regex("(?i)[ \\t]*(?:IN\(s)SCHEMA\(s)\(names)\(s))?(?:\(grant)|\(revoke))[ \\t]*", as: Substring.self)
    }()
}

/// Values that reach the provisioning SQL as SQL text rather than as quoted names or constants:
/// the `pg_default_privileges` clauses.
struct ProvisionRules: InventoryRule {
    func check(_ c: RuleContext) {
        for b in c.bindings(of: "pg_default_privileges") where !ParameterRules.isTemplated(b.value) {
            for (i, item) in (b.value.sequence ?? []).enumerated() {
                guard item.tag != "!vault", let v = item.scalar, !PgDefaultPrivilege.isClause(YAMLNode.describe(v.value)) else { continue }
                c.sink.report(.defaultPrivilege,
                              "pg_default_privileges entry \(i) '\(SafetyRules.printable(YAMLNode.describe(v.value)))' is not a default privilege clause",
                              at: item.range, path: "\(c.path(of: b))[\(i)]",
                              notes: [DiagnosticNote("each entry follows ALTER DEFAULT PRIVILEGES FOR ROLE <role>: GRANT <privileges> ON <TABLES|SEQUENCES|FUNCTIONS|TYPES|SCHEMAS> TO <roles>, or REVOKE … FROM …")])
            }
        }
    }
}
