import Foundation
import Testing
import PigstyFormats
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyDeploy
import PigstyTestSupport

/// What lowering derives once for the nginx portal and dnsmasq (graph.portal, graph.dns), and the
/// holes it closes: values that would add a line to a generated file.
struct PortalDNSLoweringTests {
    static func graph(_ text: String, checked: Bool = true) throws -> ResourceGraph {
        try emit(text, [], checked: checked).graph
    }

    @Test func portalEntriesCarryEveryDerivedFact() throws {
        let text = NginxBackendTests.inventory(portal: """
            home: { domain: h.pigsty, auth: true, index: false }
            grafana: { domain: g.pigsty, endpoint: "${admin_ip}:3000", websocket: true, certbot: pigsty, domains: [g2.pigsty] }
            files: { domain: f.pigsty, path: /www/files, index: true, log: files.log, auth: true, realm: Files, enforce_https: true }
            other: { domain: o.pigsty, conf: custom.conf }
            bare: { certbot: pigsty, domains: [b.pigsty, g.pigsty] }
            """, globalVars: "nginx_users: { admin: pass1 }")
        let portal = try Self.graph(text).portal
        #expect(portal.infraNodes == ["10.10.10.10", "10.10.10.11"])
        #expect(portal.haproxyPages.map(\.nodename).contains("web-1"))
        #expect(portal.haproxyPages.first { $0.nodename == "web-1" }?.port == "9201")
        let server = try #require(portal.servers.first)
        // Defaults come from the schema.
        #expect(server.settings.port == "80" && server.settings.sslPort == "443" && server.settings.sslMode == "enable")
        #expect(server.settings.home == "/www" && server.settings.grafanaPort == "3000" && server.settings.exporter)
        #expect(server.exporterPort == "9113")
        #expect(server.users == [HtpasswdUser(name: "admin", password: "pass1")])
        #expect(server.certbot == CertbotSettings(email: "your@email.com", webroot: "/www/acme", options: ""))
        #expect(server.certificates == [CertbotCertificate(name: "pigsty", domains: ["g.pigsty", "g2.pigsty", "b.pigsty"])])
        let byKey = Dictionary(uniqueKeysWithValues: server.entries.map { ($0.key, $0) })
        let home = try #require(byKey["home"])
        #expect(home.template == .home && home.root == "/www" && !home.autoindex && home.authRealm == "Pigsty Home Auth")
        let grafana = try #require(byKey["grafana"])
        #expect(grafana.template == .endpoint && grafana.endpoint == "10.10.10.10:3000" && grafana.scheme == "http")
        #expect(grafana.accessLog == "grafana.log" && grafana.websocket && grafana.authRealm == nil)
        #expect(grafana.serverNames == ["g.pigsty", "g2.pigsty"] && grafana.certbot == "pigsty")
        #expect(grafana.cert == "/etc/nginx/conf.d/cert/g.pigsty.crt" && grafana.certKey == "/etc/nginx/conf.d/cert/g.pigsty.key")
        #expect(!grafana.redirectsToHTTPS && grafana.hasServer)
        let files = try #require(byKey["files"])
        #expect(files.template == .path && files.root == "/www/files" && files.autoindex && files.accessLog == "files.log")
        #expect(files.authRealm == "Files" && files.redirectsToHTTPS)
        let other = try #require(byKey["other"])
        #expect(other.template == .custom("custom.conf") && !other.hasServer)
        let bare = try #require(byKey["bare"])
        #expect(bare.domain == nil && bare.template == nil && !bare.hasServer)
    }

    @Test func nginxDisabledNodeStillGetsRegistrations() throws {
        let text = NginxBackendTests.inventory(infraHostVars: ", nginx_enabled: false")
        let portal = try Self.graph(text).portal
        #expect(portal.servers.map(\.ip) == ["10.10.10.11"])
        let tree = try emit(text, [NginxBackend()]).tree
        #expect(tree.file("/etc/nginx/nginx.conf", on: "10.10.10.10") == nil)
        #expect(tree.file("/etc/nginx/conf.d/haproxy/upstream-web-1.conf", on: "10.10.10.10") != nil)
    }

    /// Every file the two back ends write declares the apply step the path table gives.
    @Test func filesDeclareTheirApplyStep() throws {
        let text = DnsmasqBackendTests.cluster("pg_vip_enabled: false")
        let tree = try emit(text, [NginxBackend(), DnsmasqBackend()]).tree
        var seen = 0
        for (_, files) in tree.nodes {
            for file in files.values {
                let declared = file.apply
                #expect(declared == ExpectedApply.classify(path: file.path, producer: file.producer), "\(file.path)")
                seen += 1
            }
        }
        #expect(seen > 10)
        let conf = try #require(tree.file("/etc/dnsmasq.conf", on: "10.10.10.10"))
        #expect(conf.apply == .in(.infra, .restart("dnsmasq")))
        let upstream = try #require(tree.nodes["10.10.10.10"]?.values.first { $0.path.hasPrefix("/etc/nginx/conf.d/haproxy/") })
        #expect(upstream.apply == .in(.register, .reload("nginx")))
    }

    /// A `scheme` is written bare into `proxy_pass`. Check only allows http and https (PGS0303); a graph
    /// lowered without checking still never gets a line break into it: lowering rejects the entry,
    /// no server file, error PGS0771.
    @Test func schemeWithALineBreakIsRejected() throws {
        let text = NginxBackendTests.inventory(portal: """
            home: { domain: i.pigsty }
            evil: { domain: e.pigsty, endpoint: "127.0.0.1:80", scheme: "http;\\n    return 200" }
            good: { domain: g.pigsty, endpoint: "127.0.0.1:80", scheme: https }
            """)
        let graph = try Self.graph(text, checked: false)
        let entries = try #require(graph.portal.servers.first).entries
        #expect(entries.first { $0.key == "evil" }?.rejection != nil)
        #expect(entries.first { $0.key == "good" }?.rejection == nil)
        let out = try emit(text, [NginxBackend()], checked: false)
        #expect(out.tree.file("/etc/nginx/conf.d/evil.conf", on: "10.10.10.10") == nil)
        #expect(out.tree.file("/etc/nginx/conf.d/good.conf", on: "10.10.10.10")?.content.contains("proxy_pass https://good/;") == true)
        let errors = out.sink.diagnostics.filter { $0.id == "PGS0771" }
        #expect(errors.count == 1, "one report for both infra nodes")
    }

    /// (Check now rejects line breaks in these values, PGS0315; the back ends still escape them when
    /// check is bypassed.)
    /// `certbot_email` and `certbot_options` (unchecked) are quoted in sign-cert, but a line break
    /// inside single quotes still put a new line into the script. They are written with `$'…'` escapes now.
    @Test func certbotValuesWithALineBreakStayOnOneLine() throws {
        #expect(Shell.dq("a\nb") == "$'a\\nb'")
        #expect(Shell.dq("it's\t") == "$'it\\'s\\t'")
        #expect(Shell.dq("plain") == "\"plain\"")
        #expect(Shell.dq("a'b$") == "'a'\\''b$'")
        let text = NginxBackendTests.inventory(globalVars: "certbot_options: \"--dry-run\\nrm -rf /\"")
        let sign = try #require(emit(text, [NginxBackend()], checked: false).tree.file("/etc/nginx/sign-cert", on: "10.10.10.10")).content
        #expect(sign.contains("OPTIONS=${1-$'--dry-run\\nrm -rf /'}\n"))
        #expect(!sign.split(separator: "\n").contains { $0.hasPrefix("rm ") })
    }

    @Test func dnsRecordsAndTargetsAreLowered() throws {
        let text = DnsmasqBackendTests.cluster("pg_vip_enabled: true, pg_vip_address: 10.10.10.3/24, pg_dns_suffix: .db")
        let dns = try Self.graph(text).dns
        #expect(dns.servers.map(\.ip) == ["10.10.10.10"] && dns.servers.first?.port == "53")
        let cluster = try #require(dns.records.first { $0.file == "pg-test" })
        #expect(cluster.content == .pgCluster(cluster: "pg-test", target: PgDNSTarget(kind: .vip, name: "pg-test.db", address: "10.10.10.3")))
        #expect(dns.records.contains { $0.content == .pgInstance(ip: "10.10.10.12", name: "pg-test-2") })
        let primary = try Self.graph(DnsmasqBackendTests.cluster("pg_dns_target: primary")).dns
        #expect(primary.records.first { $0.file == "pg-test" }?.content
                == .pgCluster(cluster: "pg-test", target: PgDNSTarget(kind: .primary, name: "pg-test", address: "10.10.10.11")))
        let none = try Self.graph(DnsmasqBackendTests.cluster("pg_dns_target: none")).dns
        #expect(none.records.first { $0.file == "pg-test" }?.content == .pgCluster(cluster: "pg-test", target: nil))
    }

    /// A `dns_records` item with a line break only draws a warning from check; written as it is it
    /// would add a record of its own. It is skipped, with a comment saying so.
    @Test func dnsRecordWithALineBreakIsSkipped() throws {
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
          vars:
            admin_ip: 10.10.10.10
            dns_records: ["${admin_ip} i.pigsty", "10.10.10.10 a.pigsty\\n6.6.6.6 bank.example"]
        """
        let dns = try Self.graph(text, checked: false).dns
        #expect(dns.servers.first?.defaultRecords == [.line("10.10.10.10 i.pigsty"), .skipped(index: 1)])
        let body = try #require(emit(text, [DnsmasqBackend()], checked: false).tree.file("/etc/dnsmasq.d/pigsty/default", on: "10.10.10.10")).content
        #expect(body.hasSuffix("10.10.10.10 i.pigsty\n# dns_records[1] skipped: it contains a line break\n"))
        #expect(!body.contains("bank.example"))
    }

    /// `minio_node` is not checked; a line break in it added a record to the MinIO file.
    @Test func minioNodeWithALineBreakIsSkipped() throws {
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            minio:
              hosts: { 10.10.10.10: { minio_seq: 1 } }
              vars: { minio_cluster: minio, minio_node: "x.pigsty\\n6.6.6.6 bank.example" }
          vars:
            admin_ip: 10.10.10.10
        """
        let dns = try Self.graph(text, checked: false).dns
        #expect(dns.records.first { $0.file == "minio-1" }?.content == .minio(ip: "10.10.10.10", instance: "minio-1", nodename: nil))
        let body = try #require(emit(text, [DnsmasqBackend()], checked: false).tree.file("/etc/dnsmasq.d/pigsty/minio-1", on: "10.10.10.10")).content
        #expect(!body.contains("bank.example"))
        #expect(body.hasSuffix("# minio_node of minio-1 skipped: it contains a line break\n10.10.10.10 minio-1\n"))
    }
}
