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

/// HAProxy: haproxy.cfg, generic `haproxy_services`, and PostgreSQL services (selectors, backups,
/// destinations, weights, options, RTO timings, service provider groups).
struct HAProxyBackendTests {
    /// pg-test: primary .11, replica .12 (offline-capable, weight 50), replica .13; a `proxy`
    /// group .20/.21; `clusterVars` and `globalVars` are inserted into the cluster and global vars.
    static func inventory(_ clusterVars: String = "", globalVars: String = "", hostVars12: String = "") -> String {
        func indent(_ s: String, _ n: Int) -> String {
            s.split(separator: "\n", omittingEmptySubsequences: false).map { String(repeating: " ", count: n) + $0 }.joined(separator: "\n")
        }
        return """
        all:
          children:
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica, pg_offline_query: true, pg_weight: 50 \(hostVars12) }
                10.10.10.13: { pg_seq: 3, pg_role: replica }
              vars:
                pg_cluster: pg-test
        \(indent(clusterVars, 8))
            proxy:
              hosts:
                10.10.10.20: {}
                10.10.10.21: {}
          vars:
            admin_ip: 10.10.10.11
        \(indent(globalVars, 4))
        """
    }

    func tree(_ text: String) throws -> FileTree {
        let out = try emit(text, [HAProxyBackend()])
        #expect(!out.sink.hasErrors, "\(out.sink.diagnostics.map(\.message))")
        return out.tree
    }

    func file(_ tree: FileTree, _ path: String, on ip: String = "10.10.10.11") throws -> String {
        try #require(tree.file(path, on: ip), "no \(path) on \(ip)").content
    }

    /// The `server` lines of a service file, trimmed.
    func servers(_ tree: FileTree, _ service: String, on ip: String = "10.10.10.11") throws -> [String] {
        try file(tree, "/etc/haproxy/conf.d/pg-test-\(service).cfg", on: ip)
            .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("server ") }
    }

    func directive(_ content: String, _ prefix: String) -> String? {
        content.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix(prefix) }
    }

    @Test func defaultServicesOnEveryMember() throws {
        let t = try tree(Self.inventory())
        for ip in ["10.10.10.11", "10.10.10.12", "10.10.10.13"] {
            for svc in ["primary", "replica", "default", "offline"] {
                #expect(t.file("/etc/haproxy/conf.d/pg-test-\(svc).cfg", on: ip) != nil, "\(svc) on \(ip)")
            }
        }
        #expect(t.file("/etc/haproxy/conf.d/pg-test-primary.cfg", on: "10.10.10.20") == nil)
        // primary: every member through pgbouncer (pg_default_service_dest), checked on /primary.
        #expect(try servers(t, "primary") == [
            "server pg-test-1 10.10.10.11:6432 check port 8008 weight 100",
            "server pg-test-2 10.10.10.12:6432 check port 8008 weight 50",
            "server pg-test-3 10.10.10.13:6432 check port 8008 weight 100",
        ])
        let primary = try file(t, "/etc/haproxy/conf.d/pg-test-primary.cfg")
        #expect(directive(primary, "http-check send") == "http-check send meth OPTIONS uri /primary")
        #expect(directive(primary, "bind") == "bind *:5433")
        #expect(directive(primary, "maxconn") == "maxconn 5000")
        #expect(directive(primary, "default-server") ==
                "default-server inter 2s fastinter 1s downinter 2s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100")
        #expect(primary.hasPrefix("# pigstyc: haproxy service pg-test-primary for 10.10.10.11; do not edit\n"))
        // replica: the primary (and offline role) is a backup.
        #expect(try servers(t, "replica") == [
            "server pg-test-1 10.10.10.11:6432 check port 8008 weight 100 backup",
            "server pg-test-2 10.10.10.12:6432 check port 8008 weight 50",
            "server pg-test-3 10.10.10.13:6432 check port 8008 weight 100",
        ])
        // default goes to postgres directly.
        #expect(try servers(t, "default").allSatisfy { $0.contains(":5432 ") })
    }

    @Test func offlineServiceUsesUnsetOfflineQueryAsNull() throws {
        // pg-test-3 has no pg_offline_query: it is null, so `!pg_offline_query` keeps it as backup.
        let t = try tree(Self.inventory())
        #expect(try servers(t, "offline") == [
            "server pg-test-2 10.10.10.12:5432 check port 8008 weight 50",
            "server pg-test-3 10.10.10.13:5432 check port 8008 weight 100 backup",
        ])
    }

    @Test func customSelectorAndBackupServers() throws {
        let t = try tree(Self.inventory("""
        pg_services:
          - { name: late, port: 5440, dest: postgres, check: /sync, maxconn: 300, balance: leastconn, ip: 10.10.10.11,
              selector: "[? pg_seq >= `2` ]", backup: "[? pg_role == 'primary' || pg_seq == `3` ]" }
        """))
        // Backups already selected get `backup`; the others are appended after the members.
        #expect(try servers(t, "late", on: "10.10.10.13") == [
            "server pg-test-2 10.10.10.12:5432 check port 8008 weight 50",
            "server pg-test-3 10.10.10.13:5432 check port 8008 weight 100 backup",
            "server pg-test-1 10.10.10.11:5432 check port 8008 weight 100 backup",
        ])
        let late = try file(t, "/etc/haproxy/conf.d/pg-test-late.cfg")
        #expect(directive(late, "bind") == "bind 10.10.10.11:5440")
        #expect(directive(late, "maxconn") == "maxconn 300")
        #expect(directive(late, "balance") == "balance leastconn")
        #expect(directive(late, "http-check send") == "http-check send meth OPTIONS uri /sync")
    }

    @Test func destinations() throws {
        let t = try tree(Self.inventory("""
        pgbouncer_port: 6543
        pg_services:
          - { name: num, port: 5440, dest: 15432, selector: "[]" }
          - { name: pg, port: 5441, dest: postgres, selector: "[]" }
          - { name: dflt, port: 5442, selector: "[]" }
        """, hostVars12: ", pg_port: 5444, patroni_port: 8010"))
        #expect(try servers(t, "num").map { $0.split(separator: " ")[2] } == ["10.10.10.11:15432", "10.10.10.12:15432", "10.10.10.13:15432"])
        // postgres: each host's own inventory pg_port, 5432 when unset.
        #expect(try servers(t, "pg").map { $0.split(separator: " ")[2] } == ["10.10.10.11:5432", "10.10.10.12:5444", "10.10.10.13:5432"])
        #expect(try servers(t, "pg")[1].contains("check port 8010 "))
        // no dest: pg_default_service_dest (pgbouncer) on each host's pgbouncer_port.
        #expect(try servers(t, "dflt").map { $0.split(separator: " ")[2] } == ["10.10.10.11:6543", "10.10.10.12:6543", "10.10.10.13:6543"])

        let p = try tree(Self.inventory("pg_default_service_dest: postgres"))
        #expect(try servers(p, "primary").allSatisfy { $0.contains(":5432 ") })
    }

    @Test func weightsComeFromInventoryOnly() throws {
        let t = try tree(Self.inventory("pg_weight: 7"))
        #expect(try servers(t, "primary").map { $0.components(separatedBy: " weight ")[1] } == ["7", "50", "7"])
    }

    @Test func optionsOverrideAndRTOPlan() throws {
        let t = try tree(Self.inventory("""
        pg_rto: fast
        pg_services:
          - { name: own, port: 5440, selector: "[]", options: "inter 9s rise 1 fall 1" }
        """))
        #expect(directive(try file(t, "/etc/haproxy/conf.d/pg-test-own.cfg"), "default-server") == "default-server inter 9s rise 1 fall 1")
        // fast: HAProxy takes no fractions, so 0.5s is written as 500ms.
        #expect(directive(try file(t, "/etc/haproxy/conf.d/pg-test-primary.cfg"), "default-server")?
            .hasPrefix("default-server inter 1s fastinter 500ms downinter 1s rise 3 fall 3 ") == true)
        let safe = try tree(Self.inventory("pg_rto: safe"))
        #expect(directive(try file(safe, "/etc/haproxy/conf.d/pg-test-primary.cfg"), "default-server")?
            .hasPrefix("default-server inter 3s fastinter 1500ms downinter 3s rise 3 fall 3 ") == true)
        // A pg_rto the plan does not define falls back to the plan's norm entry.
        let n = try tree(Self.inventory("""
        pg_rto: wide
        pg_rto_plan: { norm: [ 30, 5, 10, 25, 5, 7s, 3s, 7s, 2, 4 ] }
        """))
        #expect(directive(try file(n, "/etc/haproxy/conf.d/pg-test-primary.cfg"), "default-server")?
            .hasPrefix("default-server inter 7s fastinter 3s downinter 7s rise 2 fall 4 ") == true)
    }

    /// Members render the same services with their own variables: one member's timings, ports and
    /// selections are never reused for another's file.
    @Test func eachMemberRendersWithItsOwnVariables() throws {
        let t = try tree(Self.inventory(hostVars12: ", pg_rto: fast, pg_port: 5433"))
        let own = try #require(directive(try file(t, "/etc/haproxy/conf.d/pg-test-primary.cfg", on: "10.10.10.12"), "default-server"))
        let other = try #require(directive(try file(t, "/etc/haproxy/conf.d/pg-test-primary.cfg", on: "10.10.10.11"), "default-server"))
        #expect(own.hasPrefix("default-server inter 1s fastinter 500ms ") && other.hasPrefix("default-server inter 2s "))
        // The member's own port is used for its server line in every member's file.
        for ip in ["10.10.10.11", "10.10.10.12", "10.10.10.13"] {
            #expect(try servers(t, "default", on: ip).contains { $0.hasPrefix("server pg-test-2 10.10.10.12:5433 ") })
        }
        #expect(try servers(t, "default", on: "10.10.10.11").contains { $0.hasPrefix("server pg-test-3 10.10.10.13:5432 ") })
        // A member's own default destination changes the service it renders, not the others'.
        let d = try tree(Self.inventory(hostVars12: ", pg_default_service_dest: postgres"))
        #expect(try servers(d, "primary", on: "10.10.10.12").map { $0.components(separatedBy: " ")[2] }
                == ["10.10.10.11:5432", "10.10.10.12:5432", "10.10.10.13:5432"])
        for ip in ["10.10.10.11", "10.10.10.13"] {
            #expect(try servers(d, "primary", on: ip).map { $0.components(separatedBy: " ")[2] }
                    == ["10.10.10.11:6432", "10.10.10.12:6432", "10.10.10.13:6432"])
        }
    }

    @Test func fractionalTimesBecomeWholeUnits() {
        #expect(HAProxyTime.integral("0.5s") == "500ms")
        #expect(HAProxyTime.integral("1.5m") == "90s")
        #expect(HAProxyTime.integral("0.25ms") == "250us")
        #expect(HAProxyTime.integral("2s") == "2s")
        #expect(HAProxyTime.integral("0.5x") == "0.5x")
    }

    @Test func patroniSSLAddsCheckSSLPerHost() throws {
        let t = try tree(Self.inventory(hostVars12: ", patroni_ssl_enabled: true"))
        let lines = try servers(t, "primary")
        #expect(lines[1] == "server pg-test-2 10.10.10.12:6432 check-ssl ca-file /pg/cert/ca.crt check port 8008 weight 50")
        #expect(!lines[0].contains("check-ssl") && !lines[2].contains("check-ssl"))
    }

    @Test func serviceProviderGroupGetsTheFilesInstead() throws {
        let t = try tree(Self.inventory("pg_service_provider: proxy"))
        for ip in ["10.10.10.20", "10.10.10.21"] {
            #expect(try servers(t, "replica", on: ip).count == 3)
            #expect(try file(t, "/etc/haproxy/conf.d/pg-test-replica.cfg", on: ip).contains("as rendered by 10.10.10.11"))
        }
        for ip in ["10.10.10.11", "10.10.10.12", "10.10.10.13"] {
            #expect(t.file("/etc/haproxy/conf.d/pg-test-replica.cfg", on: ip) == nil)
        }
    }

    @Test func globalConfigOnEnabledNodesWithPrivateMode() throws {
        let t = try tree(Self.inventory(globalVars: """
        haproxy_admin_password: "p#ss word's"
        haproxy_client_timeout: 2h
        """))
        let cfg = try #require(t.file("/etc/haproxy/haproxy.cfg", on: "10.10.10.20"))
        #expect(cfg.mode == 0o600)
        #expect(directive(cfg.content, "user admin") == #"user admin  insecure-password 'p#ss word'\''s'"#)
        #expect(directive(cfg.content, "timeout client") == "timeout client     2h")
        #expect(directive(cfg.content, "node") == "node        10.10.10.20")
        #expect(directive(try file(t, "/etc/haproxy/haproxy.cfg"), "stats uri") == "stats uri /haproxy/pg-test-1/")

        let off = try tree(Self.inventory(globalVars: "haproxy_enabled: false"))
        #expect(off.file("/etc/haproxy/haproxy.cfg", on: "10.10.10.20") == nil)
        // PostgreSQL services do not depend on haproxy_enabled (Pigsty's pgsql role writes them anyway).
        #expect(off.file("/etc/haproxy/conf.d/pg-test-primary.cfg", on: "10.10.10.11") != nil)
    }

    @Test func genericServices() throws {
        let t = try tree(Self.inventory(globalVars: """
        haproxy_services:
          - name: web
            port: 8080
            protocol: http
            options: [ "option httpchk", "http-check send meth GET uri /" ]
            servers:
              - { name: w1, ip: 10.10.10.20, port: 80, weight: 10, options: check }
              - { name: w2, ip: 10.10.10.21, port: 80, backup: true }
        """))
        let web = try file(t, "/etc/haproxy/conf.d/web.cfg", on: "10.10.10.21")
        let lines = web.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.hasPrefix("#") && !$0.isEmpty }
        #expect(lines == [
            "listen web", "bind *:8080", "mode http", "maxconn 10000", "balance roundrobin",
            "option httpchk", "http-check send meth GET uri /",
            "default-server inter 3s fastinter 1s downinter 5s rise 3 fall 3 on-marked-down shutdown-sessions slowstart 30s maxconn 3000 maxqueue 128 weight 100",
            "server w1 10.10.10.20:80 weight 10 check", "server w2 10.10.10.21:80 backup",
        ])
    }
}
