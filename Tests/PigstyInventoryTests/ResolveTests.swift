import Testing
import PigstyDiagnostics
import PigstyYAML
@testable import PigstyInventory

/// Ansible's precedence and Pigsty's identity facts.
struct ResolveTests {
    func resolve(_ text: String) throws -> ResolvedInventory {
        let sink = DiagnosticSink()
        let r = try #require(Frontend.load(SourceFile(path: "inv.yml", text: text), sink: sink))
        #expect(!sink.hasErrors)
        return r
    }

    @Test func siblingGroupsApplyAlphabeticallyAndHostVarsWin() throws {
        let r = try resolve("""
        all:
          children:
            zeta: { hosts: { 10.0.0.1: {} }, vars: { node_tune: olap, pg_weight: 1 } }
            pg-test: { hosts: { 10.0.0.1: { pg_weight: 3 } }, vars: { node_tune: tiny, pg_weight: 2 } }
          vars: { node_tune: crit }
        """)
        let h = try #require(r.host("10.0.0.1"))
        // pg-test < zeta alphabetically, so zeta's value wins over the earlier-written pg-test.
        #expect(h.string("node_tune") == "olap")
        #expect(h.binding("node_tune")?.origin == .group("zeta"))
        #expect(h.int("pg_weight") == 3)
        let chain = h.chain("node_tune").map(\.origin)
        #expect(chain == [.roleDefault, .allVars, .group("pg-test"), .group("zeta")])
        #expect(h.chain("node_tune").last?.value.range.start.line == 3)
    }

    @Test func deeperGroupsAndPriorityWin() throws {
        let r = try resolve("""
        all:
          children:
            parent:
              vars: { node_tune: olap }
              children:
                child: { hosts: { 10.0.0.1: {} }, vars: { node_tune: tiny } }
            aaa: { hosts: { 10.0.0.1: {} }, vars: { node_tune: crit, ansible_group_priority: 10 } }
        """)
        let h = try #require(r.host("10.0.0.1"))
        // depth 2 (child) beats depth 1 (parent, aaa) regardless of priority.
        #expect(h.string("node_tune") == "tiny")
        let r2 = try resolve("""
        all:
          children:
            zzz: { hosts: { 10.0.0.1: {} }, vars: { node_tune: olap } }
            aaa: { hosts: { 10.0.0.1: {} }, vars: { node_tune: crit, ansible_group_priority: 10 } }
        """)
        #expect(r2.host("10.0.0.1")?.string("node_tune") == "crit")
    }

    @Test func roleDefaultsApplyWhenUnset() throws {
        let r = try resolve("all:\n  hosts: { 10.0.0.1: {} }\n")
        let h = try #require(r.host("10.0.0.1"))
        #expect(h.binding("pg_port") == nil)
        #expect(h.int("pg_port") == 5432)
        #expect(h.chain("pg_port").map(\.origin) == [.roleDefault])
    }

    @Test func hostOrderIsFirstAppearance() throws {
        let r = try resolve("""
        all:
          children:
            zeta: { hosts: { 10.0.0.3: {} } }
            pg-test:
              hosts:
                10.0.0.1: { pg_seq: 1, pg_role: primary }
                10.0.0.2: { pg_seq: 2, pg_role: replica }
                10.0.0.3: { pg_seq: 3, pg_role: replica }
                10.0.0.10: { pg_seq: 10, pg_role: replica }
              vars: { pg_cluster: pg-test }
        """)
        #expect(r.hosts.map(\.name) == ["10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.10"])
        let c = try #require(r.pgCluster("pg-test"))
        #expect(c.members.map { r.hosts[$0].name } == ["10.0.0.3", "10.0.0.1", "10.0.0.2", "10.0.0.10"])
        // Pigsty sorts member IPs as strings.
        #expect(c.sortedIPs == ["10.0.0.1", "10.0.0.10", "10.0.0.2", "10.0.0.3"])
        #expect(c.primaryIP == "10.0.0.1")
        #expect(c.primaryInstance == "pg-test-1")
        #expect(c.seqNext == 11)
        #expect(c.replicas == ["10.0.0.10", "10.0.0.2", "10.0.0.3"])
    }

    @Test func clustersGatherAcrossGroupsAndSplitWithinOne() throws {
        let r = try resolve("""
        all:
          children:
            a: { hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-x } }
            b: { hosts: { 10.0.0.2: { pg_seq: 2, pg_role: replica } }, vars: { pg_cluster: pg-x } }
            citus:
              hosts:
                10.0.0.3: { pg_cluster: pg-c1, pg_seq: 1, pg_role: primary }
                10.0.0.4: { pg_cluster: pg-c2, pg_seq: 1, pg_role: primary }
        """)
        #expect(r.pgClusters.map(\.name) == ["pg-x", "pg-c1", "pg-c2"])
        #expect(r.pgCluster("pg-x")?.size == 2)
        let h = try #require(r.host("10.0.0.2"))
        #expect(h.pgInstance == "pg-x-2")
        #expect(h.pgService == "pg-x-replica")
        #expect(h.nodename == "pg-x-2")
        #expect(h.nodeCluster == "pg-x")
    }

    @Test func primaryIsUnknownWithoutExactlyOne() throws {
        let sink = DiagnosticSink()
        let r = try #require(Frontend.load(SourceFile(path: "x", text: """
        all:
          children:
            g: { hosts: { 10.0.0.1: { pg_seq: 1, pg_role: replica } }, vars: { pg_cluster: pg-y } }
        """), sink: sink))
        #expect(r.pgCluster("pg-y")?.primaryIP == "unknown")
        #expect(r.pgCluster("pg-y")?.primaryInstance == "unknown")
    }

    @Test func nodenameFollowsNodeIdFromPg() throws {
        let r = try resolve("""
        all:
          children:
            g: { hosts: { 10.0.0.1: { pg_seq: 1, pg_role: primary, nodename: n1 }, 10.0.0.2: { nodename: n2, node_cluster: web } }, vars: { pg_cluster: pg-z } }
            h: { hosts: { 10.0.0.3: { nodename: n3, node_cluster: web } } }
          vars: {}
        """)
        #expect(r.host("10.0.0.1")?.nodename == "pg-z-1")
        #expect(r.host("10.0.0.3")?.nodename == "n3")
        #expect(r.host("10.0.0.3")?.nodeCluster == "web")
        #expect(r.host("10.0.0.2")?.nodeCluster == "web")
    }

    @Test func groupsListHostsInAnsibleOrder() throws {
        let r = try resolve("""
        all:
          children:
            infra:
              hosts: { 10.0.0.2: { infra_seq: 2 } }
              children:
                sub: { hosts: { 10.0.0.1: { infra_seq: 1 } } }
        """)
        #expect(r.inventory.hosts(inGroup: "infra") == ["10.0.0.2", "10.0.0.1"])
        #expect(r.inventory.group("sub")?.depth == 2)
    }
}
