import PigstyDiagnostics
import PigstySchema
import PigstyYAML

/// HBA rules, as Pigsty's `pg_hba.conf` / `pgbouncer.hba` templates abort on them: a valid
/// `role`, an `addr` alias or IPv4 address/CIDR, a known `auth`, raw `rules` or an `addr`, and no
/// `db: replication` for pgbouncer.
struct HBARules: InventoryRule {
    static let roles = ["default", "common", "primary", "replica", "offline", "standby", "delayed"]
    static let aliases = ["local", "localhost", "admin", "infra", "cluster", "intra", "intranet", "world", "all"]
    static let auths = ["deny", "pwd", "ssl", "sha", "ssl-sha", "cert", "md5", "ssl-md5", "os", "ident",
                        "peer", "trust", "reject", "scram-sha-256"]

    func check(_ c: RuleContext) {
        for list in ["pg_default_hba_rules", "pg_hba_rules", "pgb_default_hba_rules", "pgb_hba_rules"] {
            let pgbouncer = list.hasPrefix("pgb_")
            for b in c.bindings(of: list) {
                for (i, rule) in (b.value.sequence ?? []).enumerated() where rule.mapping != nil {
                    checkRule(rule, pgbouncer: pgbouncer, path: "\(c.path(of: b))[\(i)]", c)
                }
            }
        }
    }

    private func checkRule(_ rule: YAMLNode, pgbouncer: Bool, path: String, _ c: RuleContext) {
        if let node = rule["role"], !node.isNull {
            let role = node.keyName ?? ""
            if !Self.roles.contains(role) {
                c.sink.report(.hbaBadRole,
                              "HBA rule role '\(role)' is not one of \(Self.roles.joined(separator: ", "))",
                              at: node.range, path: "\(path).role",
                              suggestion: Suggest.closest(to: role, among: Self.roles).map { "did you mean '\($0)'?" })
            }
        }
        let rawRules = rule["rules"]?.sequence ?? []
        if !rawRules.isEmpty { return }
        guard let addrNode = rule["addr"], let addr = addrNode.keyName, !addr.isEmpty else {
            c.sink.report(.hbaEmpty,
                          "HBA rule has neither 'addr' nor raw 'rules'",
                          at: rule.range, path: path,
                          notes: [DiagnosticNote("give an address alias (\(Self.aliases.joined(separator: ", "))), an IPv4 address or CIDR, or a list of raw 'rules' lines")])
            return
        }
        if !Self.aliases.contains(addr), !IPv4.isAddressOrCIDR(addr) {
            c.sink.report(.hbaBadAddr,
                          "HBA rule addr '\(addr)' is neither an alias nor an IPv4 address or CIDR",
                          at: addrNode.range, path: "\(path).addr",
                          notes: [DiagnosticNote("aliases: \(Self.aliases.joined(separator: ", "))")],
                          suggestion: Suggest.closest(to: addr, among: Self.aliases).map { "did you mean '\($0)'?" })
        }
        if IPv4.isAddress(addr) {
            c.sink.report(.hbaAddrWithoutMask,
                          "HBA rule addr '\(addr)' has no prefix length; PostgreSQL rejects an address without one",
                          at: addrNode.range, path: "\(path).addr",
                          notes: [DiagnosticNote("Pigsty writes the address as given, and pg_hba.conf then fails to load")],
                          suggestion: "write '\(addr)/32'")
        }
        if let authNode = rule["auth"], !authNode.isNull {
            let auth = authNode.keyName ?? ""
            if !Self.auths.contains(auth) {
                c.sink.report(.hbaBadAuth,
                              "HBA rule auth '\(auth)' is not one of \(Self.auths.joined(separator: ", "))",
                              at: authNode.range, path: "\(path).auth",
                              suggestion: Suggest.closest(to: auth, among: Self.auths).map { "did you mean '\($0)'?" })
            }
        }
        if pgbouncer, let dbNode = rule["db"], dbNode.keyName == "replication" {
            c.sink.report(.pgbHbaReplication,
                          "pgbouncer HBA rules cannot grant 'db: replication'",
                          at: dbNode.range, path: "\(path).db",
                          notes: [DiagnosticNote("replication connections go to PostgreSQL directly; put this rule in pg_hba_rules")])
        }
    }
}
