import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// Host-based authentication: `/pg/data/pg_hba.conf` on every PostgreSQL instance (rendered by
/// Pigsty's patroni tasks, so only when `patroni_enabled`) and `/etc/pgbouncer/pgb_hba.conf` (when
/// `pgbouncer_enabled`), from `pg_default_hba_rules + pg_hba_rules` and
/// `pgb_default_hba_rules + pgb_hba_rules`.
struct HBABackend: Backend {
    let name = "hba"

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let infra = graph.nodes(inGroup: "infra").map(\.ip)
        let memo = HBAMemo()
        for instance in graph.pgInstances {
            let h = instance.host
            let members = graph.pgCluster(instance.cluster)?.identity.sortedIPs ?? [instance.ip]
            let ctx = HBAContext(host: h, instance: instance, infra: infra, members: members, memo: memo)
            let dbsu = h.string("pg_dbsu") ?? "postgres"
            if HBAContext.truthy(h.value("patroni_enabled"), default: true) {
                let text = ctx.render(flavor: .postgres, inventory: graph.inventoryName)
                tree.add(GeneratedFile(path: "/pg/data/pg_hba.conf", content: text, owner: dbsu, group: "postgres",
                                       mode: 0o600, producer: "pg_hba:\(instance.name)"), on: instance.ip)
            }
            if HBAContext.truthy(h.value("pgbouncer_enabled"), default: true) {
                let text = ctx.render(flavor: .pgbouncer, inventory: graph.inventoryName)
                tree.add(GeneratedFile(path: "/etc/pgbouncer/pgb_hba.conf", content: text, owner: dbsu,
                                       group: "postgres", mode: 0o600, producer: "pgb_hba:\(instance.name)"),
                         on: instance.ip)
            }
        }
    }
}

/// What instances share, rendered once: rule lists in their order, and rule texts that depend
/// only on the rule, the flavor, whether it applies, and the aliases other than `cluster`.
private final class HBAMemo {
    struct ListKey: Hashable { let defaults: ObjectIdentifier?, user: ObjectIdentifier? }
    struct RuleKey: Hashable {
        let rule: ObjectIdentifier
        let flavor: HBAContext.Flavor
        let enabled: Bool
        /// `HBAContext.context`.
        let context: Int
    }
    var lists: [ListKey: [YAMLNode]] = [:]
    /// nil: the rule names the cluster's members and is rendered per instance.
    var rules: [RuleKey: String?] = [:]
    var contexts: [String: Int] = [:]

    /// A number per distinct list of values (each value length-prefixed, so no two lists collide).
    func context(_ values: [String]) -> Int {
        let fingerprint = values.map { "\($0.utf8.count):\($0)" }.joined()
        if let id = contexts[fingerprint] { return id }
        contexts[fingerprint] = contexts.count
        return contexts.count - 1
    }
}

/// Everything one instance's HBA files are rendered from.
private struct HBAContext {
    enum Flavor {
        case postgres, pgbouncer
        var defaultList: String { self == .postgres ? "pg_default_hba_rules" : "pgb_default_hba_rules" }
        var userList: String { self == .postgres ? "pg_hba_rules" : "pgb_hba_rules" }
    }

    let host: ResolvedHost
    let instance: PgInstanceResource
    /// `groups['infra']` in group order.
    let infra: [String]
    /// `pg_cluster_members`: string-sorted member IPs.
    let members: [String]
    /// The infra IPs string-sorted, as the `infra` address alias lists them.
    let sortedInfra: [String]
    let memo: HBAMemo
    /// `${dbsu}`, `${repl}`, `${monitor}`, `${admin}` → user names.
    let users: [String: String]
    let pwdenc: String
    let adminIP: String
    /// `node_firewall_intranet`, as CIDR strings.
    let intranet: [String]
    /// The interned values a rule's text depends on besides the rule, its flavor and whether it
    /// applies, `cluster` aside (infra is the same for every instance).
    let context: Int

    init(host: ResolvedHost, instance: PgInstanceResource, infra: [String], members: [String], memo: HBAMemo) {
        self.host = host
        self.instance = instance
        self.infra = infra
        self.members = members
        self.memo = memo
        sortedInfra = infra.sorted()
        func string(_ name: String, _ fallback: String) -> String { host.value(name).map(Self.str) ?? fallback }
        let dbsu = string("pg_dbsu", "postgres"), repl = string("pg_replication_username", "replicator")
        let monitor = string("pg_monitor_username", "dbuser_monitor"), admin = string("pg_admin_username", "dbuser_dba")
        users = ["${dbsu}": dbsu, "${repl}": repl, "${monitor}": monitor, "${admin}": admin]
        if case .string("md5")? = host.value("pg_pwd_enc")?.value { pwdenc = "md5" } else { pwdenc = "scram-sha-256" }
        adminIP = string("admin_ip", "10.10.10.10")
        if let v = host.value("node_firewall_intranet") {
            intranet = v.sequence.map { $0.map { Self.str($0) } } ?? []
        } else {
            intranet = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]
        }
        context = memo.context([dbsu, repl, monitor, admin, pwdenc, adminIP] + intranet)
    }

    static let roles: Set<String> = ["default", "common", "primary", "replica", "offline", "standby", "delayed"]
    static let sslAuths: Set<String> = ["ssl", "ssl-md5", "ssl-sha", "cert"]

    /// Jinja `x|bool` as Ansible defines it; `default` when the variable is undefined.
    static func truthy(_ node: YAMLNode?, default d: Bool) -> Bool {
        guard let node else { return d }
        switch node.value {
        case .bool(let b)?: return b
        case .int(let i)?: return i == 1
        case .float(let f)?: return f == 1
        case .string(let s)?: return ["yes", "on", "1", "true"].contains(s.lowercased())
        default: return false
        }
    }

    /// Python `str()` of a YAML value: scalars via `YAMLNode.describe`, containers as their repr.
    static func str(_ node: YAMLNode?) -> String {
        guard let node else { return "" }
        if let v = node.value { return YAMLNode.describe(v) }
        return repr(node)
    }

    private static func repr(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let s):
            switch s.value {
            case .string(let t), .timestamp(let t):
                let q = t.contains("'") && !t.contains("\"") ? "\"" : "'"
                var out = q
                for c in t {
                    switch c {
                    case "\\": out += "\\\\"
                    case "\n": out += "\\n"
                    case "\t": out += "\\t"
                    case "\r": out += "\\r"
                    case "'" where q == "'": out += "\\'"
                    default: out.append(c)
                    }
                }
                return out + q
            default: return YAMLNode.describe(s.value)
            }
        case .sequence(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .mapping(let pairs): return "{" + pairs.map { repr($0.key) + ": " + repr($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// A rule field as Jinja's `hba.x if 'x' in hba and hba.x != '' else fallback` reads it.
    static func field(_ rule: YAMLNode, _ key: String) -> YAMLNode? {
        guard let v = rule[key] else { return nil }
        if case .string(let s)? = v.value, s.isEmpty { return nil }
        // A null is treated as unset (the front end accepts it; the template would print `None`
        // or abort on it).
        if v.isNull { return nil }
        return v
    }

    func string(_ name: String, _ fallback: String) -> String {
        host.value(name).map(Self.str) ?? fallback
    }

    func authMapping(_ flavor: Flavor) -> [String: String] {
        let os = flavor == .postgres ? "ident" : "peer"
        let p = pwdenc
        return ["deny": "reject", "pwd": p, "ssl": p, "sha": "scram-sha-256", "cert": "cert", "ssl-md5": "md5",
                "ssl-sha": "scram-sha-256", "md5": "md5", "os": os, "ident": os, "peer": "peer", "trust": "trust",
                "reject": "reject", "scram-sha-256": "scram-sha-256"]
    }

    /// Default rules then user rules; rules with an `order` first (stable by order), the rest after
    /// in list order.
    func rules(_ flavor: Flavor) -> [YAMLNode] {
        let defaults = host.value(flavor.defaultList), user = host.value(flavor.userList)
        let key = HBAMemo.ListKey(defaults: defaults.map(ObjectIdentifier.init), user: user.map(ObjectIdentifier.init))
        if let known = memo.lists[key] { return known }
        let ordered = Self.ordered((defaults?.sequence ?? []) + (user?.sequence ?? []))
        memo.lists[key] = ordered
        return ordered
    }

    static func ordered(_ all: [YAMLNode]) -> [YAMLNode] {
        let ordered = all.enumerated().filter { $0.element.mapping != nil && $0.element["order"] != nil }
        let unordered = all.filter { $0.mapping == nil || $0["order"] == nil }
        let sorted = ordered.sorted { a, b in
            let c = Self.compareOrder(a.element["order"]!, b.element["order"]!)
            return c != 0 ? c < 0 : a.offset < b.offset
        }.map(\.element)
        return sorted + unordered
    }

    /// Python's comparison of two `order` values (Jinja `sort` folds string case); values Python
    /// cannot compare are ranked by kind so the result stays deterministic.
    static func compareOrder(_ a: YAMLNode, _ b: YAMLNode) -> Int {
        func key(_ n: YAMLNode) -> (Int, Double, String) {
            switch n.value {
            case .int(let i)?: return (0, Double(i), "")
            case .float(let f)?: return (0, f, "")
            case .bool(let x)?: return (0, x ? 1 : 0, "")
            case .bigInt(let s)?: return (0, Double(s) ?? 0, "")
            case .string(let s)?: return (1, 0, s.lowercased())
            default: return (2, 0, str(n))
            }
        }
        let x = key(a), y = key(b)
        if x.0 != y.0 { return x.0 < y.0 ? -1 : 1 }
        if x.1 != y.1 { return x.1 < y.1 ? -1 : 1 }
        if x.2 != y.2 { return x.2 < y.2 ? -1 : 1 }
        return 0
    }

    func render(flavor: Flavor, inventory: String) -> String {
        let what = flavor == .postgres ? "PostgreSQL host-based authentication" : "Pgbouncer host-based authentication"
        var out = Header.hash(what, node: instance.ip, inventory: inventory)
        out += "# instance  : \(instance.name) [\(instance.role)] @ \(instance.ip)"
        out += flavor == .postgres ? ":\(string("pg_port", "5432"))\n" : ":\(string("pgbouncer_port", "6432"))\n"
        out += "\n# addr alias\n"
        out += "# local     : \(string("pg_localhost", "/var/run/postgresql"))\n"
        out += "# admin     : \(adminIP)\n"
        out += "# infra     : \(infra.joined(separator: ", "))\n"
        out += "# intra     : \(intranet.joined(separator: ", "))\n"
        out += "# cluster   : \(members.joined(separator: ", "))\n"
        out += "\n# user alias\n"
        out += "# dbsu    :  \(users["${dbsu}"] ?? "")\n"
        out += "# repl    :  \(users["${repl}"] ?? "")\n"
        out += "# monitor :  \(users["${monitor}"] ?? "")\n"
        out += "# admin   :  \(users["${admin}"] ?? "")\n\n"
        let auths = authMapping(flavor)
        let offline = Self.truthy(host.value("pg_offline_query"), default: false)
        for rule in rules(flavor) {
            guard rule.mapping != nil else { continue }
            let role = Self.field(rule, "role").map(Self.str) ?? "default"
            let enabled = role == "default" || role == "common" || role == instance.role || (role == "offline" && offline)
            let key = HBAMemo.RuleKey(rule: ObjectIdentifier(rule), flavor: flavor, enabled: enabled, context: context)
            if let known = memo.rules[key], let text = known {
                out += text
                continue
            }
            var perCluster = false
            let text = renderRule(rule, flavor: flavor, role: role, enabled: enabled, auths: auths, perCluster: &perCluster)
            // Rules that list the cluster's members are rendered per instance.
            memo.rules[key] = .some(perCluster ? nil : text)
            out += text
        }
        return out
    }

    /// One rule: its title line, its lines (commented out when the rule does not apply to this
    /// instance), a blank line.
    /// `perCluster` is set when the text lists the cluster's members.
    func renderRule(_ rule: YAMLNode, flavor: Flavor, role: String, enabled: Bool, auths: [String: String],
                    perCluster: inout Bool) -> String {
        let prefix = enabled ? "" : "#"
        let title = "# " + (rule["title"].map(Self.str) ?? "") + " [\(role)] " + (enabled ? "" : "[DISABLED]") + "\n"

        // Raw lines win over addr/user/db/auth.
        if let raw = rule["rules"] {
            var lines: [String] = []
            if let items = raw.sequence { lines = items.map(Self.str) }
            else if case .string(let s)? = raw.value { lines = s.map { String($0) } }
            if !lines.isEmpty {
                return title + lines.map { prefix + $0 + "\n" }.joined() + "\n"
            }
        }
        guard let addrNode = Self.field(rule, "addr") else { return "" }
        let addr = Self.str(addrNode)
        var user = Self.field(rule, "user").map(Self.str) ?? "all"
        if case .string(let u)? = Self.field(rule, "user")?.value, let mapped = users[u] { user = mapped }
        let db = Self.field(rule, "db").map(Self.str) ?? "all"
        let authName = Self.field(rule, "auth").map(Self.str) ?? pwdenc
        let auth = auths[authName] ?? authName
        var conn = "host"
        if case .string(let a)? = rule["auth"]?.value, Self.sslAuths.contains(a) { conn = "hostssl" }

        let d = Jinja.pad(db, 18), u = Jinja.pad(user, 18)
        func line(_ address: String) -> String {
            "\(prefix)\(Jinja.pad(conn, 8)) \(d) \(u) \(Jinja.pad(address, 18)) \(auth)\n"
        }
        let localLine = "\(prefix)local    \(d) \(u)                    \(auth)\n"
        var body = ""
        switch addr {
        case "local":
            body = localLine
        case "localhost":
            body = localLine
                + "\(prefix)host     \(d) \(u) 127.0.0.1/32       \(auth)\n"
                + "\(prefix)host     \(d) \(u) ::1/128            \(auth)\n"
        case "admin":
            body = line(adminIP + "/32")
        case "infra":
            body = sortedInfra.map { line($0 + "/32") }.joined()
        case "cluster":
            perCluster = true
            body = members.map { line($0 + "/32") }.joined()
        case "intra", "intranet":
            body = intranet.map(line).joined()
        case "world", "all":
            if flavor == .postgres {
                body = line("0.0.0.0/0") + line("::/0")
            } else {
                body = "\(prefix)\(Jinja.pad(conn, 8)) \(d) \(u) 0.0.0.0/0 \(auth)\n"
                    + "\(prefix)\(Jinja.pad(conn, 8)) \(d) \(u) ::/0      \(auth)\n"
            }
        default:
            body = line(addr)
        }
        return title + body + "\n"
    }
}
