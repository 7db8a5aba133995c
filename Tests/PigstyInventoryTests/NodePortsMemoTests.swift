import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyInventory

/// The port rules share one listener list between hosts alike (`NodePorts.sharedKey`); a shared
/// list must be exactly the one the host's own lookup finds, on every golden inventory and on
/// inventories where hosts differ in the ways the key leaves out or must see.
struct NodePortsMemoTests {
    static func same(_ a: [NodePorts.Listener], _ b: [NodePorts.Listener]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.service == y.service && x.parameter == y.parameter && x.port == y.port && x.site === y.site
        }
    }

    static let varied = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-a:
          hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary }, 10.10.10.12: { pg_seq: 2, pg_role: replica, pg_port: 5433 } }
          vars: { pg_cluster: pg-a, pgbouncer_port: 6433 }
        pg-b:
          hosts: { 10.10.10.13: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-b, pgbouncer_enabled: false }
        pg-c:
          hosts: { 10.10.10.14: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-c }
        redis-x:
          hosts: { 10.10.10.15: { redis_node: 1, redis_instances: { 6379: {}, 6380: {} } } }
          vars: { redis_cluster: redis-x }
        plain: { hosts: { 10.10.10.16: {}, 10.10.10.17: { node_exporter_port: 9200 } } }
        tpl:
          hosts: { 10.10.10.18: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-t, pg_exporter_port: "{{ 9000 + 630 }}" }
      vars: { admin_ip: 10.10.10.10, version: v4.5.0 }
    """

    static func inventories() throws -> [String] {
        let golden = packageRoot.appendingPathComponent("golden")
        var texts = [varied]
        for name in try FileManager.default.contentsOfDirectory(atPath: golden.path).sorted() {
            let p = golden.appendingPathComponent(name).appendingPathComponent("pigsty.yml")
            if let t = try? String(contentsOf: p, encoding: .utf8) { texts.append(t) }
        }
        return texts
    }

    @Test func sharedListsEqualEachHostsOwn() throws {
        var shared = 0
        for text in try Self.inventories() {
            let sink = DiagnosticSink()
            guard let resolved = Frontend.load(SourceFile(path: "pigsty.yml", text: text), sink: sink) else { continue }
            let c = RuleContext(resolved: resolved, sink: DiagnosticSink(), options: CheckOptions())
            for h in resolved.hosts {
                let infra = c.infraHosts.contains(h.name), etcd = c.etcdHosts.contains(h.name)
                if NodePorts.sharedKey(h, infra: infra, etcd: etcd, memo: c.listenerMemo) != nil { shared += 1 }
                let direct = NodePorts.listeners(of: h, infra: infra, etcd: etcd)
                #expect(Self.same(c.listeners(of: h), direct), "\(h.name)")
            }
        }
        #expect(shared > 10)
    }
}
