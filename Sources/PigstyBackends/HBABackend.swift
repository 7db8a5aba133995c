import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// Host-based authentication: `/pg/data/pg_hba.conf` on every PostgreSQL instance (rendered by
/// Pigsty's patroni tasks, so only when `patroni_enabled`) and `/etc/pgbouncer/pgb_hba.conf` (when
/// `pgbouncer_enabled`), from the rule lists lowered in `graph.access.hba`.
struct HBABackend: Backend {
    let name = "hba"
    /// Inside the data directory: written only once Patroni has initialised it (a file there
    /// before would keep Patroni from running initdb).
    static let hbaApply = ApplyClass.in(.pgsql, .reload("patroni")).afterStart(of: "patroni")
    static let pgbHbaApply = ApplyClass.in(.pgbouncer, .reload("pgbouncer"))

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        var memo = HBARenderMemo()
        for ins in graph.access.hba {
            if let rules = ins.postgres {
                let text = Self.render(ins, rules, flavor: .postgres, memo: &memo)
                tree.add(GeneratedFile(path: "/pg/data/pg_hba.conf", content: text, owner: ins.owner, group: "postgres",
                                       mode: 0o600, producer: "pg_hba:\(ins.name)",
                                       apply: Self.hbaApply), on: ins.ip)
            }
            if let rules = ins.pgbouncer {
                let text = Self.render(ins, rules, flavor: .pgbouncer, memo: &memo)
                tree.add(GeneratedFile(path: "/etc/pgbouncer/pgb_hba.conf", content: text, owner: ins.owner,
                                       group: "postgres", mode: 0o600, producer: "pgb_hba:\(ins.name)",
                                       apply: Self.pgbHbaApply), on: ins.ip)
            }
        }
    }

    /// A file: the header with the aliases, then the rules.
    static func render(_ ins: HBAInstance, _ rules: HBARuleList, flavor: HBAFlavor,
                       memo: inout HBARenderMemo) -> String {
        let what = flavor == .postgres ? "PostgreSQL host-based authentication" : "Pgbouncer host-based authentication"
        var w = LineWriter()
        w.verbatim(Header.hash(what, node: ins.ip))
        w.comment("instance  : \(ins.name) [\(ins.role)] @ \(ins.ip):\(flavor == .postgres ? ins.pgPort : ins.pgbouncerPort)")
        w.blank()
        w.comment("addr alias")
        w.comment("local     : \(ins.localhost)")
        w.comment("admin     : \(ins.adminIP)")
        w.comment("infra     : \(ins.infra.joined(separator: ", "))")
        w.comment("intra     : \(ins.intranet.joined(separator: ", "))")
        w.comment("cluster   : \(ins.members.joined(separator: ", "))")
        w.blank()
        w.comment("user alias")
        w.comment("dbsu    :  \(ins.users.dbsu)")
        w.comment("repl    :  \(ins.users.repl)")
        w.comment("monitor :  \(ins.users.monitor)")
        w.comment("admin   :  \(ins.users.admin)")
        w.blank()
        w.append(memo.body(rules))
        return w.text
    }

    /// One rule: its title line, its lines (commented out when the rule does not apply to this
    /// instance), a blank line.
    static func render(_ rule: HBARule) -> LineWriter {
        var w = LineWriter()
        let prefix = rule.enabled ? "" : "#"
        w.comment("\(rule.title) [\(rule.role)] \(rule.enabled ? "" : "[DISABLED]")")
        switch rule.body {
        case .raw(let lines):
            for l in lines { w.line(prefix + l) }
        case .entries(let conn, let db, let user, let address, let auth):
            let d = LineWriter.pad(db, 18), u = LineWriter.pad(user, 18), c = LineWriter.pad(conn, 8)
            let local = "\(prefix)local    \(d) \(u)                    \(auth)"
            switch address {
            case .local:
                w.line(local)
            case .localhost:
                w.line(local)
                w.line("\(prefix)host     \(d) \(u) 127.0.0.1/32       \(auth)")
                w.line("\(prefix)host     \(d) \(u) ::1/128            \(auth)")
            case .hosts(let addresses):
                for a in addresses { w.line("\(prefix)\(c) \(d) \(u) \(LineWriter.pad(a, 18)) \(auth)") }
            case .world:
                w.line("\(prefix)\(c) \(d) \(u) 0.0.0.0/0 \(auth)")
                w.line("\(prefix)\(c) \(d) \(u) ::/0      \(auth)")
            }
        }
        w.blank()
        return w
    }
}

/// Rule texts and whole rule-list texts rendered once, by the identity of the shared resources.
struct HBARenderMemo {
    private var rules: [ObjectIdentifier: LineWriter] = [:]
    private var lists: [ObjectIdentifier: LineWriter] = [:]

    mutating func body(_ list: HBARuleList) -> LineWriter {
        if let known = lists[ObjectIdentifier(list)] { return known }
        var w = LineWriter()
        for rule in list.rules {
            if let known = rules[ObjectIdentifier(rule)] { w.append(known); continue }
            let text = HBABackend.render(rule)
            rules[ObjectIdentifier(rule)] = text
            w.append(text)
        }
        lists[ObjectIdentifier(list)] = w
        return w
    }
}
