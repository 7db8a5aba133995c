import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats

/// The facts `AccessModel` lowers: HBA rule lists, HAProxy settings and services, PostgreSQL
/// services with their JMESPath-selected members.
struct AccessLoweringTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10: { infra_seq: 1 }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary, pg_weight: 50 }
            10.10.10.12: { pg_seq: 2, pg_role: replica, pg_offline_query: "y" }
          vars:
            pg_cluster: pg-test
            pg_hba_rules:
              - { user: '${monitor}', db: all, addr: cluster, auth: ssl, title: members, order: 1 }
              - { user: app, db: app, addr: world, auth: pwd, title: world, role: offline }
              - { title: raw, rules: [ 'local all x peer' ] }
              - { title: nothing }
            pgb_hba_rules:
              - { user: app, db: app, addr: world, auth: pwd, title: world }
            pg_services:
              - { name: bad, port: 5440, selector: "[? pg_role = `primary`]" }
              - { name: ro, port: 5441, selector: "[?pg_role=='replica']", backup: "[?pg_role=='primary']", dest: postgres }
      vars:
        admin_ip: 10.10.10.10
        haproxy_enabled: "yes "
        haproxy_services:
          - name: web
            port: 8080
            options: "option httplog"
            servers:
              - { name: a, ip: 10.10.10.11, port: 80, weight: 300, backup: "t" }
              - { name: b, ip: 10.10.10.12, port: 80, weight: "20", options: "check" }
    """

    func graph() throws -> ResourceGraph { try emit(Self.inventory, [], checked: false).graph }

    @Test func hbaRulesResolved() throws {
        let access = try graph().access
        #expect(access.hba.map(\.name) == ["pg-test-1", "pg-test-2"])
        let primary = access.hba[0], replica = access.hba[1]
        #expect(primary.members == ["10.10.10.11", "10.10.10.12"])
        #expect(primary.infra == ["10.10.10.10"])
        #expect(primary.users.monitor == "dbuser_monitor")
        let rules = try #require(primary.postgres).rules
        // The ordered rule first; the rule with neither lines nor an address is dropped.
        #expect(rules.first?.title == "members")
        #expect(!rules.contains { $0.title == "nothing" })
        let members = try #require(rules.first)
        #expect(members.body == .entries(conn: "hostssl", db: "all", user: "dbuser_monitor",
                                         address: .hosts(["10.10.10.11/32", "10.10.10.12/32"]), auth: "scram-sha-256"))
        #expect(rules.first { $0.title == "raw" }?.body == .raw(["local all x peer"]))
        // `pg_offline_query: "y"` is true for Ansible's |bool: the offline rule applies to the replica only.
        #expect(rules.first { $0.title == "world" }?.enabled == false)
        let replicaRules = try #require(replica.postgres).rules
        let offline = try #require(replicaRules.first { $0.title == "world" })
        #expect(offline.enabled)
        #expect(offline.body == .entries(conn: "host", db: "app", user: "app", address: .hosts(["0.0.0.0/0", "::/0"]),
                                         auth: "scram-sha-256"))
        let pgbRules = try #require(replica.pgbouncer).rules
        let pgb = try #require(pgbRules.first { $0.title == "world" })
        if case .entries(_, _, _, let address, _) = pgb.body { #expect(address == .world) } else { Issue.record("no entries") }
        // Members of one cluster with the same role and context share rule objects.
        #expect(rules.first === replicaRules.first)
    }

    @Test func haproxyNodeAndServices() throws {
        let access = try graph().access
        // "yes " (blank-padded) is true for |bool.
        #expect(access.haproxy.map(\.ip) == ["10.10.10.10", "10.10.10.11", "10.10.10.12"])
        let node = access.haproxy[1]
        #expect(node.clientTimeout == "24h")
        let web = try #require(node.services.first)
        #expect(web.options == ["option httplog"])
        #expect(web.defaultServer == HAProxyService.defaultServer)
        #expect(web.servers == [
            HAProxyServer(name: "a", ip: "10.10.10.11", port: "80", backup: true, weight: nil, options: nil),
            HAProxyServer(name: "b", ip: "10.10.10.12", port: "80", backup: false, weight: "20", options: "check"),
        ])
    }

    @Test func pgServicesSelectedByJMESPath() throws {
        let access = try graph().access
        let ro = access.pgServices.filter { $0.name == "ro" }
        #expect(ro.map(\.renderer) == ["10.10.10.11", "10.10.10.12"])
        #expect(ro.map(\.targets) == [["10.10.10.11"], ["10.10.10.12"]])
        let body = try #require(ro.first?.body)
        #expect(ro[0].body === ro[1].body)
        #expect(body.members == ["10.10.10.12"])
        #expect(body.backups == ["10.10.10.11"])
        #expect(body.servers.map(\.name) == ["pg-test-2", "pg-test-1"])
        #expect(body.servers.map(\.backup) == [false, true])
        #expect(body.servers.map(\.weight) == ["100", "50"])
        #expect(body.servers.allSatisfy { $0.port == "5432" && $0.checkPort == "8008" && !$0.checkSSL })
        // The invalid selector is recorded once (one source position), not rendered.
        #expect(!access.pgServices.contains { $0.name == "bad" })
        #expect(access.issues.count == 1)
        #expect(access.issues.first?.code.rawValue == "PGS0820")
    }

    @Test func lineWriterKeepsOneLinePerLine() {
        var w = LineWriter()
        w.comment("a\nb")
        w.indent = "  "
        w.line("x\r\ny\u{0}z")
        w.blank()
        #expect(w.text == "# a\\nb\n  x\\r\\ny\\0z\n\n")
        #expect(LineWriter.pad("é", 3) == "é  ")
        #expect(LineWriter.pad("e\u{301}", 3) == "e\u{301} ")
        #expect(LineWriter.pad("toolong", 3) == "toolong")
    }
}
