import PigstyDiagnostics
import PigstyInventory
import PigstyJMESPath
import PigstyYAML

// MARK: - HAProxy on a node

/// HAProxy on a node with `haproxy_enabled`: the global settings and its own `haproxy_services`.
public struct HAProxyNode: Sendable {
    public let ip: String
    public let nodename: String
    /// `haproxy_admin_username` / `haproxy_admin_password` as Jinja prints them (not quoted).
    public let adminUsername: String
    public let adminPassword: String
    public let clientTimeout: String
    public let serverTimeout: String
    public let exporterPort: String
    public let metricsPath: String
    /// `haproxy_services` entries with a name, in list order.
    public let services: [HAProxyService]

    static func lower(_ node: NodeResource) -> HAProxyNode {
        let h = node.host
        let services = (h.value("haproxy_services")?.sequence ?? []).compactMap(HAProxyService.lower)
        return HAProxyNode(ip: node.ip, nodename: node.nodename,
                           adminUsername: Jinja.text(h.value("haproxy_admin_username")),
                           adminPassword: Jinja.text(h.value("haproxy_admin_password")),
                           clientTimeout: Jinja.text(h.value("haproxy_client_timeout")),
                           serverTimeout: Jinja.text(h.value("haproxy_server_timeout")),
                           exporterPort: Jinja.text(h.value("haproxy_exporter_port")),
                           metricsPath: Jinja.text(h.value("exporter_metrics_path")), services: services)
    }
}

/// One `haproxy_services` entry: a `listen` section of its own.
public struct HAProxyService: Sendable, Equatable {
    /// default-server options of services without a `default`.
    public static let defaultServer =
        "inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100"

    public let name: String
    /// The bind address (`*` when unset) and port (empty when unset).
    public let ip: String
    public let port: String
    /// `protocol` (`tcp` when unset): the section's mode.
    public let mode: String
    public let maxconn: String
    public let balance: String
    /// `options`, one line each (a single value is one line).
    public let options: [String]
    public let defaultServer: String
    public let servers: [HAProxyServer]

    static func lower(_ svc: YAMLNode) -> HAProxyService? {
        guard let name = given(svc["name"]).map({ Jinja.text($0) }), !name.isEmpty else { return nil }
        func field(_ key: String, _ fallback: String) -> String { given(svc[key]).map { Jinja.text($0) } ?? fallback }
        let options = given(svc["options"]).map { o in (o.sequence ?? [o]).map { Jinja.text($0) } } ?? []
        let servers = (svc["servers"]?.sequence ?? []).map { s -> HAProxyServer in
            let weight = given(s["weight"]).flatMap { w in (0..<256).contains(Jinja.int(w)) ? Jinja.text(w) : nil }
            let options = given(s["options"]).map { Jinja.text($0) }.flatMap { $0.isEmpty ? nil : $0 }
            return HAProxyServer(name: given(s["name"]).map { Jinja.text($0) } ?? "",
                                 ip: given(s["ip"]).map { Jinja.text($0) } ?? "",
                                 port: given(s["port"]).map { Jinja.text($0) } ?? "",
                                 backup: Jinja.bool(s["backup"]), weight: weight, options: options)
        }
        return HAProxyService(name: name, ip: field("ip", "*"), port: field("port", ""), mode: field("protocol", "tcp"),
                              maxconn: field("maxconn", "10000"), balance: field("balance", "roundrobin"),
                              options: options, defaultServer: field("default", defaultServer), servers: servers)
    }
}

/// A server of a `haproxy_services` entry.
public struct HAProxyServer: Sendable, Equatable {
    public let name: String
    public let ip: String
    public let port: String
    public let backup: Bool
    /// The weight when it is within 0...255 (`|int`), else nil (not written).
    public let weight: String?
    /// Extra server options, nil when none.
    public let options: String?
}

// MARK: - PostgreSQL services

/// One PostgreSQL service (`pg_default_services` + `pg_services`) as one cluster member renders it,
/// onto itself or onto the `pg_service_provider` group.
public struct PgServiceFile: Sendable {
    public let cluster: String
    /// The service name (the file is `<cluster>-<name>.cfg`).
    public let name: String
    public var fullName: String { "\(cluster)-\(name)" }
    /// The member that renders it.
    public let renderer: String
    /// The nodes the file goes to.
    public let targets: [String]
    public let port: String
    /// The listen section below its first line; members rendering the same service with the same
    /// destination and options share it.
    public let body: PgServiceBody
}

/// A PostgreSQL service's `listen` section.
public final class PgServiceBody: Sendable {
    /// The selected members and the backups, by IP, in selection order.
    public let members: [String]
    public let backups: [String]
    public let ip: String
    public let port: String
    public let maxconn: String
    public let balance: String
    /// The health check URI.
    public let check: String
    public let defaultServer: String
    /// Selected members (backup when also selected as backup), then backups not selected.
    public let servers: [PgServiceServer]

    init(members: [String], backups: [String], ip: String, port: String, maxconn: String, balance: String,
         check: String, defaultServer: String, servers: [PgServiceServer]) {
        self.members = members
        self.backups = backups
        self.ip = ip
        self.port = port
        self.maxconn = maxconn
        self.balance = balance
        self.check = check
        self.defaultServer = defaultServer
        self.servers = servers
    }
}

/// A server line of a PostgreSQL service; each value from that member's own inventory variables.
public struct PgServiceServer: Sendable, Equatable {
    /// `<pg_cluster>-<pg_seq>`.
    public let name: String
    public let ip: String
    /// The destination port: a number, or the member's `pg_port` / `pgbouncer_port`.
    public let port: String
    /// `patroni_ssl_enabled`: the health check speaks TLS.
    public let checkSSL: Bool
    public let checkPort: String
    public let weight: String
    public let backup: Bool
}

public enum HAProxyTime {
    /// Health-check timings of the `norm` RTO plan (inter, fastinter, downinter, rise, fall), used
    /// when `pg_rto_plan` lacks a usable entry.
    static let normTimings = ["2s", "1s", "2s", "3", "3"]

    /// A time with a fraction (`0.5s`), which HAProxy's parser rejects, in the largest unit that
    /// makes it a whole number (`500ms`); anything else is returned unchanged.
    public static func integral(_ s: String) -> String {
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

    /// default-server options from the health-check timings of `pg_rto_plan[pg_rto]`
    /// (`norm` when pg_rto names no plan).
    static func rtoOptions(_ h: ResolvedHost) -> String {
        let plan = h.value("pg_rto_plan")
        let mode = given(h.value("pg_rto")).map { Jinja.text($0) } ?? "norm"
        let entry = plan?[mode] ?? plan?["norm"]
        var t = normTimings
        if let items = entry?.sequence, items.count >= 10 { t = items[5..<10].map { Jinja.text($0) } }
        // HAProxy times are integers: the fast and safe plans' 0.5s / 1.5s become 500ms / 1500ms.
        t = t.map(integral)
        return "inter \(t[0]) fastinter \(t[1]) downinter \(t[2]) rise \(t[3]) fall \(t[4]) on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100"
    }
}

/// PostgreSQL service members are chosen by JMESPath over the cluster's hosts as `hostvars` shows
/// them (inventory variables only, no role defaults, inventory order); each member's port, check
/// port, weight and TLS check come from that member's own inventory variables.
struct PgServiceLowering {
    let graph: ResourceGraph
    var files: [PgServiceFile] = []
    var issues: [AccessIssue] = []
    /// Expressions already parsed, by text; failures hold the error.
    var parsed: [String: Result<JMESPath.Expr, JMESPath.ParseError>] = [:]
    /// Source positions whose parse error has been recorded.
    var reported = Set<String>()

    init(graph: ResourceGraph) { self.graph = graph }

    /// What a cluster's members compute alike when each renders the services.
    struct ClusterMemo {
        var selections: [String: [ResolvedHost]] = [:]
        var rtoOptions: [String: String] = [:]
        var bodies: [BodyKey: PgServiceBody] = [:]

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

    /// Another host's variable as `host.x|default(...)` reads it from hostvars: inventory only.
    static func inventory(_ h: ResolvedHost, _ name: String) -> String? {
        given(h.binding(name)?.value).map { Jinja.text($0) }
    }

    mutating func lower(_ cluster: PgCluster) {
        let members = cluster.members.map { graph.resolved.hosts[$0] }
        var converted: [ObjectIdentifier: JSONValue] = [:]
        let values = members.map { JMESPath.hostValue($0, converted: &converted) }
        var memo = ClusterMemo()
        for h in members {
            // Each member renders its services with its own variables: onto itself, or — when
            // `pg_service_provider` names a group — the primary renders them onto that group.
            let provider = given(h.value("pg_service_provider")).map { Jinja.text($0) } ?? ""
            let targets: [String]
            if provider.isEmpty || graph.resolved.inventory.groups[provider] == nil {
                targets = [h.name]
            } else if h.binding("pg_role").map({ Jinja.text($0.value) }) == "primary" {
                targets = graph.resolved.inventory.hosts(inGroup: provider)
            } else {
                continue
            }
            let list = (h.value("pg_default_services")?.sequence ?? []) + (h.value("pg_services")?.sequence ?? [])
            for svc in list {
                guard let name = given(svc["name"]).map({ Jinja.text($0) }), !name.isEmpty,
                      let body = service(svc, name: name, renderer: h, members: members, values: values, memo: &memo)
                else { continue }
                files.append(PgServiceFile(cluster: cluster.name, name: name, renderer: h.name, targets: targets,
                                           port: body.port, body: body))
            }
        }
    }

    /// A parsed selector/backup expression; nil (and an issue, once per site) when invalid.
    mutating func expression(_ node: YAMLNode, what: String, service: String) -> JMESPath.Expr? {
        let text = Jinja.text(node)
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
                issues.append(AccessIssue(
                    code: .unsupportedJMESPath,
                    message: "\(what) of service '\(service)' is not a valid JMESPath expression: \(e.message) (column \(e.offset + 1) of '\(text)')",
                    range: node.range, path: what))
            }
            return nil
        }
    }

    /// The listen section of one service as `h` renders it.
    mutating func service(_ svc: YAMLNode, name: String, renderer h: ResolvedHost, members: [ResolvedHost],
                          values: [JSONValue], memo: inout ClusterMemo) -> PgServiceBody? {
        guard let selectorNode = given(svc["selector"]),
              let selector = expression(selectorNode, what: "selector", service: name) else { return nil }
        var backups: [ResolvedHost] = []
        if let b = given(svc["backup"]) {
            guard let e = expression(b, what: "backup", service: name) else { return nil }
            backups = memo.select(e, text: Jinja.text(b), members: members, values: values)
        }
        let selected = memo.select(selector, text: Jinja.text(selectorNode), members: members, values: values)

        // The destination: `default` (or none) means pg_default_service_dest.
        let destNode: YAMLNode? = {
            if let d = given(svc["dest"]), d.string != "default" { return d }
            return given(h.value("pg_default_service_dest"))
        }()
        let options: String
        if let o = given(svc["options"]) {
            options = Jinja.text(o)
        } else if let known = memo.rtoOptions[h.name] {
            options = known
        } else {
            options = HAProxyTime.rtoOptions(h)
            memo.rtoOptions[h.name] = options
        }
        // Below its first line, a service reads the renderer only through the destination and
        // the options: members rendering the same service with the same ones share it.
        let key = ClusterMemo.BodyKey(service: ObjectIdentifier(svc), dest: destNode.map(ObjectIdentifier.init),
                                      options: options)
        if let known = memo.bodies[key] { return known }

        func port(_ m: ResolvedHost) -> String {
            guard let d = destNode else { return "5432" }
            switch d.value {
            case .int?, .float?, .bigInt?: return Jinja.text(d)
            case .string("postgres")?: return Self.inventory(m, "pg_port") ?? "5432"
            case .string("pgbouncer")?: return Self.inventory(m, "pgbouncer_port") ?? "6432"
            default: return "5432"
            }
        }
        func server(_ m: ResolvedHost, backup: Bool) -> PgServiceServer {
            PgServiceServer(name: "\(Self.inventory(m, "pg_cluster") ?? "")-\(Self.inventory(m, "pg_seq") ?? "")",
                            ip: m.name, port: port(m), checkSSL: Jinja.bool(m.binding("patroni_ssl_enabled")?.value),
                            checkPort: Self.inventory(m, "patroni_port") ?? "8008",
                            weight: Self.inventory(m, "pg_weight") ?? "100", backup: backup)
        }
        let backupNames = Set(backups.map(\.name))
        let selectedNames = Set(selected.map(\.name))
        var servers = selected.map { server($0, backup: backupNames.contains($0.name)) }
        for m in backups where !selectedNames.contains(m.name) { servers.append(server(m, backup: true)) }
        func field(_ key: String, _ fallback: String) -> String { given(svc[key]).map { Jinja.text($0) } ?? fallback }
        let body = PgServiceBody(members: selected.map(\.name), backups: backups.map(\.name), ip: field("ip", "*"),
                                 port: field("port", ""), maxconn: field("maxconn", "5000"),
                                 balance: field("balance", "roundrobin"), check: field("check", "/"),
                                 defaultServer: options, servers: servers)
        memo.bodies[key] = body
        return body
    }
}
