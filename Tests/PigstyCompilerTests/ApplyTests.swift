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

/// The apply steps files declare, the cross-node plan and the tarball writer.
struct ApplyStepTests {
    func effects(_ path: String, _ producer: String) -> [String] {
        ExpectedApply.classify(path: path, producer: producer).effects.map(\.description)
    }

    @Test func unitsPerFile() {
        #expect(effects("/etc/etcd/etcd.conf", "etcd:etcd-1") == ["restart etcd"])
        #expect(effects("/etc/etcd/etcd.pass", "etcd:etcd-1") == [])
        #expect(effects("/pg/data/pg_hba.conf", "pg_hba:pg-meta-1") == ["reload patroni"])
        #expect(effects("/pg/conf/pg-meta-1.yml", "patroni:pg-meta-1") == ["reload patroni"])
        #expect(effects("/etc/pgbouncer/pgbouncer.ini", "pgbouncer:pg-meta-1") == ["reload pgbouncer"])
        #expect(effects("/etc/pgbouncer/pgb_hba.conf", "pgb_hba:pg-meta-1") == ["reload pgbouncer"])
        #expect(effects("/etc/haproxy/haproxy.cfg", "haproxy:10.10.10.10") == ["reload haproxy"])
        #expect(effects("/etc/default/vip-manager.yml", "vip:pg-meta-1") == ["restart vip-manager"])
        #expect(effects("/etc/keepalived/keepalived.conf", "vip:nodes") == ["reload keepalived"])
        #expect(effects("/etc/redis/redis-ms-1-6379.conf", "redis:redis-ms-1-6379") == ["restart redis-ms-1-6379"])
        #expect(effects("/etc/nginx/conf.d/home.conf", "nginx:home") == ["reload nginx"])
        #expect(effects("/etc/dnsmasq.conf", "dnsmasq:10.10.10.10") == ["restart dnsmasq"])
        #expect(effects("/etc/dnsmasq.d/pigsty/pg-meta", "dnsmasq:pg-meta") == [])
        #expect(effects("/infra/prometheus.yml", "metrics:prometheus") == ["reload vmetrics"])
        #expect(effects("/etc/default/vmetrics", "metrics:env") == ["restart vmetrics"])
        #expect(effects("/infra/targets/pgsql/pg-meta-1.yml", "metrics:pg-meta-1") == [])
        #expect(effects("/infra/rules/pgsql.yml", "alerts:pgsql") == ["reload vmalert"])
        #expect(effects("/etc/grafana/grafana.ini", "grafana:ini") == ["restart grafana-server"])
        #expect(effects("/etc/grafana/provisioning/datasources/pigsty.yml", "grafana:ds") == ["restart grafana-server"])
    }

    @Test func stepsPerBackEnd() {
        func step(_ path: String, _ producer: String) -> ApplyStep { ExpectedApply.classify(path: path, producer: producer).step }
        #expect(step("/etc/haproxy/conf.d/pg-meta-primary.cfg", "pg_service:pg-meta-primary") == .service)
        #expect(step("/etc/haproxy/conf.d/minio.cfg", "haproxy_service:minio") == .haproxy)
        #expect(step("/etc/keepalived/keepalived.conf", "vip:nodes") == .node)
        #expect(step("/etc/dnsmasq.d/pigsty/pg-meta", "dnsmasq:pg-meta") == .register)
        #expect(step("/etc/dnsmasq.d/pigsty/default", "dnsmasq:default") == .infra)
        #expect(step("/infra/targets/infra/infra-1.yml", "metrics:infra-1") == .infra)
        #expect(step("/infra/targets/node/10.10.10.10.yml", "metrics:node") == .register)
        #expect(step("/etc/nginx/nginx.conf", "nginx:main") == .infra)
        #expect(step("/etc/whatever.conf", "mystery:x") == .node)
        #expect(step("/pg/bin/thing", "mystery:x") == .pgsql)
        #expect(step("/etc/minio.env", "minio:minio-1") == .minio)
    }

    /// The byte-wise matcher decides like fnmatch (no flags) for every pattern shape, simple or not.
    @Test func pathGlobAgreesWithFnmatch() {
        let patterns = ["/etc/haproxy/*", "/etc/redis/*.conf", "*", "/etc/dnsmasq.conf", "/a/*/b/*", "/x?y", "/[ab]/*", "*.conf", "/e\u{301}/*", ""]
        let paths = ["/etc/haproxy/haproxy.cfg", "/etc/haproxy/", "/etc/haproxy", "/etc/redis/r-1.conf", "/etc/redis/.conf",
                     "/etc/redis/conf", "/etc/dnsmasq.conf", "/etc/dnsmasq.conf.bak", "/a/x/b/y", "/a/b/", "/xzy", "/a/q",
                     "/e\u{301}/f", "/é/f", "", "x.conf", "/etc/redis/a/b.conf"]
        var checked = 0
        for pattern in patterns {
            let glob = PathGlob(pattern)
            for path in paths {
                #expect(glob.matches(path) == (fnmatch(pattern, path, 0) == 0), "\(pattern) vs \(path)")
                checked += 1
            }
        }
        #expect(checked == patterns.count * paths.count)
        #expect(PathGlob("/etc/redis/*.conf").matches("/etc/redis/r.conf") && !PathGlob("/etc/redis/*.conf").matches("/etc/redis.conf"))
    }

    @Test func restartWinsOverReload() {
        let merged = UnitEffect.merged([UnitEffect(.reload, "b"), UnitEffect(.restart, "b"), UnitEffect(.reload, "a")])
        #expect(merged.map(\.description) == ["reload a", "restart b"])
    }

    /// Every file of every back end, on inventories that exercise them all, declares the step and
    /// units the oracle gives (a back end that forgets or changes one fails here).
    @Test func everyFileDeclaresItsStep() throws {
        var seen = 0
        for name in ["cluster-trio", "bundled"] {
            let url = GoldenTreeTests.root.appendingPathComponent("golden/\(name)/pigsty.yml")
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            let e = try emit(text, Backends.all)
            for (_, files) in e.tree.nodes {
                for file in files.values {
                    #expect(file.apply == ExpectedApply.classify(path: file.path, producer: file.producer), "\(name): \(file.path)")
                    seen += 1
                }
            }
        }
        #expect(seen > 100)
    }
}

struct ApplyPlanTests {
    func plan(_ text: String) throws -> (ApplyPlan?, DiagnosticSink) {
        let e = try emit(text, Backends.all)
        let sink = DiagnosticSink()
        return (ApplyPlan.make(e.graph, tree: e.tree, sink: sink), sink)
    }

    static let standbys = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-src:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica }
            10.10.10.13: { pg_seq: 3, pg_role: replica, pg_upstream: 10.10.10.12 }
          vars: { pg_cluster: pg-src }
        pg-dst:
          hosts:
            10.10.10.21: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.11 }
            10.10.10.22: { pg_seq: 2, pg_role: replica }
          vars: { pg_cluster: pg-dst }
      vars: { version: v4.5.0, admin_ip: 10.10.10.10 }
    """

    @Test func standbyClusterAndCascadeComeLater() throws {
        let (p, sink) = try plan(Self.standbys)
        let plan = try #require(p, "\(sink.diagnostics.map(\.message))")
        let names = plan.waves.map(\.name)
        #expect(names == ["infra", "node", "etcd", "pgsql-primary", "pgsql-primary-2", "pgsql-replica", "pgsql-replica-2",
                          "service", "register"])
        let byName = Dictionary(uniqueKeysWithValues: plan.waves.map { ($0.name, $0.nodes) })
        #expect(byName["pgsql-primary"] == ["10.10.10.11"])
        #expect(byName["pgsql-primary-2"] == ["10.10.10.21"])
        #expect(byName["pgsql-replica"] == ["10.10.10.12", "10.10.10.22"])
        #expect(byName["pgsql-replica-2"] == ["10.10.10.13"])
        #expect(byName["node"] == ["10.10.10.11", "10.10.10.12", "10.10.10.13", "10.10.10.21", "10.10.10.22"])
        #expect(plan.text.hasPrefix("wave 1  infra  "))
        let limited = plan.limited(to: ["10.10.10.13"])
        #expect(limited.waves.map(\.name) == ["node", "pgsql-replica-2", "service"])
    }

    @Test func twoStandbyClustersFollowingEachOtherAreACycle() throws {
        let text = """
        all:
          children:
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-a: { hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.12 } }, vars: { pg_cluster: pg-a } }
            pg-b: { hosts: { 10.10.10.12: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.11 } }, vars: { pg_cluster: pg-b } }
          vars: { version: v4.5.0, admin_ip: 10.10.10.10 }
        """
        let (p, sink) = try plan(text)
        #expect(p == nil)
        let d = try #require(sink.diagnostics.first)
        #expect(sink.diagnostics.count == 1)
        #expect(d.id == "PGS0830")
        #expect(d.message.contains("pg-a-1 (10.10.10.11) waits for pg-b-1 (10.10.10.12) waits for pg-a-1 (10.10.10.11)"))
    }

    @Test func cascadingReplicasFollowingEachOtherAreACycle() throws {
        let text = """
        all:
          children:
            pg-a:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary }
                10.10.10.12: { pg_seq: 2, pg_role: replica, pg_upstream: 10.10.10.13 }
                10.10.10.13: { pg_seq: 3, pg_role: replica, pg_upstream: 10.10.10.12 }
              vars: { pg_cluster: pg-a }
          vars: { version: v4.5.0, admin_ip: 10.10.10.10 }
        """
        let (p, sink) = try plan(text)
        #expect(p == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0830"])
    }

    @Test func limitSelectsByIPGroupClusterAndExclusion() throws {
        let e = try emit(Self.standbys, Backends.all)
        let all = e.tree.nodeNames
        #expect(try NodeLimit("10.10.10.11").select(e.graph, among: all) == ["10.10.10.11"])
        #expect(try NodeLimit("pg-dst").select(e.graph, among: all) == ["10.10.10.21", "10.10.10.22"])
        #expect(try NodeLimit("pg-src,!10.10.10.12").select(e.graph, among: all) == ["10.10.10.11", "10.10.10.13"])
        #expect(try NodeLimit("10.10.10.2*").select(e.graph, among: all) == ["10.10.10.21", "10.10.10.22"])
        #expect(try NodeLimit("all:&infra").select(e.graph, among: all) == ["10.10.10.10"])
        #expect(throws: NodeLimit.NoMatch.self) { try NodeLimit("pg-nope").select(e.graph, among: all) }
    }
}

struct TarballTests {
    @Test func systemTarReadsWhatWeWriteIncludingLongPaths() throws {
        let long = "n/files/" + String(repeating: "d/", count: 70) + "file-with-a-rather-long-name.conf"
        let veryLongName = "n/files/" + String(repeating: "x", count: 120)
        let entries = [
            Tarball.Entry(path: "n/", bytes: [], mode: 0o755, isDirectory: true),
            Tarball.Entry(path: "n/a.sh", bytes: Array("#!/bin/sh\n".utf8), mode: 0o755),
            Tarball.Entry(path: long, bytes: Array("long\n".utf8), mode: 0o600),
            Tarball.Entry(path: veryLongName, bytes: Array("x\n".utf8), mode: 0o640),
        ]
        let gz = Tarball.tarGz(entries)
        #expect(gz == Tarball.tarGz(entries))
        // No name, mtime 0, no extra flags (zlib's default level), OS 3 (Unix).
        #expect(Array(gz.prefix(10)) == [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3])
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-tar-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(gz).write(to: dir.appendingPathComponent("t.tar.gz"))
        let r = try runTool("/usr/bin/tar", ["-xzf", "t.tar.gz"], cwd: dir)
        #expect(r.status == 0, "\(r.output)")
        #expect(try String(contentsOf: dir.appendingPathComponent(long), encoding: .utf8) == "long\n")
        #expect(try String(contentsOf: dir.appendingPathComponent(veryLongName), encoding: .utf8) == "x\n")
        let attrs = try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(long).path)
        #expect((attrs[.posixPermissions] as? Int) == 0o600)
        // The stored fallback is valid gzip too.
        try Data(Tarball.stored(Tarball.tar(entries))).write(to: dir.appendingPathComponent("s.tar.gz"))
        #expect(try runTool("/usr/bin/gzip", ["-t", "s.tar.gz"], cwd: dir).status == 0)
    }
}
