import PigstyInventory
import PigstyYAML

/// The four user aliases of HBA rules (`${dbsu}`, `${repl}`, `${monitor}`, `${admin}`).
public struct HBAUsers: Sendable, Equatable {
    public let dbsu: String
    public let repl: String
    public let monitor: String
    public let admin: String
}

/// Which HBA file a rule set is for.
public enum HBAFlavor: Sendable, Hashable {
    case postgres, pgbouncer
    var defaultList: String { self == .postgres ? "pg_default_hba_rules" : "pgb_default_hba_rules" }
    var userList: String { self == .postgres ? "pg_hba_rules" : "pgb_hba_rules" }
}

/// Where an HBA rule's lines apply.
public enum HBAAddress: Sendable, Equatable {
    /// One `local` line.
    case local
    /// A `local` line and host lines for 127.0.0.1/32 and ::1/128.
    case localhost
    /// One host line per address (CIDR text), padded to the address column.
    case hosts([String])
    /// Pgbouncer's form of `world`: 0.0.0.0/0 and ::/0, addresses not padded.
    case world
}

/// One rule, fully resolved: aliases replaced, authentication mapped, whether it applies. Rules are
/// shared by every instance they resolve alike for (renderers may memoise by identity).
public final class HBARule: Sendable {
    public enum Body: Sendable, Equatable {
        /// Lines given verbatim (`rules`).
        case raw([String])
        /// `<conn> <db> <user> <addr> <auth>` lines.
        case entries(conn: String, db: String, user: String, address: HBAAddress, auth: String)
    }

    /// `title` as Jinja prints it.
    public let title: String
    /// `role`, `default` when unset.
    public let role: String
    /// Whether the rule applies to the instance (otherwise its lines are commented out).
    public let enabled: Bool
    public let body: Body

    init(title: String, role: String, enabled: Bool, body: Body) {
        self.title = title
        self.role = role
        self.enabled = enabled
        self.body = body
    }
}

/// An instance's rules for one file, in order. Instances whose rules resolve alike share the list.
public final class HBARuleList: Sendable {
    public let rules: [HBARule]
    init(_ rules: [HBARule]) { self.rules = rules }
}

/// Everything an instance's HBA files show: identity, the aliases, the rule lists.
public struct HBAInstance: Sendable {
    public let ip: String
    public let name: String
    public let role: String
    /// Owner of the files: `pg_dbsu` (`postgres` when empty).
    public let owner: String
    public let pgPort: String
    public let pgbouncerPort: String
    /// `pg_localhost` (the `local` alias).
    public let localhost: String
    public let adminIP: String
    /// `groups['infra']` in group order.
    public let infra: [String]
    /// `node_firewall_intranet`, as CIDR strings.
    public let intranet: [String]
    /// `pg_cluster_members`: string-sorted member IPs.
    public let members: [String]
    public let users: HBAUsers
    /// `pg_hba.conf` rules; nil when Patroni (which renders the file) is disabled.
    public let postgres: HBARuleList?
    /// `pgb_hba.conf` rules; nil when Pgbouncer is disabled.
    public let pgbouncer: HBARuleList?
}

/// Lowers `pg_default_hba_rules + pg_hba_rules` and `pgb_default_hba_rules + pgb_hba_rules` of
/// every instance. Rules and whole lists are interned: instances resolving them alike share them.
struct HBALowering {
    let graph: ResourceGraph

    final class Memo {
        struct OrderKey: Hashable { let defaults: ObjectIdentifier?, user: ObjectIdentifier? }
        struct RuleKey: Hashable {
            let rule: ObjectIdentifier
            let flavor: HBAFlavor
            let enabled: Bool
            let context: Int
            /// The cluster, for rules that list its members; "" otherwise.
            let cluster: String
        }
        struct ListKey: Hashable {
            let order: OrderKey
            let flavor: HBAFlavor
            let role: String
            let offline: Bool
            let context: Int
            let cluster: String
        }
        struct RuleInfo { let role: String, cluster: Bool }
        var ordered: [OrderKey: [YAMLNode]] = [:]
        var info: [ObjectIdentifier: RuleInfo] = [:]
        /// nil: the rule renders nothing (no `addr`, no `rules`).
        var rules: [RuleKey: HBARule?] = [:]
        var lists: [ListKey: HBARuleList] = [:]
        var contexts: [String: Int] = [:]

        /// A number per distinct list of values (each value length-prefixed, so no two lists collide).
        func context(_ values: [String]) -> Int {
            let fingerprint = values.map { "\($0.utf8.count):\($0)" }.joined()
            if let id = contexts[fingerprint] { return id }
            contexts[fingerprint] = contexts.count
            return contexts.count - 1
        }
    }

    static let sslAuths: Set<String> = ["ssl", "ssl-md5", "ssl-sha", "cert"]

    func lower() -> [HBAInstance] {
        let memo = Memo()
        let infra = graph.infraNodes.map(\.ip)
        let sortedInfra = infra.sorted()
        return graph.pgInstances.map { ins in
            let h = ins.host
            let cluster = graph.pgCluster(ins.cluster)
            let members = cluster?.identity.sortedIPs ?? [ins.ip]
            let clusterKey = cluster != nil ? "c:" + ins.cluster : "i:" + ins.ip
            let users = HBAUsers(dbsu: Jinja.text(h.value("pg_dbsu")), repl: Jinja.text(h.value("pg_replication_username")),
                                 monitor: Jinja.text(h.value("pg_monitor_username")),
                                 admin: Jinja.text(h.value("pg_admin_username")))
            let pwdenc: String
            if case .string("md5")? = h.value("pg_pwd_enc")?.value { pwdenc = "md5" } else { pwdenc = "scram-sha-256" }
            let adminIP = Jinja.text(h.value("admin_ip"))
            let intranet = h.value("node_firewall_intranet")?.sequence.map { $0.map { Jinja.text($0) } } ?? []
            let context = memo.context([users.dbsu, users.repl, users.monitor, users.admin, pwdenc, adminIP] + intranet)
            let env = Env(users: users, pwdenc: pwdenc, adminIP: adminIP, intranet: intranet, sortedInfra: sortedInfra,
                          members: members, role: ins.role, offline: Jinja.bool(h.value("pg_offline_query")),
                          context: context, cluster: clusterKey)
            return HBAInstance(
                ip: ins.ip, name: ins.name, role: ins.role, owner: h.string("pg_dbsu") ?? "postgres",
                pgPort: Jinja.text(h.value("pg_port")), pgbouncerPort: Jinja.text(h.value("pgbouncer_port")),
                localhost: Jinja.text(h.value("pg_localhost")), adminIP: adminIP, infra: infra, intranet: intranet,
                members: members, users: users,
                postgres: ins.patroniEnabled ? list(.postgres, h, env, memo) : nil,
                pgbouncer: ins.pgbouncerEnabled ? list(.pgbouncer, h, env, memo) : nil)
        }
    }

    /// What a rule resolves against, besides the rule and the flavor.
    struct Env {
        let users: HBAUsers
        let pwdenc: String
        let adminIP: String
        let intranet: [String]
        let sortedInfra: [String]
        let members: [String]
        let role: String
        let offline: Bool
        let context: Int
        let cluster: String

        func user(_ alias: String) -> String? {
            switch alias {
            case "${dbsu}": return users.dbsu
            case "${repl}": return users.repl
            case "${monitor}": return users.monitor
            case "${admin}": return users.admin
            default: return nil
            }
        }
    }

    func list(_ flavor: HBAFlavor, _ h: ResolvedHost, _ env: Env, _ memo: Memo) -> HBARuleList {
        let defaults = h.value(flavor.defaultList), user = h.value(flavor.userList)
        let orderKey = Memo.OrderKey(defaults: defaults.map(ObjectIdentifier.init), user: user.map(ObjectIdentifier.init))
        let key = Memo.ListKey(order: orderKey, flavor: flavor, role: env.role, offline: env.offline,
                               context: env.context, cluster: env.cluster)
        if let known = memo.lists[key] { return known }
        let all: [YAMLNode]
        if let known = memo.ordered[orderKey] { all = known } else {
            all = Self.ordered((defaults?.sequence ?? []) + (user?.sequence ?? []))
            memo.ordered[orderKey] = all
        }
        var rules: [HBARule] = []
        for node in all where node.mapping != nil {
            let id = ObjectIdentifier(node)
            let info: Memo.RuleInfo
            if let known = memo.info[id] { info = known } else {
                info = Memo.RuleInfo(role: Self.field(node, "role").map { Jinja.text($0) } ?? "default",
                                     cluster: Self.field(node, "addr").map { Jinja.text($0) } == "cluster")
                memo.info[id] = info
            }
            let role = info.role
            let enabled = role == "default" || role == "common" || role == env.role || (role == "offline" && env.offline)
            let ruleKey = Memo.RuleKey(rule: id, flavor: flavor, enabled: enabled, context: env.context,
                                       cluster: info.cluster ? env.cluster : "")
            if let known = memo.rules[ruleKey] {
                if let r = known { rules.append(r) }
                continue
            }
            let r = Self.rule(node, flavor: flavor, role: role, enabled: enabled, env: env)
            memo.rules[ruleKey] = .some(r)
            if let r { rules.append(r) }
        }
        let result = HBARuleList(rules)
        memo.lists[key] = result
        return result
    }

    /// A rule field as Jinja's `hba.x if 'x' in hba and hba.x != '' else fallback` reads it.
    static func field(_ rule: YAMLNode, _ key: String) -> YAMLNode? {
        guard let v = rule[key] else { return nil }
        if Jinja.isEmptyString(v) { return nil }
        // A null is treated as unset (the front end accepts it; the template would print `None`
        // or abort on it).
        if v.isNull { return nil }
        return v
    }

    static func auth(_ name: String, flavor: HBAFlavor, pwdenc: String) -> String {
        switch name {
        case "deny", "reject": return "reject"
        case "pwd", "ssl": return pwdenc
        case "sha", "ssl-sha", "scram-sha-256": return "scram-sha-256"
        case "cert": return "cert"
        case "ssl-md5", "md5": return "md5"
        case "os", "ident": return flavor == .postgres ? "ident" : "peer"
        case "peer": return "peer"
        case "trust": return "trust"
        default: return name
        }
    }

    /// One rule resolved; nil when it renders nothing (neither lines nor an address).
    static func rule(_ rule: YAMLNode, flavor: HBAFlavor, role: String, enabled: Bool, env: Env) -> HBARule? {
        let title = rule["title"].map { Jinja.text($0) } ?? ""
        // Raw lines win over addr/user/db/auth.
        if let raw = rule["rules"] {
            var lines: [String] = []
            if let items = raw.sequence { lines = items.map { Jinja.text($0) } }
            // A string is iterated by code point, as Python does.
            else if case .string(let s)? = raw.value { lines = s.unicodeScalars.map { String($0) } }
            if !lines.isEmpty { return HBARule(title: title, role: role, enabled: enabled, body: .raw(lines)) }
        }
        guard let addrNode = field(rule, "addr") else { return nil }
        let addr = Jinja.text(addrNode)
        let userNode = field(rule, "user")
        var user = userNode.map { Jinja.text($0) } ?? "all"
        if case .string(let u)? = userNode?.value, let mapped = env.user(u) { user = mapped }
        let db = field(rule, "db").map { Jinja.text($0) } ?? "all"
        let authName = field(rule, "auth").map { Jinja.text($0) } ?? env.pwdenc
        var conn = "host"
        if case .string(let a)? = rule["auth"]?.value, sslAuths.contains(a) { conn = "hostssl" }
        let address: HBAAddress
        switch addr {
        case "local": address = .local
        case "localhost": address = .localhost
        case "admin": address = .hosts([env.adminIP + "/32"])
        case "infra": address = .hosts(env.sortedInfra.map { $0 + "/32" })
        case "cluster": address = .hosts(env.members.map { $0 + "/32" })
        case "intra", "intranet": address = .hosts(env.intranet)
        case "world", "all": address = flavor == .postgres ? .hosts(["0.0.0.0/0", "::/0"]) : .world
        default: address = .hosts([addr])
        }
        return HBARule(title: title, role: role, enabled: enabled,
                       body: .entries(conn: conn, db: db, user: user, address: address,
                                      auth: auth(authName, flavor: flavor, pwdenc: env.pwdenc)))
    }

    /// Rules with an `order` first (stable by order), the rest after in list order.
    static func ordered(_ all: [YAMLNode]) -> [YAMLNode] {
        let ordered = all.enumerated().filter { $0.element.mapping != nil && $0.element["order"] != nil }
        let unordered = all.filter { $0.mapping == nil || $0["order"] == nil }
        let sorted = ordered.sorted { a, b in
            let c = compareOrder(a.element["order"]!, b.element["order"]!)
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
            default: return (2, 0, Jinja.text(n))
            }
        }
        let x = key(a), y = key(b)
        if x.0 != y.0 { return x.0 < y.0 ? -1 : 1 }
        if x.1 != y.1 { return x.1 < y.1 ? -1 : 1 }
        if x.2 != y.2 { return x.2 < y.2 ? -1 : 1 }
        return 0
    }
}
