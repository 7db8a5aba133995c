import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyOutput
@testable import PigstyDeploy
import PigstyTestSupport

/// apply.sh's state across runs (the record of what it installed, removals, the rollback set)
/// and what it refuses to write through (links under --root, planted temporary files).
struct ApplyScriptStateTests {
    typealias T = ApplyScriptTests
    static let node = "10.10.10.10"
    static let fm = FileManager.default

    static func tree(_ files: [(String, String, ApplyStep)], owner: String = "root") -> FileTree {
        var tree = FileTree()
        for (path, content, step) in files {
            tree.add(GeneratedFile(path: path, content: content, owner: owner, group: owner, mode: 0o600,
                                   producer: "test", apply: .in(step, .reload("unit-\(step.rawValue)"))), on: node)
        }
        return tree
    }

    static func write(_ tree: FileTree, _ dir: URL) throws -> URL {
        try? fm.removeItem(at: dir)
        try TreeWriter(tree: tree).write(to: dir.path)
        return dir
    }

    static func compile(_ text: String) throws -> FileTree {
        let sink = DiagnosticSink()
        return try #require(Compiler.compile(SourceFile(path: "pigsty.yml", text: text), sink: sink),
                            "\(sink.diagnostics.map(\.message))")
    }

    static func text(_ url: URL) -> String? { fm.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) } }

    /// Files under a root, leaving out apply.sh's own state.
    static func files(_ root: URL) -> [String: (Data, Int)] {
        T.snapshot(root).filter { !$0.key.hasPrefix("var/lib/pigstyc") }
    }

    static let replicas = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica }
            10.10.10.13: { pg_seq: 3, pg_role: replica }
            10.10.10.14: { pg_seq: 4, pg_role: replica }
          vars: { pg_cluster: pg-test }
      vars: { version: v4.5.0, admin_ip: 10.10.10.10 }
    """

    /// `diff` and apply agree: what TreeDiff lists as removed is what apply removes, what it
    /// lists as added or changed is what apply writes, and nothing else moves.
    @Test func removingAReplicaRemovesExactlyWhatDiffLists() throws {
        let a = try Self.compile(Self.replicas)
        let b = try Self.compile(Self.replicas.replacingOccurrences(of: "        10.10.10.14: { pg_seq: 4, pg_role: replica }\n", with: ""))
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let outA = try Self.write(a, work.appendingPathComponent("a"))
        let outB = try Self.write(b, work.appendingPathComponent("b"))
        let diff = TreeDiff(old: a, new: b)
        let removedOnInfra = Set(diff.nodes.first { $0.node == Self.node }?.files.filter { $0.kind == .removed }.map(\.path) ?? [])
        #expect(removedOnInfra.contains("/etc/dnsmasq.d/pigsty/pg-test-4"))
        #expect(removedOnInfra.contains("/infra/targets/pgsql/pg-test-4.yml"))
        for node in b.nodeNames {
            let root = work.appendingPathComponent("root-\(node)")
            try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
            // Not pigstyc's: never removed.
            try Self.fm.createDirectory(at: root.appendingPathComponent("etc/dnsmasq.d/pigsty"), withIntermediateDirectories: true)
            try Data("mine\n".utf8).write(to: root.appendingPathComponent("etc/dnsmasq.d/pigsty/hand-made"))
            let first = try T.apply(outA, node, ["--root", root.path, "--force"])
            #expect(first.status == 0, "\(first.output)")
            let before = Self.files(root)
            let changes = diff.nodes.first { $0.node == node }?.files ?? []
            let removed = changes.filter { $0.kind == .removed }.map(\.path)
            let dry = try T.apply(outB, node, ["--root", root.path, "--force", "--dry-run"])
            #expect(dry.status == 0, "\(dry.output)")
            let wouldRemove = dry.output.split(separator: "\n").filter { $0.contains("would remove ") }
            #expect(wouldRemove.count == removed.count, "\(dry.output)")
            for p in removed { #expect(dry.output.contains("would remove \(p) "), "\(node) \(p)") }

            let second = try T.apply(outB, node, ["--root", root.path, "--force"])
            #expect(second.status == 0, "\(second.output)")
            let after = Self.files(root)
            for p in removed {
                #expect(after[String(p.dropFirst())] == nil, "\(node): \(p) is still there")
                #expect(second.output.contains("removed \(p) "), "\(second.output)")
            }
            let touched = Set(changes.map { String($0.path.dropFirst()) })
            for (k, v) in before where !touched.contains(k) {
                #expect(after[k].map { $0.0 == v.0 && $0.1 == v.1 } == true, "\(node): \(k) changed")
            }
            for f in b.files(on: node) {
                #expect(after[String(f.path.dropFirst())]?.0 == T.installed(f), "\(node) \(f.path)")
            }
            #expect(Set(after.keys) == Set(before.keys).subtracting(removed.map { String($0.dropFirst()) })
                .union(b.files(on: node).map { String($0.path.dropFirst()) }))
            #expect(after["etc/dnsmasq.d/pigsty/hand-made"] != nil)

            let third = try T.apply(outB, node, ["--root", root.path, "--force"])
            #expect(third.status == 0 && third.output.hasSuffix("\(node): 0 files changed\n"), "\(third.output)")
            #expect(T.same(T.snapshot(root), T.snapshot(root)) && T.same(Self.files(root), after))

            if !removed.isEmpty {
                // --rollback brings the removed files back.
                let back = try T.apply(outB, node, ["--root", root.path, "--force", "--rollback"])
                #expect(back.status == 0, "\(back.output)")
                #expect(T.same(Self.files(root), before), "\(node)")
            }
        }
        #expect(!removedOnInfra.isEmpty)
    }

    /// Removal rules: only what apply installed, only while it holds what was installed.
    @Test func removalLeavesChangedAndForeignFiles() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let a = try Self.write(Self.tree([("/etc/t/keep", "k\n", .node), ("/etc/t/gone", "g\n", .node),
                                          ("/etc/t/edited", "e\n", .node), ("/etc/r/redis.conf", "r\n", .redis)]),
                               work.appendingPathComponent("a"))
        let b = try Self.write(Self.tree([("/etc/t/keep", "k\n", .node)]), work.appendingPathComponent("b"))
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(try T.apply(a, Self.node, ["--root", root.path, "--force"]).status == 0)
        try Data("edited by hand\n".utf8).write(to: root.appendingPathComponent("etc/t/edited"))
        let r = try T.apply(b, Self.node, ["--root", root.path, "--force"])
        #expect(r.status == 0, "\(r.output)")
        #expect(!Self.fm.fileExists(atPath: root.path + "/etc/t/gone"))
        // The step b no longer has at all still removes its files, and reloads their units.
        #expect(!Self.fm.fileExists(atPath: root.path + "/etc/r/redis.conf"))
        #expect(r.output.contains("[redis] would reload unit-redis"), "\(r.output)")
        #expect(r.output.contains("[node] would reload unit-node"), "\(r.output)")
        #expect(Self.text(root.appendingPathComponent("etc/t/edited")) == "edited by hand\n")
        #expect(r.output.contains("left /etc/t/edited: no longer in the bundle, but changed"), "\(r.output)")
        #expect(r.output.hasSuffix("\(Self.node): 2 files changed\n"), "\(r.output)")
        let record = try #require(Self.text(root.appendingPathComponent("var/lib/pigstyc/installed")))
        #expect(record.contains("\t/etc/t/keep\n") && !record.contains("/etc/t/edited") && !record.contains("gone"))
        // A file apply did not install (already right before the first run) is not its to remove.
        let fresh = work.appendingPathComponent("fresh")
        try Self.fm.createDirectory(at: fresh.appendingPathComponent("etc/t"), withIntermediateDirectories: true)
        try Data("g\n".utf8).write(to: fresh.appendingPathComponent("etc/t/gone"))
        try Self.fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: fresh.path + "/etc/t/gone")
        #expect(try T.apply(a, Self.node, ["--root", fresh.path, "--force"]).status == 0)
        #expect(try T.apply(b, Self.node, ["--root", fresh.path, "--force"]).status == 0)
        #expect(Self.fm.fileExists(atPath: fresh.path + "/etc/t/gone"))
    }

    /// A link among the directories below --root (etc, or var where the state lives) is refused
    /// before anything is written, and nothing lands where it leads.
    @Test(arguments: ["etc", "var"])
    func linksBelowTheRootAreRefused(_ component: String) throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let out = try Self.write(Self.tree([("/etc/t/one", "1\n", .node), ("/etc/t/two", "2\n", .redis)]),
                                 work.appendingPathComponent("out"))
        let root = work.appendingPathComponent("root")
        let elsewhere = work.appendingPathComponent("elsewhere")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        try Self.fm.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        // A first run into real directories leaves a rollback set, then the directory is moved
        // out of the root and a link put in its place.
        #expect(try T.apply(out, Self.node, ["--root", root.path, "--force"]).status == 0)
        try Self.fm.moveItem(at: root.appendingPathComponent(component), to: elsewhere.appendingPathComponent(component))
        try Self.fm.createSymbolicLink(atPath: root.path + "/" + component, withDestinationPath: elsewhere.path + "/" + component)
        let outside = T.snapshot(elsewhere)
        let inside = T.snapshot(root)
        for args in [[String](), ["--rollback"], ["--dry-run"]] {
            let r = try T.apply(out, Self.node, ["--root", root.path, "--force"] + args)
            #expect(r.status == 1, "\(args) \(r.output)")
            #expect(r.output.contains("--root: /\(component) is a symbolic link"), "\(r.output)")
        }
        #expect(T.same(T.snapshot(elsewhere), outside))
        #expect(T.same(T.snapshot(root), inside))
        // Into an empty root whose directory is a link: nothing at all.
        let empty = work.appendingPathComponent("empty")
        let away = work.appendingPathComponent("away")
        try Self.fm.createDirectory(at: empty, withIntermediateDirectories: true)
        try Self.fm.createDirectory(at: away, withIntermediateDirectories: true)
        try Self.fm.createSymbolicLink(atPath: empty.path + "/" + component, withDestinationPath: away.path)
        let r = try T.apply(out, Self.node, ["--root", empty.path, "--force"])
        #expect(r.status == 1, "\(r.output)")
        #expect(try Self.fm.contentsOfDirectory(atPath: away.path).isEmpty)
        #expect(try Self.fm.contentsOfDirectory(atPath: empty.path) == [component])
    }

    /// A service account that owns a destination directory plants links where apply.sh puts its
    /// temporary files (and wins the race between creating one and writing it, simulated by a
    /// mktemp that swaps what it made for a link): root writes, chmods, chowns nothing it points at.
    @Test func plantedLinksInAServiceDirectoryAreNotFollowed() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let out = try Self.write(Self.tree([("/srv/svc/conf", "secret\n", .node), ("/srv/svc/other", "o\n", .node)]),
                                 work.appendingPathComponent("out"))
        let root = work.appendingPathComponent("root")
        let svc = root.appendingPathComponent("srv/svc")
        try Self.fm.createDirectory(at: svc, withIntermediateDirectories: true)
        let victim = work.appendingPathComponent("victim")
        try Data("victim\n".utf8).write(to: victim)
        try Self.fm.setAttributes([.posixPermissions: 0o644], ofItemAtPath: victim.path)
        for name in [".pigstyc.XXXXXX", ".pigstyc.AAAAAA", ".pigstyc.tmp", ".pigstyc.0000000000"] {
            try Self.fm.createSymbolicLink(atPath: svc.path + "/" + name, withDestinationPath: victim.path)
        }
        // An older version is there, in the wrong mode: a mode fix must not chmod through a link either.
        try Data("o\n".utf8).write(to: svc.appendingPathComponent("other"))
        _ = try runTool("/bin/chown", ["-R", "nobody", svc.path])
        let shim = work.appendingPathComponent("shim")
        try Self.fm.createDirectory(at: shim, withIntermediateDirectories: true)
        try """
        #!/bin/bash
        out=$(/usr/bin/mktemp "$@") || exit
        case $out in
          "$SVC"/*) rm -rf -- "$out"; ln -s -- "$VICTIM" "$out" ;;
        esac
        printf '%s\\n' "$out"

        """.write(to: shim.appendingPathComponent("mktemp"), atomically: true, encoding: .utf8)
        try Self.fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: shim.path + "/mktemp")
        let env = ["PATH=\(shim.path):/usr/sbin:/usr/bin:/sbin:/bin", "SVC=\(svc.path)", "VICTIM=\(victim.path)"]
        let r = try runTool("/usr/bin/env", env + ["/usr/bin/unshare", "-n", "/bin/bash",
                                                   out.path + "/\(Self.node)/apply.sh", "--root", root.path, "--force"], cwd: work)
        #expect(r.status == 0, "\(r.output)")
        #expect(Self.text(victim) == "victim\n")
        let attributes = try Self.fm.attributesOfItem(atPath: victim.path)
        #expect(attributes[.posixPermissions] as? Int == 0o644)
        #expect(attributes[.ownerAccountName] as? String == "root")
        #expect(Self.text(svc.appendingPathComponent("conf")) == "secret\n")
        let mode = try Self.fm.attributesOfItem(atPath: svc.path + "/conf")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try Self.fm.attributesOfItem(atPath: svc.path + "/other")[.posixPermissions] as? Int == 0o600)
        // Only the planted links are left besides the files, and none of them is followed.
        let left = try Self.fm.contentsOfDirectory(atPath: svc.path).filter { $0.hasPrefix(".pigstyc.") }
        for name in left {
            #expect((try? Self.fm.destinationOfSymbolicLink(atPath: svc.path + "/" + name)) == victim.path, "\(name)")
        }
        // Rollback writes the same way.
        let back = try runTool("/usr/bin/env", env + ["/usr/bin/unshare", "-n", "/bin/bash",
                                                      out.path + "/\(Self.node)/apply.sh", "--root", root.path, "--force", "--rollback"], cwd: work)
        #expect(back.status == 0, "\(back.output)")
        #expect(Self.text(victim) == "victim\n")
        #expect(Self.text(svc.appendingPathComponent("other")) == "o\n")
    }

    /// A destination that is a directory stops the run before anything is written, leaves no
    /// temporary file, and --rollback still works.
    @Test func aDirectoryInTheWayChangesNothing() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let out = try Self.write(Self.tree([("/etc/a/one", "1\n", .node), ("/etc/b/pass", "password\n", .redis)]),
                                 work.appendingPathComponent("out"))
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root.appendingPathComponent("etc/b/pass"), withIntermediateDirectories: true)
        let before = T.snapshot(root)
        let r = try T.apply(out, Self.node, ["--root", root.path, "--force"])
        #expect(r.status == 1, "\(r.output)")
        #expect(r.output.contains("/etc/b/pass is a directory"), "\(r.output)")
        #expect(T.same(T.snapshot(root), before))
        #expect(!Self.fm.fileExists(atPath: root.path + "/etc/a"))
        let back = try T.apply(out, Self.node, ["--root", root.path, "--force", "--rollback"])
        #expect(back.status == 0, "\(back.output)")
        let all = Self.fm.enumerator(atPath: root.path)?.allObjects as? [String] ?? []
        #expect(!all.contains { $0.contains(".pigstyc.") }, "\(all)")
    }

    /// A failed run and a successful retry: --rollback still returns to what the last
    /// successful run left, and the failed run did not replace that run's rollback set.
    @Test func aFailedRunKeepsTheRollbackSet() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let a = try Self.write(Self.tree([("/etc/a/one", "1a\n", .node), ("/etc/r/two", "2a\n", .redis)]),
                               work.appendingPathComponent("a"))
        let b = try Self.write(Self.tree([("/etc/a/one", "1b\n", .node), ("/etc/r/two", "2b\n", .redis),
                                          ("/etc/q/sub/three", "3b\n", .redis)]),
                               work.appendingPathComponent("b"))
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root.appendingPathComponent("etc/a"), withIntermediateDirectories: true)
        try Data("1-before\n".utf8).write(to: root.appendingPathComponent("etc/a/one"))
        #expect(try T.apply(a, Self.node, ["--root", root.path, "--force"]).status == 0)
        let afterA = Self.files(root)
        let setA = Self.text(root.appendingPathComponent("var/lib/pigstyc/rollback/list"))
        #expect(setA != nil)
        // In the way of the redis step's directory: the node step has run when it fails.
        try Data("in the way\n".utf8).write(to: root.appendingPathComponent("etc/q"))
        let failed = try T.apply(b, Self.node, ["--root", root.path, "--force"])
        #expect(failed.status == 1, "\(failed.output)")
        #expect(Self.text(root.appendingPathComponent("etc/a/one")) == "1b\n")
        #expect(Self.text(root.appendingPathComponent("var/lib/pigstyc/rollback/list")) == setA)
        try Self.fm.removeItem(at: root.appendingPathComponent("etc/q"))
        let retry = try T.apply(b, Self.node, ["--root", root.path, "--force"])
        #expect(retry.status == 0, "\(retry.output)")
        #expect(!retry.output.contains("/etc/a/one"), "\(retry.output)")
        let back = try T.apply(b, Self.node, ["--root", root.path, "--force", "--rollback"])
        #expect(back.status == 0, "\(back.output)")
        #expect(T.same(Self.files(root), afterA), "\(Self.files(root).keys.sorted())")
        // And the record is A's again: applying B once more changes the same files.
        let again = try T.apply(b, Self.node, ["--root", root.path, "--force"])
        #expect(again.output.hasSuffix("\(Self.node): 3 files changed\n"), "\(again.output)")
    }
}

/// A unit file installed, changed or removed makes apply.sh reload systemd's unit files before any
/// unit of that step restarts; other files, and a second run, do not.
struct ApplyScriptDaemonReloadTests {
    typealias S = ApplyScriptStateTests

    @Test func unitFilesTriggerOneDaemonReloadPerStep() throws {
        let work = try ApplyScriptTests.temp()
        defer { try? S.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try S.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let unit = ("/etc/systemd/system/x.service", "[Service]\nExecStart=/bin/true\n", ApplyStep.node)
        let conf = ("/etc/x.conf", "a\n", ApplyStep.node)
        let first = try ApplyScriptTests.apply(try S.write(S.tree([unit, conf]), work.appendingPathComponent("a")),
                                               S.node, ["--root", root.path, "--force"])
        #expect(first.status == 0, "\(first.output)")
        #expect(first.output.components(separatedBy: "would daemon-reload").count == 2, "\(first.output)")
        // Only the non-unit file changed: no daemon-reload.
        let second = try ApplyScriptTests.apply(try S.write(S.tree([unit, (conf.0, "b\n", conf.2)]), work.appendingPathComponent("b")),
                                                S.node, ["--root", root.path, "--force"])
        #expect(second.status == 0 && !second.output.contains("daemon-reload"), "\(second.output)")
        // The unit is no longer in the bundle: removing it reloads too.
        let third = try ApplyScriptTests.apply(try S.write(S.tree([(conf.0, "b\n", conf.2)]), work.appendingPathComponent("c")),
                                               S.node, ["--root", root.path, "--force"])
        #expect(third.status == 0 && third.output.contains("would daemon-reload"), "\(third.output)")
        #expect(!S.fm.fileExists(atPath: root.path + unit.0))
        let dry = try ApplyScriptTests.apply(try S.write(S.tree([unit]), work.appendingPathComponent("d")),
                                             S.node, ["--root", root.path, "--force", "--dry-run"])
        #expect(dry.output.contains("would reload systemd's unit files (daemon-reload)"), "\(dry.output)")
    }
}
