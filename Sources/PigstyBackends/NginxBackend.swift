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
    /// `/etc/default/nginx_exporter`: part of the infra step, no unit touched.
    static let exporterApply = ApplyClass.in(.infra)


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
                     producer p: String? = nil, apply: ApplyClass = Self.nginxApply) {
                tree.add(GeneratedFile(path: path, content: content, owner: "root", group: group, mode: mode,
                                       producer: p ?? producer, apply: apply), on: ip)
            }
            add("/etc/nginx/nginx.conf", mainConfig(server, graph: graph))
            // Passwords in plain text: readable by root and the nginx group only.
            add("/etc/nginx/.htpasswd", htpasswd(server, graph: graph), mode: 0o640)
            add("/etc/nginx/link-cert", linkCert(server, graph: graph), mode: 0o750)
            add("/etc/nginx/sign-cert", signCert(server, graph: graph), mode: 0o750)
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
        var out = Header.hash("nginx main configuration", node: server.ip, inventory: graph.inventoryName)
        out += """
        # portal servers are loaded from /etc/nginx/conf.d

        user  nginx;
        worker_processes  auto;
        worker_cpu_affinity auto;
        worker_rlimit_nofile 65535;
        error_log  /var/log/nginx-error.log warn;
        pid        /var/run/nginx.pid;

        events {
            worker_connections 2048;
            use epoll;
            multi_accept on;
        }

        http {
            include       /etc/nginx/mime.types;
            default_type  application/octet-stream;
            access_log    /var/log/nginx/access.log combined;
            client_max_body_size 400m;
            sendfile      on;
            tcp_nopush    on;
            tcp_nodelay   on;
            gzip          on;
            server_tokens off;
            keepalive_timeout 65;
            include /etc/nginx/conf.d/*.conf;
        }

        """
        return out
    }

    // MARK: - .htpasswd and nginx_exporter

    func htpasswd(_ server: NginxServer, graph: ResourceGraph) -> String {
        var out = Header.hash("nginx basic-auth accounts", node: server.ip, inventory: graph.inventoryName)
        for user in server.users {
            out += "\(user.name):{PLAIN}\(user.password)\n"
        }
        return out
    }

    func exporterEnv(_ server: NginxServer, port: String, graph: ResourceGraph) -> String {
        // nginx_exporter scrapes the home server's stub_status on port 80, as Pigsty configures it.
        return Header.hash("nginx_exporter options", node: server.ip, inventory: graph.inventoryName)
            + "NGINX_EXPORTER_OPTS=\"-nginx.scrape-uri http://127.0.0.1:80/nginx -web.listen-address=:\(port)\"\n"
    }

    // MARK: - HAProxy registration

    func registerHAProxy(_ page: HAProxyStatsPage, on ip: String, graph: ResourceGraph, into tree: inout FileTree) {
        let name = page.nodename
        let what = "haproxy stats page of \(name) (\(page.ip))"
        let upstream = Header.hash("nginx upstream for the \(what)", node: ip, inventory: graph.inventoryName)
            + "upstream haproxy-\(name) {\n    server \(page.ip):\(page.port) max_fails=0;\n}\n"
        let location = Header.hash("nginx location for the \(what)", node: ip, inventory: graph.inventoryName)
            + "location ^~/haproxy/\(name)/ {\n    proxy_pass http://haproxy-\(name);\n    proxy_connect_timeout 1;\n}\n"
        let producer = "nginx:haproxy-\(name)"
        tree.add(GeneratedFile(path: "/etc/nginx/conf.d/haproxy/upstream-\(name).conf", content: upstream,
                               producer: producer, apply: Self.registrationApply), on: ip)
        tree.add(GeneratedFile(path: "/etc/nginx/conf.d/haproxy/location-\(name).conf", content: location,
                               producer: producer, apply: Self.registrationApply), on: ip)
    }

    // MARK: - Portal servers

    /// The server file of one entry; nil when its template is not one pigstyc has.
    func server(_ e: PortalEntry, server: NginxServer, graph: ResourceGraph) -> String? {
        let s = server.settings
        let header = Header.hash("nginx portal server \(e.key)", node: server.ip, inventory: graph.inventoryName)
        switch e.template {
        case .home?: return homeServer(e, s: s, header: header)
        case .path?: return pathServer(e, s: s, header: header)
        case .endpoint?: return endpointServer(e, s: s, header: header)
        case .custom?, nil: return nil
        }
    }

    /// `    server_name  a b c;`
    func serverName(_ e: PortalEntry) -> String { "    server_name  \(e.serverNames.joined(separator: " "));\n" }

    /// The HTTPS listener and its certificate (`cert`/`key`, else the domain's linked pair).
    func tls(_ e: PortalEntry, s: NginxSettings, defaultServer: Bool) -> String {
        """
            listen       \(s.sslPort) ssl\(defaultServer ? " default_server" : "");
            ssl_certificate     \(e.cert);
            ssl_certificate_key \(e.certKey);
            ssl_session_timeout 5m;
            ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
            ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:HIGH:!aNULL:!MD5:!RC4:!DHE;
            ssl_prefer_server_ciphers on;

        """
    }

    /// The listeners of an endpoint or path server: plain HTTP unless it redirects, HTTPS unless
    /// `nginx_sslmode` is disable.
    func listeners(_ e: PortalEntry, s: NginxSettings) -> String {
        var out = e.redirectsToHTTPS ? "" : "    listen       \(s.port);\n"
        if s.ssl { out += tls(e, s: s, defaultServer: false) }
        return out
    }

    /// Basic authentication with the accounts of `.htpasswd`, when `auth` is true.
    func auth(_ e: PortalEntry) -> String {
        guard let realm = e.authRealm else { return "" }
        return "\n    # basic authentication (nginx_users)\n    auth_basic \(Self.quoted(realm));\n    auth_basic_user_file /etc/nginx/.htpasswd;\n"
    }

    /// The ACME http-01 challenge directory certbot writes into, when `certbot` is set.
    func acme(_ e: PortalEntry, s: NginxSettings, authOff: Bool) -> String {
        guard e.certbot != nil else { return "" }
        return "\n    # ACME challenges for certbot\n    location ^~ /.well-known/acme-challenge/ {\n"
            + (authOff ? "        auth_basic off;\n" : "")
            + "        root \(s.home)/acme;\n        try_files $uri =404;\n    }\n"
    }

    /// Raw directives of `config`, placed last in the server block.
    func extra(_ e: PortalEntry) -> String {
        guard let config = e.config else { return "" }
        return "\n    # config of the portal entry\n" + config + "\n"
    }

    /// The plain-HTTP server that sends clients to HTTPS (always on port 80, as Pigsty writes it),
    /// still answering ACME challenges when `certbot` is set.
    func redirect(_ e: PortalEntry, s: NginxSettings) -> String {
        guard e.redirectsToHTTPS else { return "" }
        var out = "\n# plain HTTP: redirect to HTTPS\nserver {\n    listen 80;\n"
        out += "    server_name \(e.serverNames.joined(separator: " "));\n"
        if e.certbot != nil {
            out += acme(e, s: s, authOff: true)
            out += "    location / {\n        return 301 https://$host$request_uri;\n    }\n"
        } else {
            out += "    return 301 https://$host$request_uri;\n"
        }
        return out + "}\n"
    }

    func endpointServer(_ e: PortalEntry, s: NginxSettings, header: String) -> String {
        let endpoint = e.endpoint, scheme = e.scheme
        var out = header
        out += "# portal \(e.key): \(e.domain ?? "") proxies to \(endpoint)\n\n"
        out += "upstream \(e.key) {\n    server \(endpoint) max_fails=0;\n}\n\n"
        out += "server {\n" + serverName(e) + listeners(e, s: s)
        out += "    access_log /var/log/nginx/\(e.accessLog ?? "");\n"
        out += auth(e)
        out += acme(e, s: s, authOff: false)
        out += """

            location / {
                proxy_pass \(scheme)://\(e.key)/;
                proxy_set_header Host $host;
                proxy_set_header X-Real-Scheme $scheme;
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_connect_timeout 5;
                proxy_read_timeout 120s;
                proxy_next_upstream error;
                proxy_buffering off;
                proxy_request_buffering off;

        """
        if e.websocket {
            out += "        # websocket upgrade\n        proxy_http_version 1.1;\n"
            out += "        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection \"upgrade\";\n"
        }
        out += "    }\n" + extra(e) + "}\n"
        return out + redirect(e, s: s)
    }

    func pathServer(_ e: PortalEntry, s: NginxSettings, header: String) -> String {
        let root = e.root
        var out = header
        out += "# portal \(e.key): \(e.domain ?? "") serves \(root)\n\n"
        out += "server {\n" + serverName(e) + listeners(e, s: s)
        if let log = e.accessLog { out += "    access_log /var/log/nginx/\(log);\n" }
        out += auth(e)
        out += acme(e, s: s, authOff: false)
        out += "\n    location / {\n        root        \(root);\n        index       index.html;\n"
        if e.autoindex {
            out += "        autoindex   on;\n        autoindex_exact_size on;\n        autoindex_localtime on;\n        autoindex_format html;\n"
        } else {
            out += "        autoindex   off;\n"
        }
        out += Self.staticFiles + "    }\n" + extra(e) + "}\n"
        return out + redirect(e, s: s)
    }

    /// Directives for serving files efficiently.
    static let staticFiles = """
            sendfile on;
            tcp_nopush on;
            tcp_nodelay on;
            directio 1m;
            output_buffers 2 1m;
            aio threads;

    """

    func homeServer(_ e: PortalEntry, s: NginxSettings, header: String) -> String {
        let root = e.root
        let grafana = s.grafanaPort
        var out = header
        out += "# default server on port \(s.port)\(s.ssl ? " and \(s.sslPort)" : ""): home page and infra services\n\n"
        out += "# upstreams of the HAProxy stats pages registered by each node\n"
        out += "include /etc/nginx/conf.d/haproxy/upstream-*.conf;\n\n"
        out += "server {\n" + serverName(e)
        out += "    listen       \(s.port) default_server;\n"
        if s.ssl { out += tls(e, s: s, defaultServer: true) }
        out += auth(e)
        out += """

            error_page 404 /404.html;
            proxy_buffering off;
            proxy_request_buffering off;

            # grafana
            location /ui/ {
                auth_basic off;
                proxy_pass http://127.0.0.1:\(grafana);
                proxy_set_header Host $http_host;
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header X-Forwarded-Proto $scheme;
                proxy_set_header X-Forwarded-Host $http_host;
                proxy_set_header Origin $scheme://$http_host;
            }
            location /ui/api/live/ {
                auth_basic off;
                proxy_pass http://127.0.0.1:\(grafana);
                proxy_http_version 1.1;
                proxy_set_header Upgrade $http_upgrade;
                proxy_set_header Connection "upgrade";
                proxy_set_header Host $http_host;
            }
            # old /ui/<service> links
            location ~ ^/ui/(vmetrics|vlogs|vtraces|vmalert|haproxy|alertmgr)(.*)$ {
                return 301 /$1$2;
            }


        """
        let simple: [(String, String, String)] = [
            ("vmetrics", s.vmetricsPort, "VictoriaMetrics"), ("vlogs", s.vlogsPort, "VictoriaLogs"),
            ("vtraces", s.vtracesPort, "VictoriaTraces"), ("vmalert", s.vmalertPort, "vmalert"),
            ("alertmgr", s.alertmanagerPort, "Alertmanager"), ("blackbox", s.blackboxPort, "blackbox_exporter"),
        ]
        for (path, port, what) in simple {
            out += "    # \(what)\n    location /\(path)/ {\n        proxy_pass http://127.0.0.1:\(port)/;\n    }\n"
        }
        out += """
            # code-server
            location /code/ {
                proxy_pass http://127.0.0.1:\(s.codePort)/;
                proxy_http_version 1.1;
                proxy_set_header Upgrade $http_upgrade;
                proxy_set_header Connection "upgrade";
                proxy_set_header Host $host;
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_set_header Accept-Encoding gzip;
                proxy_read_timeout 86400s;
                proxy_send_timeout 86400s;
                proxy_redirect / /code/;
            }
            # JupyterLab
            location /jupyter/ {
                proxy_pass http://127.0.0.1:\(s.jupyterPort);
                proxy_http_version 1.1;
                proxy_set_header Upgrade $http_upgrade;
                proxy_set_header Connection "upgrade";
                proxy_set_header Host $host;
                proxy_set_header X-Real-IP $remote_addr;
                proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                proxy_read_timeout 86400s;
                proxy_send_timeout 86400s;
            }

            # HAProxy stats pages registered by each node
            include /etc/nginx/conf.d/haproxy/location-*.conf;

        """
        out += acme(e, s: s, authOff: true)
        if s.exporter {
            out += "\n    # stub_status for nginx_exporter and liveness probes\n"
            out += "    location /nginx {\n        auth_basic off;\n        stub_status on;\n        access_log off;\n    }\n"
        }
        out += """

            # pages of the home site
            location = /zh {
                alias \(root)/zh.html;
                default_type text/html;
            }
            location = /pev {
                alias \(root)/pev.html;
                default_type text/html;
            }
            location = /404.html {
                alias \(root)/404.html;
                default_type text/html;
                internal;
            }
            location = / {
                root \(root);
                default_type text/html;
            }
            location / {
                root        \(root);
                index       index.html;

        """
        // Home lists directories unless `index` is given and false (path servers: only when true).
        if !e.autoindex {
            out += "        autoindex   off;\n"
        } else {
            out += "        autoindex   on;\n        auth_basic off;\n"
            out += "        sendfile on;\n        tcp_nopush on;\n        tcp_nodelay on;\n        directio 1m;\n"
            out += "        output_buffers 2 1m;\n        aio threads;\n"
            out += "        autoindex_exact_size off;\n        autoindex_localtime on;\n        autoindex_format html;\n"
        }
        out += "    }\n" + extra(e) + "}\n"
        return out
    }

    /// A double-quoted nginx string (`"` and `\` escaped).
    static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
