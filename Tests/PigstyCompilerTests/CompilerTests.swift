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

/// The compile pipeline around the back ends: facts, the staged writer, manifests, `--check`.
struct CompilerTests {
    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd:
          hosts:
            10.10.10.10: { etcd_seq: 1 }
            10.10.10.2: { etcd_seq: 2 }
            10.10.10.3: { etcd_seq: 3 }
          vars: { etcd_cluster: etcd }
      vars:
        admin_ip: 10.10.10.10
        etcd_root_password: Root.Secret.1
    """

    func compile(_ text: String = inventory, facts: FactsTable = FactsTable()) throws -> FileTree {
        let sink = DiagnosticSink()
        let tree = Compiler.compile(SourceFile(path: "pigsty.yml", text: text), facts: facts, sink: sink)
        #expect(!sink.hasErrors, "\(sink.diagnostics.map(\.message))")
        return try #require(tree)
    }

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Two back ends writing the same path with different content.
    struct Writes: Backend {
        let name: String
        let content: String
        func emit(_ graph: ResourceGraph, into tree: inout FileTree, sink: DiagnosticSink) {
            tree.add(GeneratedFile(path: "/etc/shared.conf", content: content, producer: "\(name):x"), on: "10.10.10.10")
            sink.report(Diagnostic(id: "PGS0821", severity: .warning, message: "from \(name)", range: nil))
        }
    }

    @Test func backEndsRunConcurrentlyButMergeInTheirOrder() throws {
        let sink = DiagnosticSink()
        let resolved = try #require(Frontend.check(SourceFile(path: "pigsty.yml", text: Self.inventory), sink: sink))
        let graph = ResourceGraph.lower(resolved, facts: FactsTable(), inventoryName: "pigsty.yml")
        // Same output as running the back ends one after another.
        var sequential = FileTree()
        for backend in Backends.all { backend.emit(graph, into: &sequential, sink: DiagnosticSink()) }
        let parallel = try #require(Compiler.emit(graph, sink: DiagnosticSink()))
        #expect(parallel.nodeNames == sequential.nodeNames)
        for node in sequential.nodeNames {
            #expect(parallel.files(on: node) == sequential.files(on: node))
        }
        // A disagreement between back ends is still an error, and diagnostics keep back-end order.
        let conflictSink = DiagnosticSink()
        let result = Compiler.emit(graph, sink: conflictSink,
                                   backends: [Writes(name: "a", content: "1"), Writes(name: "b", content: "2")])
        #expect(result == nil)
        #expect(conflictSink.diagnostics.map(\.message).prefix(2) == ["from a", "from b"])
        #expect(conflictSink.diagnostics.contains { $0.id == "PGS0810" && $0.message.contains("(a:x, b:x)") })
    }

    /// Merging node by node side by side gives what merging tree after tree gives.
    @Test func mergedTreesEqualSequentialMerges() {
        func file(_ path: String, _ content: String, mode: Int = 0o644, _ producer: String) -> GeneratedFile {
            GeneratedFile(path: path, content: content, mode: mode, producer: producer)
        }
        var a = FileTree(), b = FileTree(), c = FileTree()
        a.add(file("/x", "1", "a"), on: "10.0.0.1")
        a.add(file("/y", "1", "a"), on: "10.0.0.2")
        b.add(file("/x", "1", "b"), on: "10.0.0.1")             // same content: fine, a's kept
        b.add(file("/y", "2", "b"), on: "10.0.0.2")             // conflict, a's kept
        b.add(file("/z", "1", "b"), on: "10.0.0.3")             // a node only b has
        c.add(file("/x", "1", mode: 0o600, "c"), on: "10.0.0.1") // mode conflict
        c.add(file("/w", "1", "c"), on: "10.0.0.1")
        c.add(file("/../v", "1", "c"), on: "10.0.0.4")           // refused when added
        var sequential = FileTree()
        for t in [a, b, c] { sequential.merge(t) }
        let merged = FileTree.merged([a, b, c])
        #expect(merged.nodeNames == sequential.nodeNames && merged.nodeNames == ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        for node in sequential.nodeNames { #expect(merged.files(on: node) == sequential.files(on: node)) }
        func key(_ c: (node: String, path: String, producers: [String])) -> String { "\(c.node) \(c.path) \(c.producers)" }
        #expect(merged.conflicts.map(key).sorted() == sequential.conflicts.map(key).sorted())
        #expect(merged.conflicts.count == 3 && merged.file("/y", on: "10.0.0.2")?.producer == "a")
    }

    @Test func pathsWithAParentComponentAreRefused() {
        for bad in ["/a/../b", "/..", "/a/..", "/../etc"] { #expect(FileTree.hasParentComponent(bad), "\(bad)") }
        for good in ["/a/b", "/a/...", "/a/.b", "/a..", "/..a/b", "/a/./b"] { #expect(!FileTree.hasParentComponent(good), "\(good)") }
        var tree = FileTree()
        tree.add(GeneratedFile(path: "/etc/../root/x", content: "", producer: "t"), on: "10.0.0.1")
        #expect(tree.fileCount == 0 && tree.conflicts.count == 1)
    }

    @Test func nodeNamesSortByOctetsThenText() {
        var tree = FileTree()
        for ip in ["10.10.10.10", "10.10.10.2", "9.1.1.1", "010.10.10.2"] {
            tree.add(GeneratedFile(path: "/a", content: "", producer: "t"), on: ip)
        }
        #expect(tree.nodeNames == ["9.1.1.1", "010.10.10.2", "10.10.10.2", "10.10.10.10"])
    }

    /// Generated bytes depend on the inventory's content, not on its path or file name: `full.yml`,
    /// `./full.yml` and a renamed copy elsewhere compile to byte-identical trees.
    @Test func generatedBytesDoNotDependOnTheInventoryPath() throws {
        let text = try String(contentsOf: GoldenTreeTests.root.appendingPathComponent("golden/cluster-trio/pigsty.yml"), encoding: .utf8)
        func tree(_ path: String) throws -> FileTree {
            let sink = DiagnosticSink()
            return try #require(Compiler.compile(SourceFile(path: path, text: text), sink: sink), "\(sink.diagnostics.map(\.message))")
        }
        let a = try tree("full.yml"), b = try tree("./full.yml"), c = try tree("/srv/deploy/renamed-inventory.yml")
        for other in [b, c] {
            #expect(other.nodeNames == a.nodeNames)
            for node in a.nodeNames {
                let left = a.files(on: node), right = other.files(on: node)
                #expect(left.map(\.path) == right.map(\.path))
                for (x, y) in zip(left, right) { #expect(x.content == y.content, "\(node) \(x.path)") }
            }
            #expect(TreeDiff(old: a, new: other).isEmpty)
        }
        for node in a.nodeNames {
            for f in a.files(on: node) { #expect(!f.content.contains("full.yml"), "\(node) \(f.path) names the inventory") }
        }
    }

    @Test func etcdMembersAreStringSortedInInitialCluster() throws {
        let tree = try compile()
        let conf = try #require(tree.file("/etc/etcd/etcd.conf", on: "10.10.10.2"))
        #expect(conf.content.contains(#"initial-cluster: "etcd-1=https://10.10.10.10:2380,etcd-2=https://10.10.10.2:2380,etcd-3=https://10.10.10.3:2380""#))
        #expect(conf.content.contains("name: etcd-2\n"))
        #expect(conf.content.hasPrefix("# pigstyc: etcd configuration for 10.10.10.2; do not edit\n"))
        let pass = try #require(tree.file("/etc/etcd/etcd.pass", on: "10.10.10.3"))
        #expect(pass.content == "Root.Secret.1")
        #expect(pass.mode == 0o640)
    }

    @Test func writerStagesManifestsAndModes() throws {
        let tree = try compile()
        let dir = try tempDir().appendingPathComponent("out")
        try TreeWriter(tree: tree).write(to: dir.path)
        let fm = FileManager.default
        let pass = dir.appendingPathComponent("10.10.10.3/files/etc/etcd/etcd.pass")
        #expect(fm.fileExists(atPath: pass.path))
        let attrs = try fm.attributesOfItem(atPath: pass.path)
        #expect((attrs[.posixPermissions] as? Int) == 0o640)
        let manifest = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("10.10.10.3/manifest.json"))) as? [String: Any]
        let files = try #require(manifest?["files"] as? [[String: Any]])
        let paths = files.compactMap { $0["path"] as? String }
        #expect(paths == paths.sorted())
        #expect(paths.filter { !$0.hasPrefix("/etc/systemd/") && !$0.hasPrefix("/etc/default/") } == [
            "/etc/chrony.conf", "/etc/etcd/etcd.conf", "/etc/etcd/etcd.pass", "/etc/haproxy/haproxy.cfg", "/etc/hosts",
            "/etc/modules-load.d/ip_vs.conf", "/etc/modules-load.d/ip_vs_rr.conf", "/etc/modules-load.d/ip_vs_sh.conf",
            "/etc/modules-load.d/ip_vs_wrr.conf", "/etc/modules-load.d/softdog.conf", "/etc/profile.d/etcdctl.sh",
            "/etc/resolv.conf", "/etc/sudoers.d/dba", "/etc/sysctl.d/hugepage.conf",
            "/etc/tuned/crit/tuned.conf", "/etc/tuned/olap/tuned.conf", "/etc/tuned/oltp/tuned.conf", "/etc/tuned/tiny/tuned.conf",
            "/etc/vector/node.yaml", "/etc/vector/vector.yaml", "/etc/yum.repos.d/local.repo", "/home/dba/.ssh/config"])
        let passEntry = try #require(files.first { $0["path"] as? String == "/etc/etcd/etcd.pass" })
        #expect(passEntry["sha256"] as? String == TreeWriter.sha256(Array("Root.Secret.1".utf8)))
        #expect(passEntry["mode"] as? String == "0640")
        // No staging directories are left behind.
        let siblings = try fm.contentsOfDirectory(atPath: dir.deletingLastPathComponent().path)
        #expect(siblings == ["out"])
    }

    @Test func outputIsByteIdenticalAcrossRuns() throws {
        let a = TreeWriter(tree: try compile()).outputs()
        let b = TreeWriter(tree: try compile()).outputs()
        #expect(a.map(\.path) == b.map(\.path))
        #expect(a.map(\.bytes) == b.map(\.bytes))
        #expect(a.allSatisfy { !$0.bytes.contains(0x0D) })
    }

    @Test func checkReportsDriftAndRewriteReplacesStaleFiles() throws {
        let tree = try compile()
        let dir = try tempDir().appendingPathComponent("out")
        let writer = TreeWriter(tree: tree)
        // Every file is missing, and each node's manifest, apply.list and apply.sh.
        #expect(writer.differences(from: dir.path).count == tree.fileCount + 3 * tree.nodeNames.count)
        try writer.write(to: dir.path)
        #expect(writer.differences(from: dir.path).isEmpty)
        let conf = dir.appendingPathComponent("10.10.10.10/files/etc/etcd/etcd.conf")
        try "tampered\n".write(to: conf, atomically: true, encoding: .utf8)
        let stale = dir.appendingPathComponent("10.10.10.99/files/etc/old.conf")
        try FileManager.default.createDirectory(at: stale.deletingLastPathComponent(), withIntermediateDirectories: true)
        try "old\n".write(to: stale, atomically: true, encoding: .utf8)
        try "notes\n".write(to: dir.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(at: dir.appendingPathComponent("10.10.10.2/apply.list"))
        #expect(writer.differences(from: dir.path) == [
            "changed: 10.10.10.10/files/etc/etcd/etcd.conf",
            "missing: 10.10.10.2/apply.list",
            "extra:   10.10.10.99/files/etc/old.conf",
            "extra:   notes.txt",
        ])
        try writer.write(to: dir.path)
        // What pigstyc did not write (no manifest names it) is left, and still reported.
        #expect(writer.differences(from: dir.path) == ["extra:   10.10.10.99/files/etc/old.conf", "extra:   notes.txt"])
    }

    @Test func inventoryErrorsWriteNothing() throws {
        let sink = DiagnosticSink()
        let bad = Self.inventory.replacingOccurrences(of: "etcd_seq: 3", with: "etcd_seq: 2")
        #expect(Compiler.compile(SourceFile(path: "pigsty.yml", text: bad), sink: sink) == nil)
        #expect(sink.diagnostics.map(\.id) == ["PGS0722"])
    }

    @Test func factsFileOverridesDefaultsPerHost() throws {
        let sink = DiagnosticSink()
        let table = try #require(FactsTable.parse(SourceFile(path: "facts.yml", text: """
        hosts:
          10.10.10.2: { cpu: 16, iface: ens3 }
        default: { os: d12, mem_mb: 8192 }
        """), sink: sink))
        #expect(sink.diagnostics.isEmpty)
        #expect(table.facts(for: "10.10.10.10") == NodeFacts(os: "d12", arch: "x86_64", cpu: 4, memMB: 8192, diskGB: 40, iface: "eth0"))
        #expect(table.facts(for: "10.10.10.2") == NodeFacts(os: "d12", arch: "x86_64", cpu: 16, memMB: 8192, diskGB: 40, iface: "ens3"))
        #expect(table.facts(for: "10.10.10.2").package == "deb")
    }

    @Test func factsFileRejectsUnknownKeysWithPositions() {
        let sink = DiagnosticSink()
        let table = FactsTable.parse(SourceFile(path: "facts.yml", text: """
        default: { os: el9, memory: 4096, cpu: many }
        host: {}
        """), sink: sink)
        #expect(table == nil)
        let found = sink.sorted.map { "\($0.id)@\($0.range?.start.line ?? 0):\($0.range?.start.column ?? 0)" }
        #expect(found == ["PGS0802@1:21", "PGS0801@1:40", "PGS0802@2:1"])
        #expect(sink.sorted.first?.suggestion == nil)
        #expect(sink.sorted.last?.suggestion == "did you mean 'hosts'?")
    }
}
