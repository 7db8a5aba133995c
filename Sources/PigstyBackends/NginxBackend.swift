import PigstyModel
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

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

    /// The portal templates pigstyc knows; `conf` may name one of them.
    static let builtinTemplates = ["home.conf", "path.conf", "endpoint.conf"]

    func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
        let infra = graph.nodes(inGroup: "infra")
        let proxies = graph.nodes.filter { Jinja.bool($0.host.value("haproxy_enabled")) }
        for node in infra {
            for proxy in proxies { registerHAProxy(proxy, on: node, graph: graph, into: &tree) }
            guard Jinja.bool(node.host.value("nginx_enabled")) else { continue }
            let h = node.host
            let producer = "nginx:\(node.ip)"
            func add(_ path: String, _ content: String, group: String = "nginx", mode: Int = 0o644, producer p: String? = nil) {
                tree.add(GeneratedFile(path: path, content: content, owner: "root", group: group, mode: mode,
                                       producer: p ?? producer), on: node.ip)
            }
            add("/etc/nginx/nginx.conf", mainConfig(node, graph: graph))
            // Passwords in plain text: readable by root and the nginx group only.
            add("/etc/nginx/.htpasswd", htpasswd(node, graph: graph), mode: 0o640)
            let entries = Self.portal(h)
            add("/etc/nginx/link-cert", linkCert(node, entries: entries, graph: graph), mode: 0o750)
            add("/etc/nginx/sign-cert", signCert(node, entries: entries, graph: graph), mode: 0o750)
            if Jinja.bool(h.value("nginx_exporter_enabled"), default: true) {
                add("/etc/default/nginx_exporter", exporterEnv(node, graph: graph), group: "root")
            }
            for entry in entries where entry.domain != nil {
                guard let content = server(entry, node: node, graph: graph) else { continue }
                add("/etc/nginx/conf.d/\(entry.key).conf", content, producer: "nginx:\(entry.key)")
            }
        }
    }

    // MARK: - Inventory values

    /// One `infra_portal` entry as the templates see it.
    struct Entry {
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

        var domain: String? { text("domain") }
        /// `server_name` words: the domain, then `domains` when it is a list.
        var serverNames: [String] { [domain ?? ""] + (field("domains")?.sequence ?? []).map { Jinja.str($0) } }
        var certbot: String? { text("certbot") }

        /// The template Pigsty picks: `conf`, else home for the key `home`, else path, else endpoint.
        var template: String? {
            if let conf = field("conf") { return Jinja.str(conf) }
            if key == "home" { return "home.conf" }
            if field("path") != nil { return "path.conf" }
            if field("endpoint") != nil { return "endpoint.conf" }
            return nil
        }
    }

    /// `infra_portal` entries in dict order; a key written twice keeps its first position and its
    /// last value, as a Python dict does. Entries that are not mappings are skipped.
    static func portal(_ h: ResolvedHost) -> [Entry] {
        var order: [String] = []
        var values: [String: YAMLNode] = [:]
        for pair in h.value("infra_portal")?.mapping ?? [] {
            guard let key = pair.key.keyName else { continue }
            if values[key] == nil { order.append(key) }
            values[key] = pair.value
        }
        return order.compactMap { key in
            guard let v = values[key], v.mapping != nil else { return nil }
            return Entry(key: key, fields: v)
        }
    }

    /// A parameter as `{{ x|default(fallback) }}` prints it.
    static func param(_ h: ResolvedHost, _ name: String, _ fallback: String) -> String {
        h.value(name).map { Jinja.str($0) } ?? fallback
    }

    struct Settings {
        let port: String
        let sslPort: String
        let sslMode: String
        let home: String

        init(_ h: ResolvedHost) {
            port = NginxBackend.param(h, "nginx_port", "80")
            sslPort = NginxBackend.param(h, "nginx_ssl_port", "443")
            sslMode = NginxBackend.param(h, "nginx_sslmode", "enable")
            home = NginxBackend.param(h, "nginx_home", "/www")
        }

        var ssl: Bool { sslMode != "disable" }
        /// HTTP only redirects to HTTPS: `nginx_sslmode: enforce`, or the entry's `enforce_https`.
        func redirects(_ e: Entry) -> Bool { sslMode == "enforce" || e.flag("enforce_https") }
    }

    // MARK: - nginx.conf

    func mainConfig(_ node: NodeResource, graph: ResourceGraph) -> String {
        var out = Header.hash("nginx main configuration", node: node.ip, inventory: graph.inventoryName)
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

    func htpasswd(_ node: NodeResource, graph: ResourceGraph) -> String {
        var out = Header.hash("nginx basic-auth accounts", node: node.ip, inventory: graph.inventoryName)
        for pair in node.host.value("nginx_users")?.mapping ?? [] {
            out += "\(Jinja.str(pair.key)):{PLAIN}\(Jinja.str(pair.value))\n"
        }
        return out
    }

    func exporterEnv(_ node: NodeResource, graph: ResourceGraph) -> String {
        // nginx_exporter scrapes the home server's stub_status on port 80, as Pigsty configures it.
        let port = Self.param(node.host, "nginx_exporter_port", "9113")
        return Header.hash("nginx_exporter options", node: node.ip, inventory: graph.inventoryName)
            + "NGINX_EXPORTER_OPTS=\"-nginx.scrape-uri http://127.0.0.1:80/nginx -web.listen-address=:\(port)\"\n"
    }

    // MARK: - HAProxy registration

    func registerHAProxy(_ proxy: NodeResource, on node: NodeResource, graph: ResourceGraph, into tree: inout FileTree) {
        let name = proxy.nodename
        let port = Self.param(proxy.host, "haproxy_exporter_port", "9101")
        let what = "haproxy stats page of \(name) (\(proxy.ip))"
        let upstream = Header.hash("nginx upstream for the \(what)", node: node.ip, inventory: graph.inventoryName)
            + "upstream haproxy-\(name) {\n    server \(proxy.ip):\(port) max_fails=0;\n}\n"
        let location = Header.hash("nginx location for the \(what)", node: node.ip, inventory: graph.inventoryName)
            + "location ^~/haproxy/\(name)/ {\n    proxy_pass http://haproxy-\(name);\n    proxy_connect_timeout 1;\n}\n"
        let producer = "nginx:haproxy-\(name)"
        tree.add(GeneratedFile(path: "/etc/nginx/conf.d/haproxy/upstream-\(name).conf", content: upstream,
                               producer: producer), on: node.ip)
        tree.add(GeneratedFile(path: "/etc/nginx/conf.d/haproxy/location-\(name).conf", content: location,
                               producer: producer), on: node.ip)
    }

    // MARK: - Portal servers

    /// The server file of one entry; nil when its template is not one pigstyc has.
    func server(_ e: Entry, node: NodeResource, graph: ResourceGraph) -> String? {
        let h = node.host
        let s = Settings(h)
        switch e.template {
        case "home.conf"?: return homeServer(e, h: h, s: s, header: header(e, node, graph))
        case "path.conf"?: return pathServer(e, s: s, header: header(e, node, graph))
        case "endpoint.conf"?: return endpointServer(e, h: h, s: s, header: header(e, node, graph))
        default: return nil
        }
    }

    func header(_ e: Entry, _ node: NodeResource, _ graph: ResourceGraph) -> String {
        Header.hash("nginx portal server \(e.key)", node: node.ip, inventory: graph.inventoryName)
    }

    /// `    server_name  a b c;`
    func serverName(_ e: Entry) -> String { "    server_name  \(e.serverNames.joined(separator: " "));\n" }

    /// The HTTPS listener and its certificate (`cert`/`key`, else the domain's linked pair).
    func tls(_ e: Entry, s: Settings, defaultServer: Bool) -> String {
        let domain = e.domain ?? ""
        let cert = e.text("cert") ?? "/etc/nginx/conf.d/cert/\(domain).crt"
        let key = e.text("key") ?? "/etc/nginx/conf.d/cert/\(domain).key"
        return """
            listen       \(s.sslPort) ssl\(defaultServer ? " default_server" : "");
            ssl_certificate     \(cert);
            ssl_certificate_key \(key);
            ssl_session_timeout 5m;
            ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
            ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:HIGH:!aNULL:!MD5:!RC4:!DHE;
            ssl_prefer_server_ciphers on;

        """
    }

    /// The listeners of an endpoint or path server: plain HTTP unless it redirects, HTTPS unless
    /// `nginx_sslmode` is disable.
    func listeners(_ e: Entry, s: Settings) -> String {
        var out = s.redirects(e) ? "" : "    listen       \(s.port);\n"
        if s.ssl { out += tls(e, s: s, defaultServer: false) }
        return out
    }

    /// Basic authentication with the accounts of `.htpasswd`, when `auth` is true.
    func auth(_ e: Entry, defaultRealm: String) -> String {
        guard e.flag("auth") else { return "" }
        let realm = e.text("realm") ?? defaultRealm
        return "\n    # basic authentication (nginx_users)\n    auth_basic \(Self.quoted(realm));\n    auth_basic_user_file /etc/nginx/.htpasswd;\n"
    }

    /// The ACME http-01 challenge directory certbot writes into, when `certbot` is set.
    func acme(_ e: Entry, s: Settings, authOff: Bool) -> String {
        guard e.certbot != nil else { return "" }
        return "\n    # ACME challenges for certbot\n    location ^~ /.well-known/acme-challenge/ {\n"
            + (authOff ? "        auth_basic off;\n" : "")
            + "        root \(s.home)/acme;\n        try_files $uri =404;\n    }\n"
    }

    /// Raw directives of `config`, placed last in the server block.
    func extra(_ e: Entry) -> String {
        guard let config = e.field("config"), !Jinja.isEmptyString(config) else { return "" }
        return "\n    # config of the portal entry\n" + Jinja.str(config) + "\n"
    }

    /// The plain-HTTP server that sends clients to HTTPS (always on port 80, as Pigsty writes it),
    /// still answering ACME challenges when `certbot` is set.
    func redirect(_ e: Entry, s: Settings) -> String {
        guard s.redirects(e) else { return "" }
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

    func endpointServer(_ e: Entry, h: ResolvedHost, s: Settings, header: String) -> String {
        let adminIP = Self.param(h, "admin_ip", "")
        let endpoint = (e.field("endpoint").map { Jinja.str($0) } ?? "").replacingOccurrences(of: "${admin_ip}", with: adminIP)
        let scheme = e.text("scheme") ?? "http"
        var out = header
        out += "# portal \(e.key): \(e.domain ?? "") proxies to \(endpoint)\n\n"
        out += "upstream \(e.key) {\n    server \(endpoint) max_fails=0;\n}\n\n"
        out += "server {\n" + serverName(e) + listeners(e, s: s)
        out += "    access_log /var/log/nginx/\(e.text("log") ?? "\(e.key).log");\n"
        out += auth(e, defaultRealm: "Auth \(e.key)")
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
        if e.flag("websocket") {
            out += "        # websocket upgrade\n        proxy_http_version 1.1;\n"
            out += "        proxy_set_header Upgrade $http_upgrade;\n        proxy_set_header Connection \"upgrade\";\n"
        }
        out += "    }\n" + extra(e) + "}\n"
        return out + redirect(e, s: s)
    }

    func pathServer(_ e: Entry, s: Settings, header: String) -> String {
        let root = e.field("path").map { Jinja.str($0) } ?? ""
        var out = header
        out += "# portal \(e.key): \(e.domain ?? "") serves \(root)\n\n"
        out += "server {\n" + serverName(e) + listeners(e, s: s)
        if let log = e.text("log") { out += "    access_log /var/log/nginx/\(log);\n" }
        out += auth(e, defaultRealm: "Auth \(e.key)")
        out += acme(e, s: s, authOff: false)
        out += "\n    location / {\n        root        \(root);\n        index       index.html;\n"
        if e.flag("index") {
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

    func homeServer(_ e: Entry, h: ResolvedHost, s: Settings, header: String) -> String {
        func port(_ name: String, _ fallback: String) -> String { Self.param(h, name, fallback) }
        let root = e.field("path").map { Jinja.str($0) } ?? s.home
        let grafana = port("grafana_port", "3000")
        var out = header
        out += "# default server on port \(s.port)\(s.ssl ? " and \(s.sslPort)" : ""): home page and infra services\n\n"
        out += "# upstreams of the HAProxy stats pages registered by each node\n"
        out += "include /etc/nginx/conf.d/haproxy/upstream-*.conf;\n\n"
        out += "server {\n" + serverName(e)
        out += "    listen       \(s.port) default_server;\n"
        if s.ssl { out += tls(e, s: s, defaultServer: true) }
        out += auth(e, defaultRealm: "Pigsty Home Auth")
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
        let simple: [(String, String, String, String)] = [
            ("vmetrics", "vmetrics_port", "8428", "VictoriaMetrics"), ("vlogs", "vlogs_port", "9428", "VictoriaLogs"),
            ("vtraces", "vtraces_port", "10428", "VictoriaTraces"), ("vmalert", "vmalert_port", "8880", "vmalert"),
            ("alertmgr", "alertmanager_port", "9059", "Alertmanager"), ("blackbox", "blackbox_port", "9115", "blackbox_exporter"),
        ]
        for (path, param, fallback, what) in simple {
            out += "    # \(what)\n    location /\(path)/ {\n        proxy_pass http://127.0.0.1:\(port(param, fallback))/;\n    }\n"
        }
        out += """
            # code-server
            location /code/ {
                proxy_pass http://127.0.0.1:\(port("code_port", "8443"))/;
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
                proxy_pass http://127.0.0.1:\(port("jupyter_port", "8888"));
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
        if Jinja.bool(h.value("nginx_exporter_enabled"), default: true) {
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
        if let index = e.field("index"), !Jinja.bool(index) {
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
