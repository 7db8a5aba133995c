import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyModel
@testable import PigstyDeploy

/// A facts file about hosts the inventory has, with OS codes and architectures Pigsty knows.
struct FactsValidationTests {
    private func parse(_ text: String, hosts: Set<String>? = ["10.10.10.10", "10.10.10.11"]) -> (FactsTable?, [String]) {
        let sink = DiagnosticSink()
        let table = FactsTable.parse(SourceFile(path: "facts.yml", text: text), sink: sink, inventoryHosts: hosts)
        return (table, sink.sorted.map { "\($0.id)@\($0.range?.start.line ?? 0):\($0.range?.start.column ?? 0)" })
    }

    @Test func factsForAHostNotInTheInventoryAreAnError() {
        let (table, found) = parse("""
        hosts:
          10.10.10.11: { cpu: 8 }
          10.10.10.99: { cpu: 8 }
        """)
        #expect(table == nil)
        #expect(found == ["PGS0801@3:3"])
        // Without an inventory to compare with, any IPv4 host is read.
        #expect(parse("hosts: { 10.10.10.99: { cpu: 8 } }", hosts: nil).0 != nil)
    }

    @Test func unknownOSOrArchIsAnError() {
        let (table, found) = parse("""
        default: { os: el11, arch: arm64 }
        hosts:
          10.10.10.10: { os: ubuntu }
        """)
        #expect(table == nil)
        #expect(found == ["PGS0801@1:16", "PGS0801@1:28", "PGS0801@3:22"])
        for os in FactsTable.osCodes {
            for arch in FactsTable.archs {
                #expect(parse("default: { os: \(os), arch: \(arch) }").1.isEmpty, "\(os).\(arch)")
            }
        }
    }
}

/// The lowered `NodeConnection` (what `ship` connects to): Ansible's aliases and string ports.
struct ShipConnectionTests {
    private func node(_ hostVars: String) throws -> NodeResource {
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 \(hostVars) } } }
          vars: { admin_ip: 10.10.10.10 }
        """
        let sink = DiagnosticSink()
        let resolved = try #require(Frontend.load(SourceFile(path: "pigsty.yml", text: text), sink: sink))
        let graph = ResourceGraph.lower(resolved, facts: FactsTable(), inventoryName: "pigsty.yml")
        return try #require(graph.nodes.first)
    }

    @Test func sshAliasesAreHonoured() throws {
        let n = try node(", ansible_ssh_host: meta.example, ansible_ssh_user: dba, ansible_ssh_port: 2200")
        #expect(n.connection == NodeConnection(host: "meta.example", user: "dba", port: 2200))
        let target = try #require(Shipper.target(for: n))
        #expect(target.destination == "dba@meta.example" && target.port == 2200)
    }

    @Test func aliasPrecedenceIsAnsibles() throws {
        // Ansible looks up ansible_ssh_host before ansible_host (MAGIC_VARIABLE_MAPPING): the first set wins.
        let n = try node(", ansible_host: a.example, ansible_ssh_host: b.example, ansible_user: u1, ansible_ssh_user: u2, "
                         + "ansible_port: 2201, ansible_ssh_port: 2202")
        #expect(n.connection == NodeConnection(host: "b.example", user: "u2", port: 2202))
        // An empty alias does not hide the other name.
        let m = try node(", ansible_host: a.example, ansible_ssh_host: ''")
        #expect(m.connection.host == "a.example")
    }

    @Test func stringPortsAreReadAsAnsibleDoes() throws {
        #expect(try node(", ansible_port: \"2222\"").connection.port == 2222)
        #expect(try node(", ansible_ssh_port: ' 2223 '").connection.port == 2223)
        #expect(try node(", ansible_port: 70000").connection.port == nil)
        let target = try #require(Shipper.target(for: try node(", ansible_port: '2222'")))
        #expect(target.port == 2222)
    }
}
