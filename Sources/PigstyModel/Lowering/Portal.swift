import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// The typed resources of the nginx portal, its certificates scripts and registrations, lowered
/// once from the infra nodes' own variables (every default from the schema).
public struct PortalModel: Sendable {
    /// Every infra node (group `infra`, Ansible's order), with nginx or without.
    public let infraNodes: [String]
    /// One per infra node with `nginx_enabled`, in the same order.
    public let servers: [NginxServer]
    /// HAProxy stats pages every infra node registers: one per node with `haproxy_enabled`.
    public let haproxyPages: [HAProxyStatsPage]

    init() {
        infraNodes = []
        servers = []
        haproxyPages = []
    }

    init(infraNodes: [String], servers: [NginxServer], haproxyPages: [HAProxyStatsPage]) {
        self.infraNodes = infraNodes
        self.servers = servers
        self.haproxyPages = haproxyPages
    }

    /// Lowers the part of the graph this model covers; `graph` holds the core resources.
    static func lower(_ graph: ResourceGraph) -> PortalModel {
        let pages = graph.nodes.filter(\.modules.haproxy).map { proxy in
            HAProxyStatsPage(nodename: proxy.nodename, ip: proxy.ip,
                             port: Jinja.str(proxy.host.value("haproxy_exporter_port")))
        }
        let servers = graph.infraNodes.filter { Jinja.bool($0.host.value("nginx_enabled")) }.map { NginxServer.lower($0.host, ip: $0.ip) }
        return PortalModel(infraNodes: graph.infraNodes.map(\.ip), servers: servers, haproxyPages: pages)
    }
}

/// A node's HAProxy stats page as nginx proxies it: `/haproxy/<nodename>/` to `<ip>:<port>`.
public struct HAProxyStatsPage: Sendable, Equatable {
    public let nodename: String
    public let ip: String
    /// `haproxy_exporter_port` as Jinja prints it.
    public let port: String
}

/// nginx on one infra node: its settings, accounts, portal entries and certificate requests.
public struct NginxServer: Sendable {
    public let ip: String
    public let settings: NginxSettings
    /// `nginx_users` in dict order.
    public let users: [HtpasswdUser]
    /// `infra_portal` entries in dict order (entries that are not mappings skipped).
    public let entries: [PortalEntry]
    /// certbot names in order of first use, each with its unique domains.
    public let certificates: [CertbotCertificate]
    public let certbot: CertbotSettings
    /// `nginx_exporter_port` when `nginx_exporter_enabled`.
    public let exporterPort: String?

    static func lower(_ h: ResolvedHost, ip: String) -> NginxServer {
        let s = NginxSettings(h)
        let raw = Self.portal(h)
        let entries = raw.map { PortalEntry.lower($0.key, $0.fields, settings: s) }
        let users = (h.value("nginx_users")?.mapping ?? []).map { HtpasswdUser(name: Jinja.str($0.key), password: Jinja.str($0.value)) }
        let certbot = CertbotSettings(email: Jinja.str(h.value("certbot_email")), webroot: s.home + "/acme",
                                      options: Jinja.str(h.value("certbot_options")))
        return NginxServer(ip: ip, settings: s, users: users, entries: entries,
                           certificates: Self.certbotNames(raw), certbot: certbot,
                           exporterPort: s.exporter ? Jinja.str(h.value("nginx_exporter_port")) : nil)
    }

    /// `infra_portal` entries in dict order; a key written twice keeps its first position and its
    /// last value, as a Python dict does. Entries that are not mappings are skipped.
    static func portal(_ h: ResolvedHost) -> [RawPortalEntry] {
        var order: [String] = []
        var values: [String: YAMLNode] = [:]
        for pair in h.value("infra_portal")?.mapping ?? [] {
            guard let key = pair.key.keyName else { continue }
            if values[key] == nil { order.append(key) }
            values[key] = pair.value
        }
        return order.compactMap { key in
            guard let v = values[key], v.mapping != nil else { return nil }
            return RawPortalEntry(key: key, fields: v)
        }
    }

    /// certbot names in order of first use (entries whose `certbot` is truthy), each with its
    /// unique domains: the entry's `domain`, then its `domains`.
    static func certbotNames(_ entries: [RawPortalEntry]) -> [CertbotCertificate] {
        var result: [(name: String, domains: [String])] = []
        for e in entries {
            guard let cb = e.field("certbot"), Jinja.truthy(cb) else { continue }
            let name = Jinja.str(cb)
            var domains: [String] = []
            if let d = e.text("domain") { domains.append(d) }
            if let list = e.field("domains"), Jinja.truthy(list) {
                domains += (list.sequence ?? []).map { Jinja.str($0) }
            }
            if let i = result.firstIndex(where: { $0.name == name }) {
                result[i].domains += domains
            } else {
                result.append((name, domains))
            }
        }
        return result.map { item in
            var seen = Set<String>()
            return CertbotCertificate(name: item.name, domains: item.domains.filter { seen.insert($0).inserted })
        }
    }
}

/// The nginx parameters of one infra node, as Jinja prints them.
public struct NginxSettings: Sendable, Equatable {
    public let port: String
    public let sslPort: String
    public let sslMode: String
    public let home: String
    /// `admin_ip`, substituted for `${admin_ip}` in endpoints.
    public let adminIP: String
    /// `nginx_exporter_enabled`: the home server exposes `/nginx` (stub_status).
    public let exporter: Bool
    /// Ports of the services the home server proxies.
    public let grafanaPort, vmetricsPort, vlogsPort, vtracesPort, vmalertPort, alertmanagerPort,
        blackboxPort, codePort, jupyterPort: String

    /// HTTPS listeners unless `nginx_sslmode` is disable.
    public var ssl: Bool { sslMode != "disable" }

    init(_ h: ResolvedHost) {
        func p(_ name: String) -> String { Jinja.str(h.value(name)) }
        port = p("nginx_port")
        sslPort = p("nginx_ssl_port")
        sslMode = p("nginx_sslmode")
        home = p("nginx_home")
        adminIP = p("admin_ip")
        exporter = Jinja.bool(h.value("nginx_exporter_enabled"))
        grafanaPort = p("grafana_port")
        vmetricsPort = p("vmetrics_port")
        vlogsPort = p("vlogs_port")
        vtracesPort = p("vtraces_port")
        vmalertPort = p("vmalert_port")
        alertmanagerPort = p("alertmanager_port")
        blackboxPort = p("blackbox_port")
        codePort = p("code_port")
        jupyterPort = p("jupyter_port")
    }
}

/// One `.htpasswd` account (`nginx_users`); check rejects names and passwords that do not fit a line.
public struct HtpasswdUser: Sendable, Equatable {
    public let name: String
    public let password: String
}

/// What `sign-cert` needs besides the certificates.
public struct CertbotSettings: Sendable, Equatable {
    /// `certbot_email`.
    public let email: String
    /// `<nginx_home>/acme`.
    public let webroot: String
    /// `certbot_options`.
    public let options: String
}

/// One certificate certbot is asked for: its name and the domains it covers.
public struct CertbotCertificate: Sendable, Equatable {
    public let name: String
    public let domains: [String]
}

/// An `infra_portal` entry as read from the inventory, before lowering.
struct RawPortalEntry {
    let key: String
    let fields: YAMLNode

    /// A field unless missing or null (null counts as unset).
    func field(_ name: String) -> YAMLNode? {
        guard let v = fields.mapping?.last(where: { $0.key.keyName == name })?.value, !v.isNull else { return nil }
        return v
    }

    /// A field as text, unless missing, null or empty.
    func text(_ name: String) -> String? {
        guard let v = field(name) else { return nil }
        let s = Jinja.str(v)
        return s.isEmpty ? nil : s
    }

    func flag(_ name: String) -> Bool { Jinja.bool(field(name)) }
}

/// The template Pigsty renders an entry with.
public enum PortalTemplate: Sendable, Equatable {
    case home, path, endpoint
    /// A `conf` pigstyc does not have: no server file (check warns, PGS0770).
    case custom(String)

    init(conf: String) {
        switch conf {
        case "home.conf": self = .home
        case "path.conf": self = .path
        case "endpoint.conf": self = .endpoint
        default: self = .custom(conf)
        }
    }
}

/// One `infra_portal` entry with every fact its server file and the certificate scripts need.
/// A record field that is null counts as unset.
public struct PortalEntry: Sendable {
    public let key: String
    /// `domain`, nil when unset or empty: no server file, nothing to link.
    public let domain: String?
    /// `server_name` words: the domain (empty when unset), then `domains` when it is a list.
    public let serverNames: [String]
    /// `certbot` as text (nil when unset or empty): ACME challenges are answered and the
    /// certificate is linked from `/etc/letsencrypt/live/<certbot>`.
    public let certbot: String?
    /// `conf`, else home for the key `home`, else path (with `path`), else endpoint (with `endpoint`).
    public let template: PortalTemplate?
    /// The HTTPS certificate and key: `cert`/`key`, else the domain's linked pair.
    public let cert: String
    public let certKey: String
    /// Basic authentication: the realm when `auth` is true (`realm`, else the template's default).
    public let authRealm: String?
    /// HTTP only redirects to HTTPS: `nginx_sslmode: enforce` or the entry's `enforce_https`.
    public let redirectsToHTTPS: Bool
    /// The upstream server (`endpoint` with `${admin_ip}` filled in; empty without one).
    public let endpoint: String
    /// `scheme`, default http.
    public let scheme: String
    /// The access log file: endpoint servers `log` else `<key>.log`, path servers `log` or none.
    public let accessLog: String?
    /// The document root: `path`; home falls back to `nginx_home`.
    public let root: String
    /// Directory listings: path servers when `index` is true; home unless `index` is given and false.
    public let autoindex: Bool
    public let websocket: Bool
    /// Raw directives of `config`, placed last in the server block (nil when unset or '').
    public let config: String?

    /// Why the entry's server cannot be written (a value check does not cover would break the
    /// file), with where the value is; nil when it can.
    public let rejection: (reason: String, at: SourceRange?)?

    /// The entry's server file is one pigstyc renders.
    public var hasServer: Bool {
        guard domain != nil, rejection == nil, let template else { return false }
        if case .custom = template { return false }
        return true
    }

    static func lower(_ key: String, _ fields: YAMLNode, settings s: NginxSettings) -> PortalEntry {
        let e = RawPortalEntry(key: key, fields: fields)
        let domain = e.text("domain")
        let template: PortalTemplate?
        if let conf = e.field("conf") { template = PortalTemplate(conf: Jinja.str(conf)) }
        else if key == "home" { template = .home }
        else if e.field("path") != nil { template = .path }
        else if e.field("endpoint") != nil { template = .endpoint }
        else { template = nil }
        let isHome = template == .home
        let scheme = e.text("scheme") ?? "http"
        // `scheme` is written bare before `://`: one word of letters, digits, '+', '-', '.'.
        var rejection: (String, SourceRange?)?
        if !Self.isScheme(scheme) {
            rejection = ("scheme of portal entry '\(key)' is not a URL scheme; no nginx file is written for it",
                         e.field("scheme")?.range)
        }
        let path = e.field("path").map { Jinja.str($0) }
        let autoindex: Bool
        if isHome {
            if let index = e.field("index") { autoindex = Jinja.bool(index) } else { autoindex = true }
        } else {
            autoindex = e.flag("index")
        }
        return PortalEntry(
            key: key, domain: domain,
            serverNames: [domain ?? ""] + (e.field("domains")?.sequence ?? []).map { Jinja.str($0) },
            certbot: e.text("certbot"), template: template,
            cert: e.text("cert") ?? "/etc/nginx/conf.d/cert/\(domain ?? "").crt",
            certKey: e.text("key") ?? "/etc/nginx/conf.d/cert/\(domain ?? "").key",
            authRealm: e.flag("auth") ? (e.text("realm") ?? (isHome ? "Pigsty Home Auth" : "Auth \(key)")) : nil,
            redirectsToHTTPS: s.sslMode == "enforce" || e.flag("enforce_https"),
            endpoint: (e.field("endpoint").map { Jinja.str($0) } ?? "").replacingOccurrences(of: "${admin_ip}", with: s.adminIP),
            scheme: scheme,
            accessLog: template == .endpoint ? (e.text("log") ?? "\(key).log") : e.text("log"),
            root: path ?? (isHome ? s.home : ""),
            autoindex: autoindex, websocket: e.flag("websocket"),
            config: e.field("config").flatMap { Jinja.isEmptyString($0) ? nil : Jinja.str($0) },
            rejection: rejection)
    }

    /// A URL scheme (RFC 3986): a letter, then letters, digits, '+', '-' or '.'.
    static func isScheme(_ s: String) -> Bool {
        func letter(_ u: Unicode.Scalar) -> Bool { (u.value >= 65 && u.value <= 90) || (u.value >= 97 && u.value <= 122) }
        guard let first = s.unicodeScalars.first, letter(first) else { return false }
        return s.unicodeScalars.allSatisfy { letter($0) || ($0.value >= 48 && $0.value <= 57) || "+-.".unicodeScalars.contains($0) }
    }
}
