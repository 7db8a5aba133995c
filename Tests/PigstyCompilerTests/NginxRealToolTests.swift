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

/// The generated Nginx tree checked by the real `nginx -t` (Debian package `nginx`), run without
/// network access (`unshare -n`: `-t` binds the listen ports). Absolute paths are moved into a
/// scratch directory, certificates are throwaway self-signed ones made by openssl. Fails when
/// nginx or openssl is not installed.
struct NginxRealToolTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10: { infra_seq: 1 }
            10.10.10.11: { infra_seq: 2, nginx_sslmode: enforce }
            10.10.10.12: { infra_seq: 3, nginx_sslmode: disable, nginx_exporter_enabled: false }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        web: { hosts: { 10.10.10.20: { nodename: web-1 } } }
      vars:
        admin_ip: 10.10.10.10
        nginx_users: { admin: pigsty }
        infra_portal:
          home: { domain: i.pigsty, domains: [ home.pigsty ], auth: true, certbot: pigsty.cc, config: "    location = /ping { return 204; }" }
          grafana: { domain: g.pigsty, endpoint: "${admin_ip}:3000", websocket: true, scheme: https, auth: true, realm: Grafana, log: g.log }
          site: { domain: s.pigsty, domains: [ s2.pigsty ], path: /www/site, index: true, certbot: site.cc, enforce_https: true }
          plain: { domain: p.pigsty, path: /www/plain, cert: /etc/pki/p.crt, key: /etc/pki/p.key, log: plain.log }
          api: { domain: a.pigsty, endpoint: "10.10.10.20:8000", certbot: api.cc }
          via: { domain: v.pigsty, conf: endpoint.conf, endpoint: "127.0.0.1:9000" }
          hidden: { endpoint: "10.10.10.20:1" }
    """

    static func tool(_ name: String) -> String? {
        let dirs = ["/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin"]
            + (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        return dirs.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func generate() throws -> FileTree {
        let out = try emit(Self.inventory, [NginxBackend()])
        #expect(!out.sink.hasErrors)
        return out.tree
    }

    /// Writes a node's `/etc/nginx` under a fresh root with every absolute path moved into it, a
    /// minimal mime.types, temp paths nginx can create, and a self-signed pair for each
    /// certificate path; returns the root.
    func stage(_ tree: FileTree, node: String, openssl: String, extra: [String: String] = [:]) throws -> URL {
        let fm = FileManager.default
        let root = fm.temporaryDirectory.appendingPathComponent("pigstyc-nginx-\(UUID().uuidString)")
        let r = root.path
        for dir in ["etc/nginx/conf.d/haproxy", "log", "tmp", "certs"] {
            try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true)
        }
        let (status, output) = try runTool(openssl, [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=pigstyc-test",
            "-keyout", "\(r)/certs/test.key", "-out", "\(r)/certs/test.crt"])
        #expect(status == 0, "openssl: \(output)")
        var certPaths = Set<String>()
        for f in tree.files(on: node) where f.path.hasPrefix("/etc/nginx/") && f.path.hasSuffix(".conf") {
            var text = f.content
                .replacingOccurrences(of: "/etc/nginx/", with: "\(r)/etc/nginx/")
                .replacingOccurrences(of: "/var/log/nginx", with: "\(r)/log")
                .replacingOccurrences(of: "/var/run/nginx.pid", with: "\(r)/nginx.pid")
            var out: [String] = []
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                let words = line.split(separator: " ", omittingEmptySubsequences: true)
                if let first = words.first, first == "ssl_certificate" || first == "ssl_certificate_key", words.count == 2 {
                    var path = String(words[1].dropLast())   // drop ';'
                    if !path.hasPrefix(r) { path = r + path }
                    certPaths.insert(path)
                    out.append("    \(first) \(path);")
                } else if line.hasPrefix("user ") {
                    out.append("user nobody nogroup;")   // Debian has no user nginx
                } else if line == "http {" {
                    out.append(String(line))
                    for t in ["client_body", "proxy", "fastcgi", "uwsgi", "scgi"] { out.append("    \(t)_temp_path \(r)/tmp/\(t);") }
                } else {
                    out.append(String(line))
                }
            }
            text = out.joined(separator: "\n")
            try text.write(toFile: r + f.path, atomically: true, encoding: .utf8)
        }
        try "types { text/html html; text/css css; }\n".write(toFile: "\(r)/etc/nginx/mime.types", atomically: true, encoding: .utf8)
        for path in certPaths {
            try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            let source = path.hasSuffix(".key") ? "\(r)/certs/test.key" : "\(r)/certs/test.crt"
            if !fm.fileExists(atPath: path) { try fm.copyItem(atPath: source, toPath: path) }
        }
        for (name, content) in extra { try content.write(toFile: "\(r)/etc/nginx/\(name)", atomically: true, encoding: .utf8) }
        return root
    }

    /// `nginx -t` on the staged tree inside a network namespace.
    func check(_ root: URL, nginx: String) throws -> (Int32, String) {
        let r = root.path
        return try runTool("/usr/bin/unshare", (getuid() == 0 ? ["-n"] : ["-r", "-n"])
            + [nginx, "-t", "-e", "stderr", "-p", r + "/", "-c", "\(r)/etc/nginx/nginx.conf"])
    }

    func tools() -> (String, String)? {
        guard let nginx = Self.tool("nginx"), let openssl = Self.tool("openssl") else {
            Issue.record("nginx and openssl must be installed (Debian packages 'nginx', 'openssl'); scripts/setup installs them")
            return nil
        }
        return (nginx, openssl)
    }

    @Test func generatedConfigurationPassesNginxCheck() throws {
        guard let (nginx, openssl) = tools() else { return }
        let tree = try generate()
        for node in ["10.10.10.10", "10.10.10.11", "10.10.10.12"] {
            let names = tree.files(on: node).map(\.path)
            for p in ["home", "grafana", "site", "plain", "api", "via"] {
                #expect(names.contains("/etc/nginx/conf.d/\(p).conf"), "\(node): \(names)")
            }
            #expect(names.contains("/etc/nginx/conf.d/haproxy/location-web-1.conf"))
            let root = try stage(tree, node: node, openssl: openssl)
            defer { try? FileManager.default.removeItem(at: root) }
            let (status, output) = try check(root, nginx: nginx)
            #expect(status == 0, "nginx -t on \(node)'s files failed:\n\(output)")
            #expect(output.contains("test is successful"), "\(output)")
        }
    }

    @Test func nginxCheckRejectsABrokenFile() throws {
        // Guards the test above against a check that passes anything.
        guard let (nginx, openssl) = tools() else { return }
        let root = try stage(try generate(), node: "10.10.10.10", openssl: openssl,
                             extra: ["conf.d/broken.conf": "server {\n    listen 8081;\n    proxy_set_header Host $host\n}\n"])
        defer { try? FileManager.default.removeItem(at: root) }
        let (status, output) = try check(root, nginx: nginx)
        #expect(status != 0, "nginx accepted a broken file:\n\(output)")
        #expect(output.contains("broken.conf"), "\(output)")
    }
}
