import Foundation
import Testing
@testable import PigstyModel
@testable import PigstyBackends

/// What a unit needs before it can start on a fresh node, found by scripts/e2e: directories and
/// links the bundle makes in the unit's step, and no unit for an agent the inventory disables.
struct ServiceStartPrerequisiteTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts: { 10.10.10.10: { infra_seq: 1 } }
          vars: { alertmanager_enabled: false, blackbox_enabled: false, grafana_enabled: false }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-test:
          hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-test }
      vars:
        admin_ip: 10.10.10.10
        node_exporter_enabled: false
        vector_enabled: false
    """

    func emitted() throws -> Emitted { try emit(Self.inventory, Backends.all) }

    @Test func disabledAgentsHaveNoUnitAndAreNotStarted() throws {
        let e = try emitted()
        let units = Set(e.graph.units.units.map { "\($0.ip) \($0.name)" })
        for unit in ["node_exporter", "vector"] {
            #expect(!units.contains("10.10.10.10 \(unit)") && !units.contains("10.10.10.11 \(unit)"), "\(unit)")
        }
        #expect(!units.contains("10.10.10.10 alertmanager") && !units.contains("10.10.10.10 blackbox_exporter"))
        let started = Set(e.graph.lifecycle.services.map(\.unit))
        #expect(started.isDisjoint(with: ["node_exporter", "vector", "alertmanager", "blackbox_exporter", "grafana-server"]), "\(started)")
        #expect(started.isSuperset(of: ["haproxy", "nginx", "dnsmasq", "etcd", "patroni"]), "\(started)")
        for f in ["/etc/systemd/system/node_exporter.service", "/etc/default/vector"] {
            #expect(e.tree.files(on: "10.10.10.11").allSatisfy { $0.path != f }, "\(f)")
        }
    }

    @Test func agentsAreOnByDefault() throws {
        let e = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
          vars: { admin_ip: 10.10.10.10 }
        """, Backends.all)
        let started = Set(e.graph.lifecycle.services.map(\.unit))
        #expect(started.isSuperset(of: ["node_exporter", "vector", "alertmanager", "blackbox_exporter", "grafana-server"]), "\(started)")
    }

    @Test func haproxyConfDExistsInTheHAProxyStep() throws {
        let objects = try emitted().tree.objects(on: "10.10.10.10")
        let d = try #require(objects.directories["/etc/haproxy/conf.d"])
        #expect(d.step == .haproxy && d.owner == "root" && d.mode == 0o755)
    }

    @Test func etcdDataDirectoryIsEtcds() throws {
        let e = try emitted()
        let d = try #require(e.tree.objects(on: "10.10.10.10").directories["/data/etcd"])
        #expect(d.step == .etcd && d.owner == "etcd" && d.mode == 0o700)
        let conf = try #require(e.tree.files(on: "10.10.10.10").first { $0.path == "/etc/etcd/etcd.conf" })
        #expect(conf.content.contains("\nenable-grpc-gateway: true\n"))
    }

    @Test func nginxCertificateLinksAreNodeObjects() throws {
        let objects = try emitted().tree.objects(on: "10.10.10.10")
        let crt = try #require(objects.links["/etc/nginx/conf.d/cert/i.pigsty.crt"])
        #expect(crt.target == "/etc/nginx/conf.d/cert/pigsty.crt" && crt.step == .infra)
        #expect(objects.links["/etc/nginx/conf.d/cert/i.pigsty.key"]?.target == "/etc/nginx/conf.d/cert/pigsty.key")
        #expect(objects.directories["/etc/nginx/conf.d/cert"]?.step == .infra)
        #expect(objects.links["/etc/nginx/conf.d/cert/pigsty.crt"] == nil)
    }

    @Test func patroniConfigLinkLogDirectoriesAndHome() throws {
        let objects = try emitted().tree.objects(on: "10.10.10.11")
        let link = try #require(objects.links["/etc/patroni/patroni.yml"])
        #expect(link.target == "/pg/conf/pg-test-1.yml" && link.step == .pgsql)
        #expect(objects.directories["/etc/patroni"]?.step == .pgsql)
        for d in ["/pg/log", "/pg/log/patroni", "/pg/log/postgres", "/pg/log/pgbouncer"] {
            let dir = try #require(objects.directories[d], "\(d)")
            #expect(dir.owner == "postgres" && dir.step == .pgsql, "\(d)")
        }
        let home = try #require(objects.directories["/var/lib/pgsql"])
        #expect(home.owner == "postgres" && home.mode == 0o700)
    }
}
