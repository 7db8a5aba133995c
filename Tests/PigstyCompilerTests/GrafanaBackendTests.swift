import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// The Grafana back end: grafana.ini, the dashboard provider and the datasource matrix.
struct GrafanaBackendTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10: { infra_seq: 1 }
            10.10.10.11: { infra_seq: 2, vlogs_enabled: false, vmetrics_port: 8429 }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars:
            pg_cluster: pg-meta
            pg_databases:
              - { name: meta }
              - { name: hidden, register_datasource: false }
              - { name: gone, state: absent }
              - { name: postgres, comment: listed again }
        pg-test:
          hosts:
            10.10.10.12: { pg_seq: 1, pg_role: primary }
            10.10.10.13: { pg_seq: 2, pg_role: replica, pg_port: 5433 }
          vars:
            pg_cluster: pg-test
            pg_version: 14
            pg_monitor_username: watcher
            pg_monitor_password: "Watch#Me"
            pg_databases: [ { name: test } ]
        pg-quiet:
          hosts: { 10.10.10.14: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-quiet, grafana_enabled: false }
        pg-raw:
          hosts: { 10.10.10.15: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-raw, pg_provision: false }
      vars:
        admin_ip: 10.10.10.10
        grafana_admin_password: "se;cret#1"
    """

    static func datasources(_ tree: FileTree, on node: String,
                            file name: String = "pigsty.yml") throws -> [YAMLNode] {
        let file = try #require(tree.file("/etc/grafana/provisioning/datasources/\(name)", on: node))
        let sink = DiagnosticSink()
        let doc = try #require(YAML.parse(file.content, path: "pigsty.yml", into: sink))
        #expect(!sink.hasErrors)
        return doc["datasources"]?.sequence ?? []
    }

    @Test func filesOnEveryInfraNodeWithSecretsProtected() throws {
        let tree = try emit(Self.inventory, [GrafanaBackend()]).tree
        for node in ["10.10.10.10", "10.10.10.11"] {
            let ini = try #require(tree.file("/etc/grafana/grafana.ini", on: node))
            #expect(ini.mode == 0o640 && ini.owner == "root" && ini.group == "grafana")
            let ds = try #require(tree.file("/etc/grafana/provisioning/datasources/pigsty.yml", on: node))
            #expect(ds.mode == 0o640 && ds.owner == "root" && ds.group == "grafana")
            let dash = try #require(tree.file("/etc/grafana/provisioning/dashboards/pigsty.yml", on: node))
            #expect(dash.mode == 0o644 && dash.content.contains("path: /etc/dashboards/"))
        }
        #expect(tree.files(on: "10.10.10.12").isEmpty)
    }

    @Test func datasourceMatrix() throws {
        let tree = try emit(Self.inventory, [GrafanaBackend()]).tree
        // pigsty.yml: Pigsty's fixed datasources only, with the node's own ports.
        let fixed = try Self.datasources(tree, on: "10.10.10.10")
        #expect(fixed.compactMap { $0["name"]?.string } == ["Metrics", "Meta", "Logs", "Traces", "Static"])
        #expect(fixed[0]["url"]?.string == "http://127.0.0.1:8428" && fixed[0]["version"]?.int == 1)
        #expect(fixed[0]["secureJsonData"]?.mapping?.isEmpty == true && fixed[0]["orgId"] == nil)
        #expect(fixed.filter { $0["isDefault"] != nil }.compactMap { $0["name"]?.string } == ["Metrics"])
        #expect(try Self.datasources(tree, on: "10.10.10.11")[0]["url"]?.string == "http://127.0.0.1:8429")
        // registered.yml: what the nodes register, the same on every infra node.
        let first = try Self.datasources(tree, on: "10.10.10.10", file: "registered.yml")
        let names = first.compactMap { $0["name"]?.string }
        #expect(names == ["vmetrics-1", "vlogs-1", "vtraces-1", "vmetrics-2", "vtraces-2",
                          "pg-meta-1.postgres", "pg-meta-1.meta",
                          "pg-test-1.postgres", "pg-test-1.test", "pg-test-2.postgres", "pg-test-2.test"])
        let second = try Self.datasources(tree, on: "10.10.10.11", file: "registered.yml")
        #expect(second.compactMap { $0["name"]?.string } == names)
        #expect(first.first { $0["name"]?.string == "vmetrics-2" }?["url"]?.string == "http://10.10.10.11:8429")
        #expect(Set(names).count == names.count)
        #expect(first.allSatisfy { $0["isDefault"] == nil && $0["editable"]?.bool == true })

        let replica = try #require(first.first { $0["name"]?.string == "pg-test-2.test" })
        #expect(replica["type"]?.string == "postgres")
        #expect(replica["url"]?.string == "10.10.10.13:5433")
        #expect(replica["user"]?.string == "watcher")
        #expect(replica["database"]?.string == "test")
        #expect(replica["jsonData"]?["postgresVersion"]?.int == 1400)
        #expect(replica["secureJsonData"]?["password"]?.string == "Watch#Me")
        let meta = try #require(first.first { $0["name"]?.string == "pg-meta-1.meta" })
        #expect(meta["jsonData"]?["postgresVersion"]?.int == 1500)
        #expect(meta["secureJsonData"]?["password"]?.string == "DBUser.Monitor")
        #expect(meta["uid"]?.string == "pg-meta-1_meta")
        let file = try #require(tree.file("/etc/grafana/provisioning/datasources/registered.yml", on: "10.10.10.11"))
        #expect(file.mode == 0o640 && file.group == "grafana" && file.secrets.contains("Watch#Me"))
        #expect(try #require(tree.file("/etc/grafana/provisioning/datasources/pigsty.yml", on: "10.10.10.10"))
                    .secrets == ["DBUser.Viewer"])
    }

    /// Pigsty's registration records: one JSON file per registered datasource on every infra
    /// node, as its playbooks post them to the API.
    @Test func registrationRecords() throws {
        let tree = try emit(Self.inventory, [GrafanaBackend()]).tree
        for node in ["10.10.10.10", "10.10.10.11"] {
            let records = tree.files(on: node).filter { $0.path.hasPrefix("/infra/datasources/") }
            #expect(records.map(\.path).sorted() == ["pg-meta-1.meta", "pg-meta-1.postgres", "pg-test-1.postgres", "pg-test-1.test",
                                                     "pg-test-2.postgres", "pg-test-2.test", "vlogs-1", "vmetrics-1", "vmetrics-2",
                                                     "vtraces-1", "vtraces-2"].map { "/infra/datasources/\($0).json" })
            #expect(records.allSatisfy { $0.mode == 0o600 && $0.owner == "root" && $0.apply == .in(.register) })
        }
        func object(_ name: String) throws -> [String: Any] {
            let f = try #require(tree.file("/infra/datasources/\(name).json", on: "10.10.10.10"))
            return try #require(try JSONSerialization.jsonObject(with: Data(f.content.utf8)) as? [String: Any])
        }
        let pg = try object("pg-test-2.test")
        #expect(pg["name"] as? String == "pg-test-2.test" && pg["url"] as? String == "10.10.10.13:5433")
        #expect(pg["basicAuth"] as? Bool == false && pg["typeLogoUrl"] as? String == "" && pg["editable"] == nil)
        #expect((pg["secureJsonData"] as? [String: Any])?["password"] as? String == "Watch#Me" && pg["uid"] == nil)
        let vm = try object("vmetrics-2")
        #expect(vm["editable"] as? Bool == true && vm["isDefault"] as? Bool == false)
        #expect((vm["jsonData"] as? [String: Any])?["timeInterval"] as? String == "2s" && vm["secureJsonData"] == nil)
        #expect(try #require(tree.file("/infra/datasources/pg-test-2.test.json", on: "10.10.10.11")).secrets == ["Watch#Me"])
    }

    @Test func uidsAreValidUniqueAndShortForLongNames() {
        let long = String(repeating: "x", count: 50) + ".db"
        let u = GrafanaDatasources.uid(for: long, taken: [])
        #expect(u.count <= 40 && u.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" })
        #expect(u == GrafanaDatasources.uid(for: long, taken: []))
        // Names that map to the same text get distinct uids.
        let a = GrafanaDatasources.uid(for: "pg-a-1.x.y", taken: [])
        let b = GrafanaDatasources.uid(for: "pg-a-1.x_y", taken: [a])
        #expect(a == "pg-a-1_x_y" && a != b && b.count <= 40)
    }

    @Test func repeatedNamesAreMergedAndFixedOnesKept() {
        let ds = { (name: String, url: String) in
            GrafanaDatasource(name: name, uid: "", type: "prometheus", url: url)
        }
        let list = GrafanaDatasources.unique([
            GrafanaDatasource(name: "Metrics", uid: "ds-prometheus", type: "prometheus", url: "http://a", isDefault: true),
            ds("vmetrics-1", "http://b"), ds("vmetrics-1", "http://c"), ds("Metrics", "http://d"),
        ])
        #expect(list.map(\.name) == ["Metrics", "vmetrics-1"])
        #expect(list[0].url == "http://a" && list[0].isDefault)
        #expect(list[1].url == "http://c" && list[1].uid == "vmetrics-1")
    }

    /// The registered datasources are rendered once for all infra nodes; that must be what
    /// merging them with each node's fixed datasources gives, collisions included.
    @Test func sharedRegisteredDatasourcesMatchThePerNodeMerge() throws {
        let graph = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1, vmetrics_port: 9000 } } }
          vars: { admin_ip: 10.10.10.10 }
        """, []).graph
        let fixed = try #require(graph.monitoring.infra.first).grafana.fixedDatasources
        #expect(Dictionary(uniqueKeysWithValues: fixed.map { ($0.name, $0.uid) })
                == Dictionary(uniqueKeysWithValues: zip(GrafanaDatasources.fixedNames, GrafanaDatasources.fixedUIDs).map { ($0, $1) }))
        let ds = { (name: String, url: String) in GrafanaDatasource(name: name, uid: "", type: "postgres", url: url) }
        let registered = [ds("Meta", "http://x"), ds("ds-meta", "http://y"), ds("pg-a-1.db", "http://z"),
                          ds("pg-a-1_db", "http://w"), ds("pg-a-1.db", "http://v"), ds("Static", "http://u")]
        let merged = GrafanaBackend.render(GrafanaDatasources.datasources(fixed: fixed, registered: registered))
        let shared = GrafanaBackend.renderHead + GrafanaBackend.renderEntries(fixed)
            + GrafanaBackend.renderEntries(GrafanaDatasources.shared(registered))
        #expect(merged == shared)
        #expect(merged.contains("url: \"http://127.0.0.1:9000\"") && merged.contains("http://v") && !merged.contains("http://z"))
    }

    @Test func iniFollowsTheInventory() throws {
        let tree = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
          vars:
            admin_ip: 10.10.10.10
            language: zh
            grafana_port: 3001
            grafana_auth_proxy: true
            grafana_admin_username: boss
            grafana_admin_password: "se;cret#1"
            grafana_pgurl: postgres://dbuser_grafana:pass@10.10.10.10:5432/grafana
        """, [GrafanaBackend()]).tree
        let ini = try #require(tree.file("/etc/grafana/grafana.ini", on: "10.10.10.10")).content
        for line in ["http_port = 3001", "root_url = /ui/", "serve_from_sub_path = true", "type = postgres",
                     "url = postgres://dbuser_grafana:pass@10.10.10.10:5432/grafana", "admin_user = boss",
                     #"admin_password = """se;cret#1""""#, "default_language = zh-Hans", "[auth.proxy]",
                     "whitelist = 127.0.0.1, 10.10.10.10, localhost, ::1",
                     "csrf_trusted_origins = localhost i.pigsty 10.10.10.10 127.0.0.1"] {
            #expect(ini.contains(line + "\n"), "\(line)")
        }
        let plain = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
          vars: { admin_ip: 10.10.10.10 }
        """, [GrafanaBackend()]).tree
        let p = try #require(plain.file("/etc/grafana/grafana.ini", on: "10.10.10.10")).content
        #expect(p.contains("admin_password = pigsty\n") && p.contains("default_language = en-US\n"))
        #expect(!p.contains("[auth.proxy]") && !p.contains("type = postgres"))
    }

    @Test func noInfraNoGrafana() throws {
        let tree = try emit("""
        all:
          children:
            pg-meta: { hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-meta } }
          vars: { admin_ip: 10.10.10.10 }
        """, [GrafanaBackend()]).tree
        #expect(tree.fileCount == 0)
    }
}
