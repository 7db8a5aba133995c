import PigstyModel
import PigstyFormats
import PigstyDiagnostics

/// Nginx, the INFRA portal: on every node of group `infra` with `nginx_enabled`, the main
/// `/etc/nginx/nginx.conf`, one `/etc/nginx/conf.d/<key>.conf` per `infra_portal` entry with a
/// domain (in dict order), `/etc/nginx/.htpasswd` from `nginx_users`, the certificate scripts
/// `/etc/nginx/link-cert` and `/etc/nginx/sign-cert`, and `/etc/default/nginx_exporter`.
/// Every node with `haproxy_enabled` also registers its HAProxy stats page on every infra node:
/// `/etc/nginx/conf.d/haproxy/upstream-<nodename>.conf` and `location-<nodename>.conf`.
///
/// Portal files are rendered with the infra node's own variables. A record field that is null
/// counts as unset (Pigsty would print `None`). A `conf` naming a template other than the three
/// built-in ones cannot be rendered: `check` warns (PGS0770) and no file is written for it.
struct NginxBackend: Backend {
    let name = "nginx"

    /// nginx's own files: a change reloads nginx.
    static let nginxApply = ApplyClass.in(.infra, .reload("nginx"))
    /// The HAProxy stats pages other nodes register: registered after the services, then nginx reloads.
    static let registrationApply = ApplyClass.in(.register, .reload("nginx"))
    /// `/etc/default/nginx_exporter`: the exporter reads it when it starts, so a change restarts it.
    static let exporterApply = ApplyClass.in(.infra, .restart("nginx_exporter"))


    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let portal = graph.portal
        var reported = Set<String>()
        var servers = portal.servers.makeIterator()
        var next = servers.next()
        for ip in portal.infraNodes {
            for page in portal.haproxyPages { registerHAProxy(page, on: ip, graph: graph, into: &tree) }
            guard let server = next, server.ip == ip else { continue }
            next = servers.next()
            let producer = "nginx:\(ip)"
            func add(_ path: String, _ content: String, group: String = "nginx", mode: Int = 0o644,
                     producer p: String? = nil, apply: ApplyClass = Self.nginxApply, secrets: [String] = []) {
                tree.add(GeneratedFile(path: path, content: content, owner: "root", group: group, mode: mode,
                                       producer: p ?? producer, apply: apply, secrets: secrets), on: ip)
            }
            add("/etc/nginx/nginx.conf", mainConfig(server, graph: graph))
            // Passwords in plain text: readable by root and the nginx group only.
            add("/etc/nginx/.htpasswd", htpasswd(server, graph: graph), mode: 0o640, secrets: server.users.map(\.password))
            add("/etc/nginx/link-cert", linkCert(server, graph: graph), mode: 0o750)
            add("/etc/nginx/sign-cert", signCert(server, graph: graph), mode: 0o750)
            // The links link-cert makes to Pigsty's own certificate, as node objects: the servers'
            // ssl_certificate paths exist before nginx first starts (a domain certbot signs for is
            // left to link-cert, which points it at Let's Encrypt's once there is one).
            for e in server.entries where e.certbot == nil && e.rejection == nil {
                guard let domain = e.domain, domain != "pigsty" else { continue }
                tree.addDirectory(NodeDirectory(path: "/etc/nginx/conf.d/cert", producer: producer, step: .infra), on: ip)
                for ext in ["crt", "key"] {
                    tree.addLink(NodeLink(path: "/etc/nginx/conf.d/cert/\(domain).\(ext)", target: "/etc/nginx/conf.d/cert/pigsty.\(ext)",
                                          producer: "nginx:\(e.key)", step: .infra), on: ip)
                }
            }
            if let port = server.exporterPort {
                add("/etc/default/nginx_exporter", exporterEnv(server, port: port, graph: graph), group: "root",
                    apply: Self.exporterApply)
            }
            for entry in server.entries where entry.domain != nil {
                if let (reason, range) = entry.rejection {
                    if reported.insert(reason).inserted { sink.report(.portalUnsafeValue, reason, at: range) }
                    continue
                }
                guard entry.hasServer, let content = self.server(entry, server: server, graph: graph) else { continue }
                add("/etc/nginx/conf.d/\(entry.key).conf", content, producer: "nginx:\(entry.key)")
            }
        }
    }

    // MARK: - nginx.conf

    func mainConfig(_ server: NginxServer, graph: ResourceGraph) -> String {
        var w = LineWriter(capacity: 1024)
        Header.hash("nginx main configuration", node: server.ip, into: &w)
        w.comment("portal servers are loaded from /etc/nginx/conf.d")
        w.blank()
        w.directive("user", "nginx", pad: 5)
        w.directive("worker_processes", "auto", pad: 17)
        w.directive("worker_cpu_affinity", "auto")
        w.directive("worker_rlimit_nofile", "65535")
        w.directive("error_log", "/var/log/nginx-error.log", "warn", pad: 10)
        w.directive("pid", "/var/run/nginx.pid", pad: 10)
        w.blank()
        w.block("events") { w in
            w.directive("worker_connections", "2048")
            w.directive("use", "epoll")
            w.directive("multi_accept", "on")
        }
        w.blank()
        w.block("http") { w in
            w.directive("include", "/etc/nginx/mime.types", pad: 13)
            w.directive("default_type", "application/octet-stream", pad: 13)
            w.directive("access_log", "/var/log/nginx/access.log", "combined", pad: 13)
            w.directive("client_max_body_size", "400m")
            for flag in ["sendfile", "tcp_nopush", "tcp_nodelay", "gzip"] { w.directive(flag, "on", pad: 13) }
            w.directive("server_tokens", "off")
            w.directive("keepalive_timeout", "65")
            w.directive("include", "/etc/nginx/conf.d/*.conf")
        }
        return w.text
    }

    // MARK: - .htpasswd and nginx_exporter

    /// `name:{PLAIN}password` per account. The format has no quoting: a `:` in a name, like a line
    /// break anywhere (escaped by the writer), is for the checker to reject.
    func htpasswd(_ server: NginxServer, graph: ResourceGraph) -> String {
        var w = LineWriter()
        Header.hash("nginx basic-auth accounts", node: server.ip, into: &w)
        for user in server.users { w.line(user.name + ":{PLAIN}" + user.password) }
        return w.text
    }

    func exporterEnv(_ server: NginxServer, port: String, graph: ResourceGraph) -> String {
        // nginx_exporter scrapes the home server's stub_status on port 80, as Pigsty configures it.
        var w = LineWriter()
        Header.hash("nginx_exporter options", node: server.ip, into: &w)
        w.environment("NGINX_EXPORTER_OPTS", "-nginx.scrape-uri http://127.0.0.1:80/nginx -web.listen-address=:" + port)
        return w.text
    }

    // MARK: - HAProxy registration

    func registerHAProxy(_ page: HAProxyStatsPage, on ip: String, graph: ResourceGraph, into tree: inout FileTree) {
        let name = page.nodename
        let what = "haproxy stats page of \(name) (\(page.ip))"
        var upstream = LineWriter()
        Header.hash("nginx upstream for the \(what)", node: ip, into: &upstream)
        upstream.block("upstream", "haproxy-\(name)") { w in
            w.directive("server", "\(page.ip):\(page.port)", "max_fails=0")
        }
        var location = LineWriter()
        Header.hash("nginx location for the \(what)", node: ip, into: &location)
        location.block("location", "^~/haproxy/\(name)/") { w in
            w.directive("proxy_pass", "http://haproxy-\(name)")
            w.directive("proxy_connect_timeout", "1")
        }
        let producer = "nginx:haproxy-\(name)"
        tree.add(GeneratedFile(path: "/etc/nginx/conf.d/haproxy/upstream-\(name).conf", content: upstream.text,
                               producer: producer, apply: Self.registrationApply), on: ip)
        tree.add(GeneratedFile(path: "/etc/nginx/conf.d/haproxy/location-\(name).conf", content: location.text,
                               producer: producer, apply: Self.registrationApply), on: ip)
    }

    // MARK: - Portal servers

    /// The server file of one entry; nil when its template is not one pigstyc has.
    func server(_ e: PortalEntry, server: NginxServer, graph: ResourceGraph) -> String? {
        let s = server.settings
        var w = LineWriter(capacity: 4096)
        Header.hash("nginx portal server \(e.key)", node: server.ip, into: &w)
        switch e.template {
        case .home?: homeServer(e, s: s, into: &w)
        case .path?: pathServer(e, s: s, into: &w)
        case .endpoint?: endpointServer(e, s: s, into: &w)
        case .custom?, nil: return nil
        }
        return w.text
    }

    /// `server_name` with the entry's names (each one argument; empty ones, which Pigsty's
    /// template joins into mere spaces, are left out).
    func serverName(_ e: PortalEntry, into w: inout LineWriter, pad: Int = 12) {
        w.directive("server_name", e.serverNames.filter { !$0.isEmpty }.map(NginxArg.word), pad: pad)
    }

    /// The HTTPS listener and its certificate (`cert`/`key`, else the domain's linked pair).
    func tls(_ e: PortalEntry, s: NginxSettings, defaultServer: Bool, into w: inout LineWriter) {
        w.directive("listen", [.word(s.sslPort), "ssl"] + (defaultServer ? ["default_server"] : []), pad: 12)
        w.directive("ssl_certificate", .word(e.cert), pad: 19)
        w.directive("ssl_certificate_key", .word(e.certKey), pad: 19)
        w.directive("ssl_session_timeout", "5m")
        w.directive("ssl_protocols", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")
        w.directive("ssl_ciphers", "ECDHE-RSA-AES128-GCM-SHA256:HIGH:!aNULL:!MD5:!RC4:!DHE")
        w.directive("ssl_prefer_server_ciphers", "on")
    }

    /// The listeners of an endpoint or path server: plain HTTP unless it redirects, HTTPS unless
    /// `nginx_sslmode` is disable.
    func listeners(_ e: PortalEntry, s: NginxSettings, into w: inout LineWriter) {
        if !e.redirectsToHTTPS { w.directive("listen", .word(s.port), pad: 12) }
        if s.ssl { tls(e, s: s, defaultServer: false, into: &w) }
    }

    /// Basic authentication with the accounts of `.htpasswd`, when `auth` is true.
    func auth(_ e: PortalEntry, into w: inout LineWriter) {
        guard let realm = e.authRealm else { return }
        w.blank()
        w.comment("basic authentication (nginx_users)")
        w.directive("auth_basic", .quoted(realm))
        w.directive("auth_basic_user_file", "/etc/nginx/.htpasswd")
    }

    /// The ACME http-01 challenge directory certbot writes into, when `certbot` is set.
    func acme(_ e: PortalEntry, s: NginxSettings, authOff: Bool, into w: inout LineWriter) {
        guard e.certbot != nil else { return }
        w.blank()
        w.comment("ACME challenges for certbot")
        w.block("location", "^~", "/.well-known/acme-challenge/") { w in
            if authOff { w.directive("auth_basic", "off") }
            w.directive("root", "\(s.home)/acme")
            w.directive("try_files", "$uri", "=404")
        }
    }

    /// Raw directives of `config`, placed last in the server block.
    ///
    /// **Raw by design**: `config` is nginx text the inventory author writes (any number of
    /// directives and blocks, on as many lines as it likes), so it is copied as it is, neither
    /// indented nor quoted nor escaped; its syntax is the author's (and `nginx -t`'s) to get right.
    func extra(_ e: PortalEntry, into w: inout LineWriter) {
        guard let config = e.config else { return }
        w.blank()
        w.comment("config of the portal entry")
        w.verbatim(config + "\n")
    }

    /// The plain-HTTP server that sends clients to HTTPS (always on port 80, as Pigsty writes it),
    /// still answering ACME challenges when `certbot` is set.
    func redirect(_ e: PortalEntry, s: NginxSettings, into w: inout LineWriter) {
        guard e.redirectsToHTTPS else { return }
        w.blank()
        w.comment("plain HTTP: redirect to HTTPS")
        w.block("server") { w in
            w.directive("listen", "80")
            serverName(e, into: &w, pad: 0)
            if e.certbot != nil {
                acme(e, s: s, authOff: true, into: &w)
                w.block("location", "/") { w in w.directive("return", "301", "https://$host$request_uri") }
            } else {
                w.directive("return", "301", "https://$host$request_uri")
            }
        }
    }

    func endpointServer(_ e: PortalEntry, s: NginxSettings, into w: inout LineWriter) {
        w.comment("portal \(e.key): \(e.domain ?? "") proxies to \(e.endpoint)")
        w.blank()
        w.block("upstream", .word(e.key)) { w in w.directive("server", .word(e.endpoint), "max_fails=0") }
        w.blank()
        w.block("server") { w in
            serverName(e, into: &w)
            listeners(e, s: s, into: &w)
            w.directive("access_log", "/var/log/nginx/\(e.accessLog ?? "")")
            auth(e, into: &w)
            acme(e, s: s, authOff: false, into: &w)
            w.blank()
            w.block("location", "/") { w in
                w.directive("proxy_pass", "\(e.scheme)://\(e.key)/")
                w.directive("proxy_set_header", "Host", "$host")
                w.directive("proxy_set_header", "X-Real-Scheme", "$scheme")
                w.directive("proxy_set_header", "X-Real-IP", "$remote_addr")
                w.directive("proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for")
                w.directive("proxy_connect_timeout", "5")
                w.directive("proxy_read_timeout", "120s")
                w.directive("proxy_next_upstream", "error")
                w.directive("proxy_buffering", "off")
                w.directive("proxy_request_buffering", "off")
                if e.websocket {
                    w.comment("websocket upgrade")
                    upgrade(into: &w)
                }
            }
            extra(e, into: &w)
        }
        redirect(e, s: s, into: &w)
    }

    /// HTTP/1.1 with the `Upgrade` and `Connection` headers passed on (websockets).
    func upgrade(into w: inout LineWriter) {
        w.directive("proxy_http_version", "1.1")
        w.directive("proxy_set_header", "Upgrade", "$http_upgrade")
        w.directive("proxy_set_header", "Connection", .quoted("upgrade"))
    }

    func pathServer(_ e: PortalEntry, s: NginxSettings, into w: inout LineWriter) {
        w.comment("portal \(e.key): \(e.domain ?? "") serves \(e.root)")
        w.blank()
        w.block("server") { w in
            serverName(e, into: &w)
            listeners(e, s: s, into: &w)
            if let log = e.accessLog { w.directive("access_log", "/var/log/nginx/\(log)") }
            auth(e, into: &w)
            acme(e, s: s, authOff: false, into: &w)
            w.blank()
            w.block("location", "/") { w in
                w.directive("root", .word(e.root), pad: 11)
                w.directive("index", "index.html", pad: 11)
                if e.autoindex {
                    w.directive("autoindex", "on", pad: 11)
                    w.directive("autoindex_exact_size", "on")
                    w.directive("autoindex_localtime", "on")
                    w.directive("autoindex_format", "html")
                } else {
                    w.directive("autoindex", "off", pad: 11)
                }
                Self.staticFiles(into: &w)
            }
            extra(e, into: &w)
        }
        redirect(e, s: s, into: &w)
    }

    /// Directives for serving files efficiently.
    static func staticFiles(into w: inout LineWriter) {
        w.directive("sendfile", "on")
        w.directive("tcp_nopush", "on")
        w.directive("tcp_nodelay", "on")
        w.directive("directio", "1m")
        w.directive("output_buffers", "2", "1m")
        w.directive("aio", "threads")
    }

    func homeServer(_ e: PortalEntry, s: NginxSettings, into w: inout LineWriter) {
        let root = e.root
        let grafana = "http://127.0.0.1:\(s.grafanaPort)"
        w.comment("default server on port \(s.port)\(s.ssl ? " and \(s.sslPort)" : ""): home page and infra services")
        w.blank()
        w.comment("upstreams of the HAProxy stats pages registered by each node")
        w.directive("include", "/etc/nginx/conf.d/haproxy/upstream-*.conf")
        w.blank()
        w.block("server") { w in
            serverName(e, into: &w)
            w.directive("listen", .word(s.port), "default_server", pad: 12)
            if s.ssl { tls(e, s: s, defaultServer: true, into: &w) }
            auth(e, into: &w)
            w.blank()
            w.directive("error_page", "404", "/404.html")
            w.directive("proxy_buffering", "off")
            w.directive("proxy_request_buffering", "off")
            w.blank()
            w.comment("grafana")
            w.block("location", "/ui/") { w in
                w.directive("auth_basic", "off")
                w.directive("proxy_pass", .word(grafana))
                w.directive("proxy_set_header", "Host", "$http_host")
                w.directive("proxy_set_header", "X-Real-IP", "$remote_addr")
                w.directive("proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for")
                w.directive("proxy_set_header", "X-Forwarded-Proto", "$scheme")
                w.directive("proxy_set_header", "X-Forwarded-Host", "$http_host")
                w.directive("proxy_set_header", "Origin", "$scheme://$http_host")
            }
            w.block("location", "/ui/api/live/") { w in
                w.directive("auth_basic", "off")
                w.directive("proxy_pass", .word(grafana))
                upgrade(into: &w)
                w.directive("proxy_set_header", "Host", "$http_host")
            }
            w.comment("old /ui/<service> links")
            w.block("location", "~", "^/ui/(vmetrics|vlogs|vtraces|vmalert|haproxy|alertmgr)(.*)$") { w in
                w.directive("return", "301", "/$1$2")
            }
            w.blank()
            let simple: [(String, String, String)] = [
                ("vmetrics", s.vmetricsPort, "VictoriaMetrics"), ("vlogs", s.vlogsPort, "VictoriaLogs"),
                ("vtraces", s.vtracesPort, "VictoriaTraces"), ("vmalert", s.vmalertPort, "vmalert"),
                ("alertmgr", s.alertmanagerPort, "Alertmanager"), ("blackbox", s.blackboxPort, "blackbox_exporter"),
            ]
            for (path, port, what) in simple {
                w.comment(what)
                w.block("location", "/\(path)/") { w in w.directive("proxy_pass", "http://127.0.0.1:\(port)/") }
            }
            w.comment("code-server")
            w.block("location", "/code/") { w in
                w.directive("proxy_pass", "http://127.0.0.1:\(s.codePort)/")
                upgrade(into: &w)
                w.directive("proxy_set_header", "Host", "$host")
                w.directive("proxy_set_header", "X-Real-IP", "$remote_addr")
                w.directive("proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for")
                w.directive("proxy_set_header", "Accept-Encoding", "gzip")
                w.directive("proxy_read_timeout", "86400s")
                w.directive("proxy_send_timeout", "86400s")
                w.directive("proxy_redirect", "/", "/code/")
            }
            w.comment("JupyterLab")
            w.block("location", "/jupyter/") { w in
                w.directive("proxy_pass", "http://127.0.0.1:\(s.jupyterPort)")
                upgrade(into: &w)
                w.directive("proxy_set_header", "Host", "$host")
                w.directive("proxy_set_header", "X-Real-IP", "$remote_addr")
                w.directive("proxy_set_header", "X-Forwarded-For", "$proxy_add_x_forwarded_for")
                w.directive("proxy_read_timeout", "86400s")
                w.directive("proxy_send_timeout", "86400s")
            }
            w.blank()
            w.comment("HAProxy stats pages registered by each node")
            w.directive("include", "/etc/nginx/conf.d/haproxy/location-*.conf")
            acme(e, s: s, authOff: true, into: &w)
            if s.exporter {
                w.blank()
                w.comment("stub_status for nginx_exporter and liveness probes")
                w.block("location", "/nginx") { w in
                    w.directive("auth_basic", "off")
                    w.directive("stub_status", "on")
                    w.directive("access_log", "off")
                }
            }
            w.blank()
            w.comment("pages of the home site")
            for page in ["zh", "pev"] {
                w.block("location", "=", "/\(page)") { w in
                    w.directive("alias", "\(root)/\(page).html")
                    w.directive("default_type", "text/html")
                }
            }
            w.block("location", "=", "/404.html") { w in
                w.directive("alias", "\(root)/404.html")
                w.directive("default_type", "text/html")
                w.directive("internal")
            }
            w.block("location", "=", "/") { w in
                w.directive("root", .word(root))
                w.directive("default_type", "text/html")
            }
            w.block("location", "/") { w in
                w.directive("root", .word(root), pad: 11)
                w.directive("index", "index.html", pad: 11)
                // Home lists directories unless `index` is given and false (path servers: only when true).
                if !e.autoindex {
                    w.directive("autoindex", "off", pad: 11)
                } else {
                    w.directive("autoindex", "on", pad: 11)
                    w.directive("auth_basic", "off")
                    Self.staticFiles(into: &w)
                    w.directive("autoindex_exact_size", "off")
                    w.directive("autoindex_localtime", "on")
                    w.directive("autoindex_format", "html")
                }
            }
            extra(e, into: &w)
        }
    }
}
