import Testing
import PigstyDiagnostics
import PigstyInventory
import PigstyYAML
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyFormats
import PigstyTestSupport

/// Lowering of the monitoring domain: the facts the metrics, alerts and grafana back ends render.
struct MonitoringLoweringTests {
    static let inventory = """
    all:
      children:
        infra:
          hosts:
            10.10.10.10: { infra_seq: 1, alert_node_cpu_percent: 75, alert_pg_conn_percent: 0, vmalert_enabled: false }
            10.10.10.11: { infra_seq: 2, vmetrics_enabled: false, vmalert_enabled: true }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-a:
          hosts:
            10.10.10.12: { pg_seq: 1, pg_role: primary, pg_exporter_port: 9631 }
            10.10.10.13: { pg_seq: 2, pg_role: replica, patroni_enabled: false }
          vars: { pg_cluster: pg-a, pg_rpo: 0 }
        pg-b:
          hosts: { 10.10.10.14: { pg_seq: 1, pg_role: primary, pg_rpo: 4096, pgbouncer_enabled: false } }
          vars: { pg_cluster: pg-b }
      vars: { admin_ip: 10.10.10.10 }
    """

    static func graph(_ text: String = inventory, checked: Bool = false) throws -> ResourceGraph {
        try emit(text, [], checked: checked).graph
    }

    @Test func victoriaSettingsPerInfraNode() throws {
        let m = try Self.graph().monitoring
        #expect(m.infra.map(\.ip) == ["10.10.10.10", "10.10.10.11"])
        let a = m.infra[0].victoria, b = m.infra[1].victoria
        #expect(a.vmetricsEnabled && !a.vmalertEnabled)
        // vmalert runs only next to VictoriaMetrics.
        #expect(!b.vmetricsEnabled && !b.vmalertEnabled)
        #expect(a.vmetricsPort == "8428" && a.exporterMetricsPath == "/metrics")
    }

    @Test func thresholdsFallBackWhenOutOfRange() throws {
        let t = try Self.graph().monitoring.infra[0].thresholds
        #expect(t.nodeCPU == 75 && t.pgConn == 70 && t.nodeMem == 90)
        #expect(AlertRulesBackend.ratio(t.nodeCPU) == "0.75")
    }

    @Test func alertFactsOfTheDeployedModules() throws {
        let a = try Self.graph().monitoring.alerts
        #expect(a.pgsqlDeployed && a.etcdDeployed && !a.minioDeployed && !a.redisDeployed)
        #expect(a.pgExporterPorts == [9631, 9630])
        // patroni_enabled: false leaves only the other members' ports.
        #expect(a.patroniPorts == [8008])
        #expect(a.pgbouncerDeployed)
        // pg_rpo 0 (synchronous) means 1 MiB.
        #expect(a.clusterRPO == [.init(cluster: "pg-a", bytes: 1_048_576), .init(cluster: "pg-b", bytes: 4096)])
    }

    @Test func scrapeTargetsAreTypedAndUniquePerFile() throws {
        let targets = try Self.graph().monitoring.targets
        let keys = targets.map { "\($0.job)/\($0.file)" }
        #expect(Set(keys).count == keys.count)
        #expect(keys.contains("infra/infra-1") && keys.contains("etcd/etcd-1") && keys.contains("pgsql/pg-a-1"))
        let pg = try #require(targets.first { $0.job == "pgsql" && $0.file == "pg-a-2" })
        guard case let .pgsql(labels, addresses) = pg.content else { Issue.record("not a pgsql target"); return }
        #expect(labels == PgTargetLabels(cls: "pg-a", ins: "pg-a-2", ip: "10.10.10.13", role: "replica"))
        // No patroni port for the member without patroni.
        #expect(!addresses.contains("10.10.10.13:8008") && addresses.contains("10.10.10.13:9630"))
    }

    @Test func nothingLoweredWithoutInfraNodes() throws {
        let m = try Self.graph("""
        all:
          children:
            pg-a: { hosts: { 10.10.10.12: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-a } }
        """, checked: false).monitoring
        #expect(m.infra.isEmpty && m.targets.isEmpty && m.sharedDatasources.isEmpty)
    }

    @Test func sharedDatasourcesHaveDerivedUIDs() throws {
        let m = try Self.graph().monitoring
        #expect(m.sharedDatasources.allSatisfy { !$0.uid.isEmpty })
        #expect(m.sharedDatasources.map(\.name).contains("pg-a-1.postgres"))
        #expect(m.sharedDatasources == GrafanaDatasources.shared(m.registeredDatasources))
        #expect(m.infra[0].grafana.fixedDatasources.map(\.uid).sorted() == GrafanaDatasources.fixedUIDs.sorted())
    }

    /// Bug fixed: inventory strings were interpolated raw into flow mappings of target files; a node
    /// name holding `,` or braces broke the YAML. They are quoted now.
    @Test func targetLabelsAreQuotedInFlowMappings() throws {
        let tree = try emit("""
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1, nodename: "web, {x}" } } }
          vars: { admin_ip: 10.10.10.10 }
        """, [MetricsBackend()], checked: false).tree
        let text = try #require(tree.file("/infra/targets/node/10.10.10.10.yml", on: "10.10.10.10")).content
        let doc = try #require(YAML.parse(text, path: "t", into: DiagnosticSink()))
        #expect(doc.sequence?.first?["labels"]?["ins"]?.string == "web, {x}")
        let ping = try #require(tree.file("/infra/targets/ping/10.10.10.10.yml", on: "10.10.10.10")).content
        #expect(YAML.parse(ping, path: "p", into: DiagnosticSink())?.sequence?.first?["labels"]?["ins"]?.string == "web, {x}")
    }

    @Test func filesDeclareTheirApplyStep() throws {
        let tree = try emit(Self.inventory, [MetricsBackend(), AlertRulesBackend(), GrafanaBackend()], checked: false).tree
        let files = try #require(tree.nodes["10.10.10.10"])
        for (path, file) in files {
            let apply = file.apply
            let registered = (path.hasPrefix("/infra/targets/") && !path.hasPrefix("/infra/targets/infra/"))
                || path.hasPrefix("/infra/datasources/")
            #expect(apply.step == (registered ? .register : .infra), "\(path)")
            #expect(apply == ExpectedApply.classify(path: path, producer: file.producer), "\(path)")
        }
        #expect(files["/infra/prometheus.yml"]?.apply.unitsText == "reload:vmetrics")
        #expect(files["/infra/rules/node.yml"]?.apply.unitsText == "reload:vmalert")
        #expect(files["/etc/grafana/grafana.ini"]?.apply.unitsText == "restart:grafana-server")
        #expect(files["/etc/grafana/provisioning/datasources/registered.yml"]?.apply.unitsText == "restart:grafana-server")
        #expect(files.keys.contains { $0.hasPrefix("/infra/datasources/") })
        #expect(files.filter { $0.key.hasPrefix("/infra/datasources/") }.allSatisfy { $0.value.apply.unitsText == "-" })
    }
}

/// The JSON writer of PigstyFormats.
struct JSONWriterTests {
    typealias V = JSONWriter.Value

    @Test func compactAndPretty() {
        let v: V = .object([("name", .string("a\"b\n")), ("n", .int(3)), ("ok", .bool(true)), ("none", .null),
                            ("list", .array([.double(1.5), .double(2), .array([]), .object([])]))])
        #expect(JSONWriter.render(v, style: .compact) == #"{"name":"a\"b\n","n":3,"ok":true,"none":null,"list":[1.5,2,[],{}]}"#)
        #expect(JSONWriter.render(v) == """
        {
          "name": "a\\"b\\n",
          "n": 3,
          "ok": true,
          "none": null,
          "list": [
            1.5,
            2,
            [],
            {}
          ]
        }
        """)
    }

    @Test func keysKeepTheirOrderAndAreEscaped() {
        let v: V = .object([("z", .int(1)), ("a\u{2028}", .int(2))])
        #expect(JSONWriter.render(v, style: .compact) == #"{"z":1,"a\u2028":2}"#)
        #expect(JSONWriter.render(.double(.nan)) == "null")
        #expect(V.object([("a", .int(1))]) != V.object([("b", .int(1))]))
    }
}
