import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
import PigstyTestSupport

/// The LineWriter helpers the nginx and dnsmasq back ends build their documents with: nginx
/// directives, blocks and argument quoting, constant and unterminated lines, hosts records,
/// dnsmasq options, environment files, and the one shell-quoting function.
struct LineWriterFormatTests {
    @Test func nginxArgumentsAreQuotedOnlyWhenNginxWouldReadThemDifferently() {
        for plain in ["on", "/var/log/nginx/a.log", "$host", "https://$host$request_uri", "^~", "=404",
                      "^/ui/(a|b)(.*)$", "/etc/nginx/conf.d/*.conf", "a#b", "max_fails=0"] {
            #expect(Nginx.word(plain) == plain, "\(plain)")
        }
        #expect(Nginx.word("") == "\"\"")
        #expect(Nginx.word("a b") == "\"a b\"")
        #expect(Nginx.word("a\tb") == "\"a\\tb\"")
        #expect(Nginx.word("a;b") == "\"a;b\"")
        #expect(Nginx.word("a{b") == "\"a{b\"")
        #expect(Nginx.word("}a") == "\"}a\"")
        #expect(Nginx.word("a}b") == "\"a}b\"", "a `}` is quoted anywhere (nginx reads it only at a token's start)")
        #expect(Nginx.word("#a") == "\"#a\"")
        #expect(Nginx.word("'a'") == "\"'a'\"")
        #expect(Nginx.word("a\"b") == #""a\"b""#)
        #expect(Nginx.word("a\\b") == #""a\\b""#)
        #expect(Nginx.word("a\nb\rc") == #""a\nb\rc""#)
        #expect(Nginx.quoted("upgrade") == "\"upgrade\"")
        let arg: NginxArg = "x \(1);"
        #expect(arg.token == "\"x 1;\"")
        #expect(NginxArg.word("ok").token == "ok" && NginxArg.quoted("ok").token == "\"ok\"")
    }

    @Test func nginxBlocksIndentAndDirectivesPad() {
        var w = LineWriter()
        w.comment("top")
        w.directive("user", "nginx", pad: 5)
        w.block("http") { w in
            w.directive("include", "/etc/nginx/mime.types", pad: 13)
            w.blank()
            w.comment("inner")
            w.block("location", "^~", "/a b/") { w in
                w.directive("root", .word("/www/x;y"), pad: 11)
                w.directive("internal")
            }
            w.directive("server_name", ["a", "b"])
        }
        #expect(w.text == """
        # top
        user  nginx;
        http {
            include       /etc/nginx/mime.types;

            # inner
            location ^~ "/a b/" {
                root        "/www/x;y";
                internal;
            }
            server_name a b;
        }

        """)
    }

    @Test func constantAndUnterminatedLines() {
        var w = LineWriter()
        w.indented { w in
            w.lines("""
            a

            b
            """)
        }
        w.lines("c\n")
        w.unterminatedHostsRecord("10.0.0.1", "x\ny")
        #expect(w.text == "    a\n\n    b\nc\n10.0.0.1 x\\ny")
        var h = LineWriter()
        h.hostsRecord("10.0.0.1", "a", "b")
        #expect(h.text == "10.0.0.1 a b\n")
    }

    @Test func dnsmasqValuesAreQuotedWhenTheyWouldSplitOrComment() {
        #expect(Dnsmasq.value("10.10.10.10") == "10.10.10.10")
        #expect(Dnsmasq.value("/etc/dnsmasq.d/pigsty") == "/etc/dnsmasq.d/pigsty")
        #expect(Dnsmasq.value("") == "\"\"")
        #expect(Dnsmasq.value("a b") == "\"a b\"")
        #expect(Dnsmasq.value("a,b") == "\"a,b\"")
        #expect(Dnsmasq.value("a #b") == "\"a #b\"")
        #expect(Dnsmasq.value("a\"\\\n") == #""a\"\\\n""#)
        var w = LineWriter()
        w.dnsmasqOption("listen-address", "127.0.0.1", "10.0.0.1,10.0.0.2")
        w.dnsmasqOption("port", "53\nport=5353")
        #expect(w.text == "listen-address=127.0.0.1,\"10.0.0.1,10.0.0.2\"\nport=\"53\\nport=5353\"\n")
    }

    @Test func environmentAssignmentsEscapeShellAndSystemdSpecials() {
        var w = LineWriter()
        w.environment("OPTS", "-a :9113")
        w.environment("X", #"a"b$c`d\e"#)
        #expect(w.text == "OPTS=\"-a :9113\"\nX=\"a\\\"b\\$c\\`d\\\\e\"\n")
    }

    @Test func headersCannotBeBrokenByAName() {
        #expect(Header.hash("x", node: "n\nrm -rf /") == "# pigstyc: x for n\\nrm -rf /; do not edit\n")
    }

    /// One shell-quoting function for the certificate scripts and the ship commands.
    @Test func oneShellQuoting() {
        #expect(Shell.single("it's") == #"'it'\''s'"#)
        #expect(Shell.single("a\nb") == "$'a\\nb'")
        #expect(Shell.word("a.b-c") == "a.b-c" && Shell.word("a b") == "'a b'" && Shell.word("") == "''")
        #expect(Shell.comment("a\nb\u{2028}c") == "a b c")
    }

    // MARK: - Hostile values through the back ends

    /// Values the checker rejects (emitted unchecked here) cannot change the meaning of the nginx
    /// files: each stays one argument. An injected `autoindex on;` or `auth_basic_user_file` would
    /// make `nginx -t` fail with "is duplicate" (or with too many arguments).
    static let hostile = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
      vars:
        admin_ip: 10.10.10.10
        nginx_sslmode: disable
        nginx_home: "/www/h{o}me; autoindex off"
        nginx_users: { admin: pigsty }
        infra_portal:
          home: { domain: i.pigsty, auth: true, realm: "R\\"; auth_basic_user_file /etc/passwd; #\\nx" }
          site: { domain: s.pigsty, domains: [ "s2.pigsty;}", "" ], path: "/www/a b;autoindex on", log: "s.log; access_log off" }
          api: { domain: a.pigsty, endpoint: "127.0.0.1:9000", log: "{a}.log", auth: true, realm: "x}; #" }
    """

    func hostileTree() throws -> FileTree {
        let out = try emit(Self.hostile, [NginxBackend()], checked: false)
        return out.tree
    }

    @Test func hostileNginxValuesStayOneArgument() throws {
        let t = try hostileTree()
        let home = try #require(t.file("/etc/nginx/conf.d/home.conf", on: "10.10.10.10")).content
        #expect(home.contains(#"    auth_basic "R\"; auth_basic_user_file /etc/passwd; #\nx";"# + "\n"))
        #expect(home.contains("        root        \"/www/h{o}me; autoindex off\";\n"))
        #expect(home.contains("        alias \"/www/h{o}me; autoindex off/zh.html\";\n"))
        let site = try #require(t.file("/etc/nginx/conf.d/site.conf", on: "10.10.10.10")).content
        #expect(site.contains("    server_name  s.pigsty \"s2.pigsty;}\";\n"))
        #expect(site.contains("        root        \"/www/a b;autoindex on\";\n"))
        #expect(site.contains("    access_log \"/var/log/nginx/s.log; access_log off\";\n"))
        let api = try #require(t.file("/etc/nginx/conf.d/api.conf", on: "10.10.10.10")).content
        #expect(api.contains("    access_log \"/var/log/nginx/{a}.log\";\n"))
        #expect(api.contains("    auth_basic \"x}; #\";\n"))
        for text in [home, site, api] {
            #expect(PortalRules.bracesBalanced(text), "\(text)")
        }
    }

    @Test func hostileNginxValuesPassNginxCheck() throws {
        let real = NginxRealToolTests()
        guard let (nginx, openssl) = real.tools() else { return }
        let root = try real.stage(try hostileTree(), node: "10.10.10.10", openssl: openssl)
        defer { try? FileManager.default.removeItem(at: root) }
        let (status, output) = try real.check(root, nginx: nginx)
        #expect(status == 0, "nginx -t failed on hostile values:\n\(output)")
        #expect(output.contains("test is successful"), "\(output)")
    }

    /// Guards the test above: the same values written bare (as plain interpolation would) fail.
    @Test func hostileNginxValuesWrittenBareFailNginxCheck() throws {
        let real = NginxRealToolTests()
        guard let (nginx, openssl) = real.tools() else { return }
        let node = "10.10.10.10"
        var bare = FileTree()
        for f in try hostileTree().files(on: node) {
            let content = f.path.hasSuffix("/site.conf")
                ? f.content.replacingOccurrences(of: "\"/www/a b;autoindex on\"", with: "/www/a b;autoindex on") : f.content
            bare.add(GeneratedFile(path: f.path, content: content, producer: f.producer, apply: f.apply), on: node)
        }
        let root = try real.stage(bare, node: node, openssl: openssl)
        defer { try? FileManager.default.removeItem(at: root) }
        let (status, output) = try real.check(root, nginx: nginx)
        #expect(status != 0, "nginx accepted the injected directive:\n\(output)")
        #expect(output.contains("site.conf"), "\(output)")
    }

    @Test func hostileDnsmasqValuesStayOnOneLine() throws {
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1, dns_port: "53 #x" } } }
          vars:
            admin_ip: 10.10.10.10
            dns_records: [ "${admin_ip} a.pigsty", "10.0.0.1 b\\nc" ]
        """
        let t = try emit(text, [DnsmasqBackend()], checked: false).tree
        let conf = try #require(t.file("/etc/dnsmasq.conf", on: "10.10.10.10")).content
        #expect(conf.contains("\nport=\"53 #x\"\n"))
        let records = try #require(t.file("/etc/dnsmasq.d/pigsty/default", on: "10.10.10.10")).content
        #expect(records.hasSuffix("10.10.10.10 a.pigsty\n# dns_records[1] skipped: it contains a line break\n"))
    }
}
