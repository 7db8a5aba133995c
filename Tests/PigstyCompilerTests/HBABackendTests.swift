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

/// `pg_hba.conf` / `pgb_hba.conf`: rule order, role enabling, address and user aliases, auth mapping.
struct HBABackendTests {
    /// A three-node cluster (one offline-capable replica) plus two infra nodes; `rules` goes into
    /// the cluster vars.
    static func inventory(_ clusterVars: String = "", globalVars: String = "") -> String {
        """
        all:
          children:
            infra:
              hosts:
                10.10.10.3: { infra_seq: 2 }
                10.10.10.10: { infra_seq: 1 }
            pg-test:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica, pg_offline_query: true }
                10.10.10.2: { pg_seq: 3, pg_role: replica }
              vars:
                pg_cluster: pg-test
        \(clusterVars.split(separator: "\n", omittingEmptySubsequences: false).map { "        " + $0 }.joined(separator: "\n"))
          vars:
            admin_ip: 10.10.10.10
        \(globalVars.split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }.joined(separator: "\n"))
        """
    }

    func tree(_ text: String) throws -> FileTree { try emit(text, [HBABackend()]).tree }

    func lines(_ text: String, on ip: String = "10.10.10.11", pgbouncer: Bool = false) throws -> [String] {
        let path = pgbouncer ? "/etc/pgbouncer/pgb_hba.conf" : "/pg/data/pg_hba.conf"
        let file = try #require(try tree(text).file(path, on: ip), "no \(path) on \(ip)")
        return file.content.components(separatedBy: "\n")
    }

    /// The rule titled `title`: its title line and its lines up to the blank line after it.
    func block(_ lines: [String], _ title: String) -> [String] {
        guard let start = lines.firstIndex(where: { $0.hasPrefix("# \(title) [") }) else { return [] }
        var out: [String] = []
        for l in lines[start...] {
            if l.isEmpty { break }
            out.append(l)
        }
        return out
    }

    /// Titles of all rules in file order.
    func titles(_ lines: [String]) -> [String] {
        lines.filter { $0.hasPrefix("# ") && $0.contains(" [") && $0.hasSuffix("] ") || $0.hasSuffix("[DISABLED]") }
            .map { String($0.dropFirst(2).prefix { $0 != "[" }.dropLast()) }
    }

    /// Rule texts are shared between instances that render them alike: instances of clusters with
    /// other users, password encryption, admin address, intranet and roles must still get exactly
    /// what they get when their cluster is alone in the inventory.
    @Test func sharedRuleTextsMatchEachClusterAlone() throws {
        let clusters = [
            ("pg-a", "10.10.20.1", "10.10.20.2", "{ pg_cluster: pg-a }"),
            ("pg-b", "10.10.21.1", "10.10.21.2", "{ pg_cluster: pg-b, pg_admin_username: boss, pg_pwd_enc: md5 }"),
            ("pg-c", "10.10.22.1", "10.10.22.2", "{ pg_cluster: pg-c, node_firewall_intranet: [10.9.0.0/16], admin_ip: 10.10.10.3 }"),
            ("pg-d", "10.10.23.1", "10.10.23.2", "{ pg_cluster: pg-d, pg_dbsu: pgdba, pg_hba_rules: [{ title: own, addr: cluster, user: '${admin}', db: all, auth: ssl }] }"),
        ]
        func inventory(_ chosen: [(String, String, String, String)]) -> String {
            var text = "all:\n  children:\n    infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }\n"
            for (name, a, b, vars) in chosen {
                text += "    \(name):\n      hosts:\n"
                text += "        \(a): { pg_seq: 1, pg_role: primary }\n"
                text += "        \(b): { pg_seq: 2, pg_role: replica, pg_offline_query: true }\n"
                text += "      vars: \(vars)\n"
            }
            return text + "  vars: { admin_ip: 10.10.10.10 }\n"
        }
        let all = try tree(inventory(clusters))
        for cluster in clusters {
            let alone = try tree(inventory([cluster]))
            for ip in [cluster.1, cluster.2] {
                for path in ["/pg/data/pg_hba.conf", "/etc/pgbouncer/pgb_hba.conf"] {
                    let expected = try #require(alone.file(path, on: ip)).content
                    #expect(all.file(path, on: ip)?.content == expected, "\(path) on \(ip)")
                }
            }
        }
        // The clusters really differ (a shared text for all of them would pass the loop above only
        // if every cluster rendered alike).
        let a = try #require(all.file("/pg/data/pg_hba.conf", on: "10.10.20.1")).content
        let b = try #require(all.file("/pg/data/pg_hba.conf", on: "10.10.21.1")).content
        let c = try #require(all.file("/pg/data/pg_hba.conf", on: "10.10.22.1")).content
        #expect(b.contains("boss") && !a.contains("boss") && b.contains(" md5") && c.contains("10.9.0.0/16") && !a.contains("10.9.0.0/16"))
    }

    /// Columns are padded as Python's `%-Ns` pads: by code points (a combining accent counts).
    @Test func paddingCountsCodePointsAsPython() {
        #expect(LineWriter.pad("all", 6) == "all   ")
        #expect(LineWriter.pad("é", 3) == "é  ")                 // one code point, two bytes
        #expect(LineWriter.pad("e\u{301}", 3) == "e\u{301} ")     // two code points, one character
        #expect(LineWriter.pad("🐘", 2) == "🐘 ")
        #expect(LineWriter.pad("toolong", 3) == "toolong")
    }

    @Test func orderedRulesAreSortedStablyAndUnorderedOnesFollow() throws {
        let text = Self.inventory("""
        pg_hba_rules:
          - { title: late, addr: world, order: 1000 }
          - { title: no order A, addr: world }
          - { title: first, addr: world, order: 10 }
          - { title: tie one, addr: world, order: 120 }
          - { title: no order B, addr: world }
          - { title: tie two, addr: world, order: 120 }
        """)
        let t = titles(try lines(text))
        #expect(t.first == "first")
        #expect(Array(t[1...4]) == ["dbsu access via local os user ident", "tie one", "tie two",
                                    "dbsu replication from local os ident"])
        #expect(Array(t.suffix(3)) == ["late", "no order A", "no order B"])
    }

    @Test func ruleForAnotherRoleIsDisabled() throws {
        let text = Self.inventory("""
        pg_hba_rules:
          - { title: primary only, role: primary, addr: 10.1.0.0/16, user: app, db: appdb, auth: md5 }
        """)
        #expect(block(try lines(text, on: "10.10.10.11"), "primary only") == [
            "# primary only [primary] ",
            "host     appdb              app                10.1.0.0/16        md5",
        ])
        #expect(block(try lines(text, on: "10.10.10.2"), "primary only") == [
            "# primary only [primary] [DISABLED]",
            "#host     appdb              app                10.1.0.0/16        md5",
        ])
    }

    @Test func offlineRulesFollowPgOfflineQuery() throws {
        let text = Self.inventory("""
        pg_hba_rules:
          - { title: etl, role: offline, addr: 10.2.0.1, user: etl }
        """)
        #expect(block(try lines(text, on: "10.10.10.12"), "etl") == [
            "# etl [offline] ",
            "host     all                etl                10.2.0.1           scram-sha-256",
        ])
        #expect(block(try lines(text, on: "10.10.10.2"), "etl") == [
            "# etl [offline] [DISABLED]",
            "#host     all                etl                10.2.0.1           scram-sha-256",
        ])
    }

    @Test func addressAliasesExpand() throws {
        let text = Self.inventory("""
        node_firewall_intranet: [10.0.0.0/8, 172.16.0.0/12]
        pg_default_hba_rules: []
        pg_hba_rules:
          - { title: a-local, addr: local, auth: trust }
          - { title: a-localhost, addr: localhost, auth: trust }
          - { title: a-admin, addr: admin, auth: trust }
          - { title: a-infra, addr: infra, auth: trust }
          - { title: a-cluster, addr: cluster, auth: trust }
          - { title: a-intra, addr: intra, auth: trust }
          - { title: a-intranet, addr: intranet, auth: trust }
          - { title: a-world, addr: world, auth: trust }
          - { title: a-all, addr: all, auth: trust }
          - { title: a-ip, addr: 192.168.1.5, auth: trust }
        """)
        let l = try lines(text)
        let host = { (a: String) in "host     all                all                \(a) trust" }
        #expect(block(l, "a-local") == ["# a-local [default] ", "local    all                all                                   trust"])
        #expect(block(l, "a-localhost") == ["# a-localhost [default] ",
                                            "local    all                all                                   trust",
                                            "host     all                all                127.0.0.1/32       trust",
                                            "host     all                all                ::1/128            trust"])
        #expect(block(l, "a-admin") == ["# a-admin [default] ", host("10.10.10.10/32    ")])
        // groups['infra'] is string-sorted in rules but kept in group order in the alias comment.
        #expect(block(l, "a-infra") == ["# a-infra [default] ", host("10.10.10.10/32    "), host("10.10.10.3/32     ")])
        #expect(l.contains("# infra     : 10.10.10.3, 10.10.10.10"))
        #expect(block(l, "a-cluster") == ["# a-cluster [default] ", host("10.10.10.11/32    "),
                                          host("10.10.10.12/32    "), host("10.10.10.2/32     ")])
        for name in ["a-intra", "a-intranet"] {
            #expect(block(l, name) == ["# \(name) [default] ", host("10.0.0.0/8        "), host("172.16.0.0/12     ")])
        }
        for name in ["a-world", "a-all"] {
            #expect(block(l, name) == ["# \(name) [default] ", host("0.0.0.0/0         "), host("::/0              ")])
        }
        #expect(block(l, "a-ip") == ["# a-ip [default] ", host("192.168.1.5       ")])
    }

    @Test func userPlaceholdersMapToConfiguredNames() throws {
        let text = Self.inventory("""
        pg_dbsu: pgdba
        pg_monitor_username: mon
        pg_default_hba_rules: []
        pg_hba_rules:
          - { title: u-dbsu, addr: local, user: '${dbsu}', auth: os }
          - { title: u-monitor, addr: local, user: '${monitor}', auth: peer }
          - { title: u-repl, addr: local, user: '${repl}', db: replication, auth: peer }
          - { title: u-literal, addr: local, user: '+dbrole_readonly', auth: peer }
        """)
        let l = try lines(text)
        #expect(block(l, "u-dbsu") == ["# u-dbsu [default] ", "local    all                pgdba                                 ident"])
        #expect(block(l, "u-monitor") == ["# u-monitor [default] ", "local    all                mon                                   peer"])
        #expect(block(l, "u-repl") == ["# u-repl [default] ", "local    replication        replicator                            peer"])
        #expect(block(l, "u-literal") == ["# u-literal [default] ", "local    all                +dbrole_readonly                      peer"])
        let f = try #require(try tree(text).file("/pg/data/pg_hba.conf", on: "10.10.10.11"))
        #expect(f.owner == "pgdba" && f.group == "postgres" && f.mode == 0o600)
    }

    @Test func pwdFollowsPasswordEncryption() throws {
        let rules = """
        pg_hba_rules:
          - { title: p-pwd, addr: 10.3.0.0/16, auth: pwd }
          - { title: p-ssl, addr: 10.3.0.0/16, auth: ssl }
          - { title: p-sha, addr: 10.3.0.0/16, auth: sha }
          - { title: p-default, addr: 10.3.0.0/16 }
        """
        let scram = try lines(Self.inventory(rules))
        #expect(block(scram, "p-pwd").last == "host     all                all                10.3.0.0/16        scram-sha-256")
        #expect(block(scram, "p-ssl").last == "hostssl  all                all                10.3.0.0/16        scram-sha-256")
        #expect(block(scram, "p-default").last == "host     all                all                10.3.0.0/16        scram-sha-256")
        let md5 = try lines(Self.inventory(rules + "\npg_pwd_enc: md5"))
        #expect(block(md5, "p-pwd").last == "host     all                all                10.3.0.0/16        md5")
        #expect(block(md5, "p-ssl").last == "hostssl  all                all                10.3.0.0/16        md5")
        #expect(block(md5, "p-sha").last == "host     all                all                10.3.0.0/16        scram-sha-256")
        #expect(block(md5, "p-default").last == "host     all                all                10.3.0.0/16        md5")
    }

    @Test func pgbouncerMapsOsToPeerAndLeavesWorldUnpadded() throws {
        let text = Self.inventory("""
        pgb_default_hba_rules: []
        pgb_hba_rules:
          - { title: b-os, addr: local, auth: os }
          - { title: b-ident, addr: local, auth: ident }
          - { title: b-world, addr: world, user: '${admin}', auth: deny }
        """)
        let l = try lines(text, pgbouncer: true)
        #expect(block(l, "b-os") == ["# b-os [default] ", "local    all                all                                   peer"])
        #expect(block(l, "b-ident").last == "local    all                all                                   peer")
        #expect(block(l, "b-world") == ["# b-world [default] ",
                                        "host     all                dbuser_dba         0.0.0.0/0 reject",
                                        "host     all                dbuser_dba         ::/0      reject"])
        let f = try #require(try tree(text).file("/etc/pgbouncer/pgb_hba.conf", on: "10.10.10.11"))
        #expect(f.owner == "postgres" && f.group == "postgres" && f.mode == 0o600)
    }

    @Test func rawRulesAreCopiedAndCommentedWhenDisabled() throws {
        let text = Self.inventory("""
        pg_hba_rules:
          - title: raw
            role: replica
            addr: world
            rules:
              - host all all 10.9.0.0/16 trust
              - local all all peer
        """)
        #expect(block(try lines(text, on: "10.10.10.2"), "raw") == [
            "# raw [replica] ", "host all all 10.9.0.0/16 trust", "local all all peer",
        ])
        #expect(block(try lines(text, on: "10.10.10.11"), "raw") == [
            "# raw [replica] [DISABLED]", "#host all all 10.9.0.0/16 trust", "#local all all peer",
        ])
    }

    @Test func disabledComponentsEmitNoFile() throws {
        let t = try tree(Self.inventory("patroni_enabled: false\npgbouncer_enabled: false"))
        #expect(t.file("/pg/data/pg_hba.conf", on: "10.10.10.11") == nil)
        #expect(t.file("/etc/pgbouncer/pgb_hba.conf", on: "10.10.10.11") == nil)
        let on = try tree(Self.inventory())
        #expect(on.file("/pg/data/pg_hba.conf", on: "10.10.10.2") != nil)
        #expect(on.file("/etc/pgbouncer/pgb_hba.conf", on: "10.10.10.2") != nil)
        #expect(on.file("/pg/data/pg_hba.conf", on: "10.10.10.10") == nil)
    }
}
