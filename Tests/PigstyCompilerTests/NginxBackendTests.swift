import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// Nginx portal: which files exist where, the HTTPS matrix (`nginx_sslmode`, `enforce_https`),
/// certbot, basic auth, server names, `${admin_ip}`, HAProxy registrations and the scripts.
struct NginxBackendTests {
    /// Infra nodes .10 and .11, a web node .20 (nodename web-1) and .21 without HAProxy;
    /// `portal` is the infra_portal body, `globalVars` more global variables.
    static func inventory(portal: String = "home: { domain: i.pigsty }", globalVars: String = "",
                          infraHostVars: String = "") -> String {
        """
        all:
          children:
            infra:
              hosts:
                10.10.10.10: { infra_seq: 1 \(infraHostVars) }
                10.10.10.11: { infra_seq: 2 }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            web:
              hosts:
                10.10.10.20: { nodename: web-1, haproxy_exporter_port: 9201 }
                10.10.10.21: { haproxy_enabled: false }
          vars:
            admin_ip: 10.10.10.10
        \(globalVars.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            infra_portal:
        \(portal.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
        """
    }

    func tree(_ text: String) throws -> FileTree {
        let out = try emit(text, [NginxBackend()])
        #expect(!out.sink.hasErrors, "\(out.sink.diagnostics.map(\.message))")
        return out.tree
    }

    func file(_ t: FileTree, _ path: String, on node: String = "10.10.10.10") throws -> String {
        try #require(t.file(path, on: node), "\(path) missing on \(node): \(t.files(on: node).map(\.path))").content
    }

    /// Directive lines (trimmed, comments and blanks dropped).
    func lines(_ s: String) -> [String] {
        s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }

    static let app = "app: { domain: a.pigsty, endpoint: \"${admin_ip}:8080\" }"

    @Test func filesOnInfraNodesOnly() throws {
        let t = try tree(Self.inventory(portal: "home: { domain: i.pigsty }\n" + Self.app))
        for node in ["10.10.10.10", "10.10.10.11"] {
            let paths = Set(t.files(on: node).map(\.path))
            for p in ["/etc/nginx/nginx.conf", "/etc/nginx/.htpasswd", "/etc/nginx/link-cert", "/etc/nginx/sign-cert",
                      "/etc/nginx/conf.d/home.conf", "/etc/nginx/conf.d/app.conf", "/etc/default/nginx_exporter"] {
                #expect(paths.contains(p), "\(node) lacks \(p)")
            }
        }
        #expect(t.files(on: "10.10.10.20").isEmpty)
        let main = try file(t, "/etc/nginx/nginx.conf")
        #expect(main.hasPrefix("# pigstyc: "))
        #expect(lines(main).contains("include /etc/nginx/conf.d/*.conf;"))
        let htpasswd = try #require(t.file("/etc/nginx/.htpasswd", on: "10.10.10.10"))
        #expect(htpasswd.mode == 0o640 && htpasswd.group == "nginx")
        #expect(t.file("/etc/nginx/sign-cert", on: "10.10.10.10")?.mode == 0o750)
    }

    @Test func nginxDisabledLeavesOnlyHAProxyRegistrations() throws {
        let t = try tree(Self.inventory(infraHostVars: ", nginx_enabled: false"))
        let paths = t.files(on: "10.10.10.10").map(\.path)
        #expect(!paths.isEmpty && paths.allSatisfy { $0.hasPrefix("/etc/nginx/conf.d/haproxy/") }, "\(paths)")
        #expect(t.file("/etc/nginx/nginx.conf", on: "10.10.10.11") != nil)
    }

    @Test func haproxyRegistrationsForEveryHAProxyNode() throws {
        let t = try tree(Self.inventory())
        for node in ["10.10.10.10", "10.10.10.11"] {
            let up = try file(t, "/etc/nginx/conf.d/haproxy/upstream-web-1.conf", on: node)
            #expect(lines(up) == ["upstream haproxy-web-1 {", "server 10.10.10.20:9201 max_fails=0;", "}"])
            let loc = try file(t, "/etc/nginx/conf.d/haproxy/location-web-1.conf", on: node)
            #expect(lines(loc) == ["location ^~/haproxy/web-1/ {", "proxy_pass http://haproxy-web-1;",
                                   "proxy_connect_timeout 1;", "}"])
            // infra nodes run HAProxy too (nodename falls back to the IP); .21 has it disabled.
            #expect(t.file("/etc/nginx/conf.d/haproxy/upstream-10.10.10.11.conf", on: node) != nil)
            #expect(t.file("/etc/nginx/conf.d/haproxy/upstream-10.10.10.21.conf", on: node) == nil)
        }
    }

    @Test func sslModeMatrix() throws {
        for (mode, plain, tls, redirect) in [("disable", true, false, false), ("enable", true, true, false),
                                            ("enforce", false, true, true)] {
            let t = try tree(Self.inventory(portal: "home: { domain: i.pigsty }\n" + Self.app,
                                            globalVars: "nginx_sslmode: \(mode)"))
            let app = lines(try file(t, "/etc/nginx/conf.d/app.conf"))
            #expect(app.contains("listen       80;") == plain, "\(mode)")
            #expect(app.contains("listen       443 ssl;") == tls, "\(mode)")
            #expect(app.contains("ssl_certificate     /etc/nginx/conf.d/cert/a.pigsty.crt;") == tls, "\(mode)")
            #expect(app.contains("return 301 https://$host$request_uri;") == redirect, "\(mode)")
            // home keeps port 80 in every mode.
            let home = lines(try file(t, "/etc/nginx/conf.d/home.conf"))
            #expect(home.contains("listen       80 default_server;"))
            #expect(home.contains("listen       443 ssl default_server;") == tls, "\(mode)")
        }
    }

    @Test func enforceHTTPSPerEntry() throws {
        let t = try tree(Self.inventory(portal: """
            site: { domain: s.pigsty, domains: [ s2.pigsty ], path: /www/site, enforce_https: true }
            other: { domain: o.pigsty, path: /www/other }
            """, globalVars: "nginx_port: 8080"))
        let site = lines(try file(t, "/etc/nginx/conf.d/site.conf"))
        #expect(!site.contains("listen       8080;"))
        #expect(site.contains("listen 80;"))   // the redirect server always listens on 80, as Pigsty's
        #expect(site.filter { $0 == "server_name s.pigsty s2.pigsty;" || $0 == "server_name  s.pigsty s2.pigsty;" }.count == 2)
        #expect(site.contains("return 301 https://$host$request_uri;"))
        let other = lines(try file(t, "/etc/nginx/conf.d/other.conf"))
        #expect(other.contains("listen       8080;") && !other.contains("listen 80;"))
        #expect(other.contains("autoindex   off;") && !other.contains("access_log"))
    }

    @Test func certbotAddsACMELocations() throws {
        let t = try tree(Self.inventory(portal: """
            api: { domain: a.pigsty, endpoint: "10.10.10.20:8000", certbot: api.cc, enforce_https: true }
            """))
        let api = lines(try file(t, "/etc/nginx/conf.d/api.conf"))
        #expect(api.filter { $0 == "location ^~ /.well-known/acme-challenge/ {" }.count == 2)
        #expect(api.filter { $0 == "root /www/acme;" }.count == 2)
        // In the redirect server the challenge is answered without auth, the rest redirected.
        #expect(api.contains("auth_basic off;"))
        #expect(api.contains("location / {"))
        let link = try file(t, "/etc/nginx/link-cert")
        #expect(link.contains("if [[ -f \"/etc/letsencrypt/live/api.cc/privkey.pem\" ]]; then"))
        #expect(link.contains("ln -sfn \"/etc/letsencrypt/live/api.cc/fullchain.pem\" \"/etc/nginx/conf.d/cert/a.pigsty.crt\""))
    }

    @Test func basicAuthRealms() throws {
        let t = try tree(Self.inventory(portal: """
            home: { domain: i.pigsty, auth: true }
            a: { domain: a.pigsty, endpoint: "1.2.3.4:1", auth: true }
            b: { domain: b.pigsty, endpoint: "1.2.3.4:2", auth: yes, realm: Team B }
            c: { domain: c.pigsty, endpoint: "1.2.3.4:3", auth: false, realm: unused }
            """, globalVars: "nginx_users: { admin: pigsty, ops: Ops.Pass }"))
        #expect(lines(try file(t, "/etc/nginx/conf.d/home.conf")).contains("auth_basic \"Pigsty Home Auth\";"))
        #expect(lines(try file(t, "/etc/nginx/conf.d/a.conf")).contains("auth_basic \"Auth a\";"))
        #expect(lines(try file(t, "/etc/nginx/conf.d/b.conf")).contains("auth_basic \"Team B\";"))
        let c = try file(t, "/etc/nginx/conf.d/c.conf")
        #expect(!c.contains("auth_basic"))
        #expect(lines(try file(t, "/etc/nginx/.htpasswd")) == ["admin:{PLAIN}pigsty", "ops:{PLAIN}Ops.Pass"])
    }

    @Test func endpointDetails() throws {
        let t = try tree(Self.inventory(portal: """
            m: { domain: m.pigsty, domains: [ m2.pigsty, m3.pigsty ], endpoint: "${admin_ip}:9001", scheme: https, websocket: true, log: m.access, config: "    client_max_body_size 1g;" }
            """))
        let m = lines(try file(t, "/etc/nginx/conf.d/m.conf"))
        #expect(m.contains("server 10.10.10.10:9001 max_fails=0;"))
        #expect(m.contains("server_name  m.pigsty m2.pigsty m3.pigsty;"))
        #expect(m.contains("proxy_pass https://m/;"))
        #expect(m.contains("proxy_set_header Upgrade $http_upgrade;"))
        #expect(m.contains("access_log /var/log/nginx/m.access;"))
        // config goes last into the server block
        let i = try #require(m.firstIndex(of: "client_max_body_size 1g;"))
        #expect(m[i + 1] == "}")
    }

    @Test func entriesWithoutDomainAreSkipped() throws {
        let t = try tree(Self.inventory(portal: """
            home: { domain: i.pigsty }
            nodomain: { endpoint: "1.2.3.4:1" }
            empty: { domain: "", endpoint: "1.2.3.4:2" }
            nulled: { domain: ~, endpoint: "1.2.3.4:3" }
            """))
        let confs = t.files(on: "10.10.10.10").map(\.path).filter { $0.hasPrefix("/etc/nginx/conf.d/") && !$0.contains("/haproxy/") }
        #expect(confs == ["/etc/nginx/conf.d/home.conf"])
        #expect(!(try file(t, "/etc/nginx/link-cert")).contains("1.2.3.4"))
    }

    @Test func templateChoice() throws {
        let out = try emit(Self.inventory(portal: """
            home: { domain: i.pigsty, path: /srv/home, index: false }
            via: { domain: v.pigsty, conf: endpoint.conf, endpoint: "127.0.0.1:9000" }
            both: { domain: b.pigsty, path: /www/b, endpoint: "127.0.0.1:1", index: true }
            custom: { domain: c.pigsty, conf: mine.conf }
            """), [NginxBackend()])
        #expect(out.sink.diagnostics.map(\.id) == ["PGS0770"])
        let t = out.tree
        #expect(t.file("/etc/nginx/conf.d/custom.conf", on: "10.10.10.10") == nil)
        #expect(lines(try file(t, "/etc/nginx/conf.d/via.conf")).contains("upstream via {"))
        let both = lines(try file(t, "/etc/nginx/conf.d/both.conf"))
        #expect(both.contains("root        /www/b;") && both.contains("autoindex   on;") && !both.contains("upstream both {"))
        let home = lines(try file(t, "/etc/nginx/conf.d/home.conf"))
        #expect(home.contains("alias /srv/home/zh.html;") && home.contains("autoindex   off;"))
        #expect(home.contains("location /nginx {"))
    }

    @Test func stubStatusFollowsExporter() throws {
        let t = try tree(Self.inventory(globalVars: "nginx_exporter_enabled: false"))
        #expect(!(try file(t, "/etc/nginx/conf.d/home.conf")).contains("stub_status"))
        #expect(t.file("/etc/default/nginx_exporter", on: "10.10.10.10") == nil)
    }

    @Test func dictOrderAndDuplicateKeys() throws {
        let out = try emit(Self.inventory(portal: """
            zeta: { domain: z.pigsty, endpoint: "1.2.3.4:1" }
            alpha: { domain: a.pigsty, endpoint: "1.2.3.4:2" }
            zeta: { domain: z2.pigsty, endpoint: "1.2.3.4:3" }
            """), [NginxBackend()])
        let link = try file(out.tree, "/etc/nginx/link-cert")
        let z = try #require(link.range(of: "z2.pigsty.crt")), a = try #require(link.range(of: "a.pigsty.crt"))
        #expect(z.lowerBound < a.lowerBound)
        #expect(!link.contains("\"/etc/nginx/conf.d/cert/z.pigsty.crt\""))
    }

    @Test func signCertGroupsByCertbotName() throws {
        let t = try tree(Self.inventory(portal: """
            a: { domain: a.pigsty, endpoint: "1.2.3.4:1", certbot: shared }
            b: { domain: b.pigsty, domains: [ a.pigsty, c.pigsty ], endpoint: "1.2.3.4:2", certbot: shared }
            d: { domain: d.pigsty, endpoint: "1.2.3.4:3", certbot: own }
            """, globalVars: "certbot_email: \"o'neil$x@example.com\""))
        let s = try file(t, "/etc/nginx/sign-cert")
        #expect(s.contains("-d \"a.pigsty\" -d \"b.pigsty\" -d \"c.pigsty\" $OPTIONS"))
        #expect(s.contains("--cert-name own"))
        #expect(s.contains(#"EMAIL='o'\''neil$x@example.com'"#))
    }

    @Test func scriptsPassShellcheck() throws {
        let shellcheck = ["/usr/bin/shellcheck", "/usr/local/bin/shellcheck"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let shellcheck else {
            Issue.record("shellcheck is not installed (scripts/setup installs it)")
            return
        }
        let t = try tree(Self.inventory(portal: """
            home: { domain: i.pigsty, certbot: pigsty.cc }
            a: { domain: a.pigsty, domains: [ "*.a.pigsty" ], endpoint: "1.2.3.4:1", certbot: pigsty.cc }
            b: { domain: b.pigsty, endpoint: "1.2.3.4:2" }
            """, globalVars: "certbot_options: \"--dry-run `x` $HOME\""))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-nginx-sh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["link-cert", "sign-cert"] {
            let url = dir.appendingPathComponent(name)
            try file(t, "/etc/nginx/\(name)").write(to: url, atomically: true, encoding: .utf8)
            // SC2086: $OPTIONS is split into words on purpose; SC2016: inventory values are
            // single-quoted so that nothing in them expands.
            let (status, output) = try runTool(shellcheck, ["-e", "SC2086,SC2016", url.path])
            #expect(status == 0, "shellcheck \(name):\n\(output)")
        }
        #expect(try file(t, "/etc/nginx/sign-cert").contains("OPTIONS=${1-'--dry-run `x` $HOME'}"))
    }
}
