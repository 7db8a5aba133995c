import PigstyJMESPath
import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// HAProxy: `/etc/haproxy/haproxy.cfg` on every node with `haproxy_enabled`, one
/// `/etc/haproxy/conf.d/<name>.cfg` per `haproxy_services` entry on those nodes, and one
/// `/etc/haproxy/conf.d/<pg_cluster>-<service>.cfg` per PostgreSQL service (`pg_default_services` +
/// `pg_services`) on every cluster member, or on every node of the `pg_service_provider` group.
///
/// PostgreSQL service members are chosen by JMESPath over the cluster's hosts as `hostvars` shows
/// them (inventory variables only, no role defaults, inventory order); each member's port, check
/// port, weight and TLS check come from that member's own inventory variables.
struct HAProxyBackend: Backend {
    let name = "haproxy"

    /// default-server options of generic services without a `default`.
    static let genericDefaultServer =
        "inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100"
    /// Health-check timings of the `norm` RTO plan (inter, fastinter, downinter, rise, fall), used
    /// when `pg_rto_plan` lacks a usable entry.
    static let normTimings = ["2s", "1s", "2s", "3", "3"]

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        for node in graph.nodes where Value.bool(node.host.value("haproxy_enabled")) {
            tree.add(GeneratedFile(path: "/etc/haproxy/haproxy.cfg", content: globalConfig(node, graph: graph),
                                   owner: "root", group: "root", mode: 0o600, producer: "haproxy:\(node.ip)"),
                     on: node.ip)
            for svc in node.host.value("haproxy_services")?.sequence ?? [] {
                guard let name = Value.present(svc["name"]).map(Value.text), !name.isEmpty else { continue }
                tree.add(GeneratedFile(path: "/etc/haproxy/conf.d/\(name).cfg",
                                       content: genericService(svc, name: name, node: node, graph: graph),
                                       producer: "haproxy_service:\(name)"), on: node.ip)
            }
        }
        var services = PgServices(graph: graph, sink: sink)
        for cluster in graph.resolved.pgClusters {
            services.emit(cluster, into: &tree)
        }
    }

    // MARK: - haproxy.cfg

    func globalConfig(_ node: NodeResource, graph: ResourceGraph) -> String {
        let h = node.host
        let admin = Self.word(Value.text(h.value("haproxy_admin_username")))
        let password = Self.word(Value.text(h.value("haproxy_admin_password")))
        var out = Header.hash("haproxy global configuration", node: node.ip, inventory: graph.inventoryName)
        out += """
        # node \(node.nodename) @ \(node.ip); services are loaded from /etc/haproxy/conf.d

        global
            user        haproxy
            group       haproxy
            node        \(node.nodename)
            pidfile     /var/run/haproxy.pid
            stats socket /var/run/haproxy.sock mode 600 level admin
            maxconn     65535

        defaults
            mode               tcp
            retries            3
            timeout queue      3s
            timeout connect    3s
            timeout client     \(Value.text(h.value("haproxy_client_timeout")))
            timeout server     \(Value.text(h.value("haproxy_server_timeout")))
            timeout check      3s

        # admin users may change server states on the stats page; haproxy/haproxy may only read it
        userlist stats-auth
            group admin users \(admin)
            user \(admin)  insecure-password \(password)
            group readonly users haproxy
            user haproxy insecure-password haproxy

        # stats page and prometheus exporter
        listen stats
            bind *:\(Value.text(h.value("haproxy_exporter_port")))
            mode  http
            stats enable
            stats hide-version
            stats uri /haproxy/\(node.nodename)/
            stats refresh 30s
            stats show-node
            acl AUTH       http_auth(stats-auth)
            acl AUTH_ADMIN http_auth_group(stats-auth) admin
            stats http-request auth unless AUTH
            stats admin if AUTH_ADMIN
            http-request use-service prometheus-exporter if { path \(Value.text(h.value("exporter_metrics_path"))) }

        """
        return out
    }

    /// A value as one HAProxy word: verbatim when it holds nothing HAProxy's tokenizer treats
    /// specially, else single-quoted (a `'` inside becomes `'\''`).
    static func word(_ s: String) -> String {
        let special = s.isEmpty || s.contains { $0.isWhitespace || $0 == "#" || $0 == "\\" || $0 == "'" || $0 == "\"" }
        guard special else { return s }
        return "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
    }

    // MARK: - haproxy_services

    func genericService(_ svc: YAMLNode, name: String, node: NodeResource, graph: ResourceGraph) -> String {
        func field(_ key: String, _ fallback: String) -> String { Value.present(svc[key]).map(Value.text) ?? fallback }
        let port = field("port", "")
        var out = Header.hash("haproxy service \(name)", node: node.ip, inventory: graph.inventoryName)
        out += "# listens on \(field("ip", "*")):\(port) of \(node.ip)\n"
        out += "listen \(name)\n"
        out += "    bind \(field("ip", "*")):\(port)\n"
        out += "    mode \(field("protocol", "tcp"))\n"
        out += "    maxconn \(field("maxconn", "10000"))\n"
        out += "    balance \(field("balance", "roundrobin"))\n"
        if let options = Value.present(svc["options"]) {
            for line in options.sequence ?? [options] { out += "    \(Value.text(line))\n" }
        }
        out += "    default-server \(field("default", Self.genericDefaultServer))\n\n"
        for server in svc["servers"]?.sequence ?? [] {
            var words = ["server", Value.present(server["name"]).map(Value.text) ?? "",
                         "\(Value.present(server["ip"]).map(Value.text) ?? ""):\(Value.present(server["port"]).map(Value.text) ?? "")"]
            if Value.bool(server["backup"]) { words.append("backup") }
            if let w = Value.present(server["weight"]), (0..<256).contains(Value.jinjaInt(w)) {
                words.append("weight \(Value.text(w))")
            }
            if let o = Value.present(server["options"]).map(Value.text), !o.isEmpty { words.append(o) }
            out += "    " + words.joined(separator: " ") + "\n"
        }
        return out
    }
}

// MARK: - PostgreSQL services

extension HAProxyBackend {
    struct PgServices {
        let graph: ResourceGraph
        let sink: DiagnosticSink
        /// Expressions already parsed, by text; failures hold the error.
        var parsed: [String: Result<JMESPath.Expr, JMESPath.ParseError>] = [:]
        /// Source positions whose parse error has been reported.
        var reported = Set<String>()

        init(graph: ResourceGraph, sink: DiagnosticSink) {
            self.graph = graph
            self.sink = sink
        }

        mutating func emit(_ cluster: PgCluster, into tree: inout FileTree) {
            let members = cluster.members.map { graph.resolved.hosts[$0] }
            var converted: [ObjectIdentifier: JSONValue] = [:]
            let values = members.map { JMESPath.hostValue($0, converted: &converted) }
            var memo = ClusterMemo()
            for h in members {
                // Each member renders its services with its own variables: onto itself, or — when
                // `pg_service_provider` names a group — the primary renders them onto that group.
                let provider = Value.present(h.value("pg_service_provider")).map(Value.text) ?? ""
                let targets: [String]
                if provider.isEmpty || graph.resolved.inventory.groups[provider] == nil {
                    targets = [h.name]
                } else if h.binding("pg_role").map({ Value.text($0.value) }) == "primary" {
                    targets = graph.resolved.inventory.hosts(inGroup: provider)
                } else {
                    continue
                }
                let list = (h.value("pg_default_services")?.sequence ?? []) + (h.value("pg_services")?.sequence ?? [])
                for svc in list {
                    guard let name = Value.present(svc["name"]).map(Value.text), !name.isEmpty,
                          let content = service(svc, name: name, cluster: cluster.name, renderer: h,
                                                members: members, values: values, memo: &memo)
                    else { continue }
                    for target in targets {
                        var file = GeneratedFile(path: "/etc/haproxy/conf.d/\(cluster.name)-\(name).cfg", content: "",
                                                 producer: "pg_service:\(cluster.name)-\(name)")
                        file.content = Header.hash("haproxy service \(cluster.name)-\(name)", node: target,
                                                   inventory: graph.inventoryName) + content
                        tree.add(file, on: target)
                    }
                }
            }
        }

        /// A parsed selector/backup expression; nil (and a diagnostic, once per site) when invalid.
        mutating func expression(_ node: YAMLNode, what: String, service: String) -> JMESPath.Expr? {
            let text = Value.text(node)
            let result: Result<JMESPath.Expr, JMESPath.ParseError>
            if let r = parsed[text] { result = r } else {
                do { result = .success(try JMESPath.parse(text)) } catch let e as JMESPath.ParseError {
                    result = .failure(e)
                } catch {
                    result = .failure(JMESPath.ParseError(message: "\(error)", offset: 0))
                }
                parsed[text] = result
            }
            switch result {
            case .success(let e): return e
            case .failure(let e):
                if reported.insert("\(node.range.file):\(node.range.start.offset)").inserted {
                    sink.error(JMESPath.diagnosticID,
                               "\(what) of service '\(service)' is not a valid JMESPath expression: \(e.message) (column \(e.offset + 1) of '\(text)')",
                               at: node.range, path: what)
                }
                return nil
            }
        }

        /// What a cluster's members compute alike when each renders the services: selections
        /// (they depend on the expression and the members only), server lines, default-server options.
        struct ClusterMemo {
            var selections: [String: [ResolvedHost]] = [:]
            var servers: [ServerKey: String] = [:]
            var rtoOptions: [String: String] = [:]
            /// A service's text below its first line, by service, destination and options.
            var bodies: [BodyKey: String] = [:]

            struct ServerKey: Hashable {
                let member: String, port: String, backup: Bool
            }

            struct BodyKey: Hashable {
                let service: ObjectIdentifier
                let dest: ObjectIdentifier?
                let options: String
            }

            mutating func select(_ e: JMESPath.Expr, text: String, members: [ResolvedHost], values: [JSONValue]) -> [ResolvedHost] {
                if let known = selections[text] { return known }
                let selected = JMESPath.select(e, from: members, values: values)
                selections[text] = selected
                return selected
            }
        }

        /// The listen section of one service as `renderer` renders it (without the file header).
        mutating func service(_ svc: YAMLNode, name: String, cluster: String, renderer h: ResolvedHost,
                              members: [ResolvedHost], values: [JSONValue], memo: inout ClusterMemo) -> String? {
            guard let selectorNode = Value.present(svc["selector"]),
                  let selector = expression(selectorNode, what: "selector", service: name) else { return nil }
            var backups: [ResolvedHost] = []
            if let b = Value.present(svc["backup"]) {
                guard let e = expression(b, what: "backup", service: name) else { return nil }
                backups = memo.select(e, text: Value.text(b), members: members, values: values)
            }
            let selected = memo.select(selector, text: Value.text(selectorNode), members: members, values: values)
            let backupNames = Set(backups.map(\.name))
            let selectedNames = Set(selected.map(\.name))

            func field(_ key: String, _ fallback: String) -> String { Value.present(svc[key]).map(Value.text) ?? fallback }
            // The destination: `default` (or none) means pg_default_service_dest.
            let destNode: YAMLNode? = {
                if let d = Value.present(svc["dest"]), d.string != "default" { return d }
                return Value.present(h.value("pg_default_service_dest"))
            }()
            func port(_ m: ResolvedHost) -> String {
                guard let d = destNode else { return "5432" }
                switch d.value {
                case .int?, .float?, .bigInt?: return Value.text(d)
                case .string("postgres")?: return Value.inventory(m, "pg_port") ?? "5432"
                case .string("pgbouncer")?: return Value.inventory(m, "pgbouncer_port") ?? "6432"
                default: return "5432"
                }
            }
            func server(_ m: ResolvedHost, backup: Bool) -> String {
                let port = port(m)
                let key = ClusterMemo.ServerKey(member: m.name, port: port, backup: backup)
                if let known = memo.servers[key] { return known }
                let line = serverLine(m, port: port, backup: backup)
                memo.servers[key] = line
                return line
            }
            func serverLine(_ m: ResolvedHost, port: String, backup: Bool) -> String {
                var line = "    server \(Value.inventory(m, "pg_cluster") ?? "")-\(Value.inventory(m, "pg_seq") ?? "") \(m.name):\(port)"
                if Value.bool(m.binding("patroni_ssl_enabled")?.value) { line += " check-ssl ca-file /pg/cert/ca.crt" }
                line += " check port \(Value.inventory(m, "patroni_port") ?? "8008")"
                line += " weight \(Value.inventory(m, "pg_weight") ?? "100")"
                return line + (backup ? " backup\n" : "\n")
            }

            let options: String
            if let given = Value.present(svc["options"]) {
                options = Value.text(given)
            } else if let known = memo.rtoOptions[h.name] {
                options = known
            } else {
                options = Self.rtoOptions(h)
                memo.rtoOptions[h.name] = options
            }
            let first = "# \(cluster)-\(name) on port \(field("port", "")), as rendered by \(h.name)\n"
            // Below its first line, a service reads the renderer only through the destination and
            // the options: members rendering the same service with the same ones share the text.
            let bodyKey = ClusterMemo.BodyKey(service: ObjectIdentifier(svc), dest: destNode.map(ObjectIdentifier.init),
                                              options: options)
            if let body = memo.bodies[bodyKey] { return first + body }
            var out = "# members: \(selected.map(\.name).joined(separator: ", "))\n"
            out += "# backups: \(backups.map(\.name).joined(separator: ", "))\n"
            out += "listen \(cluster)-\(name)\n"
            out += "    bind \(field("ip", "*")):\(field("port", ""))\n"
            out += "    mode tcp\n"
            out += "    maxconn \(field("maxconn", "5000"))\n"
            out += "    balance \(field("balance", "roundrobin"))\n"
            out += "    option httpchk\n"
            out += "    option http-keep-alive\n"
            out += "    http-check send meth OPTIONS uri \(field("check", "/"))\n"
            out += "    http-check expect status 200\n"
            out += "    default-server \(options)\n\n"
            for m in selected { out += server(m, backup: backupNames.contains(m.name)) }
            for m in backups where !selectedNames.contains(m.name) { out += server(m, backup: true) }
            memo.bodies[bodyKey] = out
            return first + out
        }

        /// default-server options from the health-check timings of `pg_rto_plan[pg_rto]`
        /// (`norm` when pg_rto names no plan).
        static func rtoOptions(_ h: ResolvedHost) -> String {
            let plan = h.value("pg_rto_plan")
            let mode = Value.present(h.value("pg_rto")).map(Value.text) ?? "norm"
            let entry = plan?[mode] ?? plan?["norm"]
            var t = HAProxyBackend.normTimings
            if let items = entry?.sequence, items.count >= 10 { t = items[5..<10].map(Value.text) }
            // HAProxy times are integers: the fast and safe plans' 0.5s / 1.5s become 500ms / 1500ms.
            t = t.map(HAProxyBackend.integralTime)
            return "inter \(t[0]) fastinter \(t[1]) downinter \(t[2]) rise \(t[3]) fall \(t[4]) on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100"
        }
    }
}

extension HAProxyBackend {
    /// A time with a fraction (`0.5s`), which HAProxy's parser rejects, in the largest unit that
    /// makes it a whole number (`500ms`); anything else is returned unchanged.
    static func integralTime(_ s: String) -> String {
        let units: [(String, Int)] = [("d", 86_400_000_000), ("h", 3_600_000_000), ("m", 60_000_000),
                                      ("s", 1_000_000), ("ms", 1000), ("us", 1)]
        guard let dot = s.firstIndex(of: ".") else { return s }
        let whole = s[..<dot]
        let rest = s[s.index(after: dot)...]
        let fraction = rest.prefix { $0.isASCII && $0.isNumber }
        let unitText = rest.dropFirst(fraction.count)
        guard !whole.isEmpty, whole.allSatisfy({ $0.isASCII && $0.isNumber }), !fraction.isEmpty, fraction.count <= 9,
              let unit = units.first(where: { $0.0 == String(unitText) })?.1,
              let w = Int(whole), let f = Int(fraction), w < 1_000_000 else { return s }
        var scale = 1
        for _ in 0..<fraction.count { scale *= 10 }
        let (q, r) = (f * unit).quotientAndRemainder(dividingBy: scale)
        guard r == 0 else { return s }
        let micros = w * unit + q
        for (name, size) in units where micros % size == 0 { return "\(micros / size)\(name)" }
        return s
    }
}

// MARK: - Values as Jinja renders them

extension HAProxyBackend {
    enum Value {
        /// The node unless it is missing or null (a `|default(x)` that also covers null).
        static func present(_ n: YAMLNode?) -> YAMLNode? {
            guard let n, !n.isNull else { return nil }
            return n
        }

        /// A value as `{{ x }}` prints it.
        static func text(_ n: YAMLNode) -> String {
            switch n.content {
            case .scalar(let s): return YAMLNode.describe(s.value)
            case .sequence(let items): return "[" + items.map(repr).joined(separator: ", ") + "]"
            case .mapping(let pairs):
                return "{" + pairs.map { "\(repr($0.key)): \(repr($0.value))" }.joined(separator: ", ") + "}"
            }
        }

        static func text(_ n: YAMLNode?) -> String { n.map { text($0) } ?? "" }

        /// Python `repr` of a value inside a list or dict.
        static func repr(_ n: YAMLNode) -> String {
            if case .string(let s)? = n.value {
                return "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
            }
            return text(n)
        }

        /// Another host's variable as `host.x|default(...)` reads it from hostvars: inventory only.
        static func inventory(_ h: ResolvedHost, _ name: String) -> String? {
            present(h.binding(name)?.value).map { text($0) }
        }

        /// Ansible's `|bool`.
        static func bool(_ n: YAMLNode?) -> Bool {
            guard let v = n?.value else { return false }
            switch v {
            case .bool(let b): return b
            case .int(let i): return i == 1
            case .float(let d): return d == 1
            case .string(let s): return ["y", "yes", "on", "1", "true", "t"].contains(s.lowercased())
            default: return false
            }
        }

        /// Jinja's `|int` (0 when the value is not a number).
        static func jinjaInt(_ n: YAMLNode) -> Int {
            switch n.value {
            case .int(let i)?: return i
            case .float(let d)? where d.isFinite && abs(d) < 9e18: return Int(d)
            case .bool(let b)?: return b ? 1 : 0
            case .string(let s)?: return Int(String(s.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())) ?? 0
            default: return 0
            }
        }
    }
}
