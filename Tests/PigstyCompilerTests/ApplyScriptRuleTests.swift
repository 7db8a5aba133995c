import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyOutput
@testable import PigstyDeploy

/// apply.sh follows the change rules files declare, as `diff` does: a change of etcd.conf limited
/// to the settings read at bootstrap restarts nothing, a changed `pg_version` is refused before
/// anything is installed.
struct ApplyScriptRuleTests {
    typealias T = ApplyScriptTests
    typealias S = ApplyScriptStateTests
    static let fm = FileManager.default

    static func report(_ old: FileTree, _ new: FileTree) -> ChangeReport {
        ChangeReport(diff: TreeDiff(old: old, new: new), mask: SecretMask([]))
    }

    /// The part of a `diff` report about one node.
    static func section(_ report: String, _ node: String) -> String {
        let parts = report.components(separatedBy: "== ")
        return parts.first { $0.hasPrefix(node) } ?? ""
    }

    @Test func addingAnEtcdMemberRestartsNoExistingMemberAndOtherChangesDo() throws {
        let base = DiffSemanticsTests.etcd([1, 2, 3])
        let a = try S.compile(base)
        let b = try S.compile(DiffSemanticsTests.etcd([1, 2, 3, 4]))
        let c = try S.compile(base.replacingOccurrences(of: "etcd_cluster: etcd", with: "etcd_cluster: etcd, etcd_heartbeat_interval: 200"))
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let outA = try S.write(a, work.appendingPathComponent("a"))
        let outB = try S.write(b, work.appendingPathComponent("b"))
        let outC = try S.write(c, work.appendingPathComponent("c"))
        let list = try #require(S.text(outA.appendingPathComponent("10.10.10.11/apply.list")))
        // Version 4: the node also declares its services (version 3 accounts and directories, version 2 rules only).
        #expect(list.hasPrefix("pigstyc-apply\t4\n") && list.contains("\nservice\tetcd\tetcd\t"))
        #expect(list.contains("quiet\t/etc/etcd/etcd.conf\tinitial-cluster\n"))
        let diffB = Self.report(a, b).render(withContent: false)
        let diffC = Self.report(a, c).render(withContent: false)
        for node in ["10.10.10.11", "10.10.10.12", "10.10.10.13"] {
            // diff: no restart for the new member; restart for another setting.
            let sb = Self.section(diffB, node), sc = Self.section(diffC, node)
            #expect(sb.contains("only settings read at bootstrap changed") && !sb.contains("restart etcd"), "\(diffB)")
            #expect(sc.contains("restart etcd"), "\(diffC)")

            let root = work.appendingPathComponent("root-\(node)")
            try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
            let first = try T.apply(outA, node, ["--root", root.path, "--force"])
            #expect(first.status == 0 && first.output.contains("would restart etcd"), "\(first.output)")

            let dry = try T.apply(outB, node, ["--root", root.path, "--force", "--dry-run"])
            #expect(dry.status == 0, "\(dry.output)")
            #expect(dry.output.contains("would update /etc/etcd/etcd.conf (only settings read at bootstrap changed: no restart)"), "\(dry.output)")
            #expect(!dry.output.contains("restart etcd"), "\(dry.output)")
            let second = try T.apply(outB, node, ["--root", root.path, "--force"])
            #expect(second.status == 0, "\(second.output)")
            #expect(second.output.contains("installed /etc/etcd/etcd.conf (only settings read at bootstrap changed: no restart)"), "\(second.output)")
            #expect(!second.output.contains("restart etcd"), "\(second.output)")
            let conf = try #require(b.files(on: node).first { $0.path == "/etc/etcd/etcd.conf" })
            #expect(S.text(root.appendingPathComponent("etc/etcd/etcd.conf")) == conf.content)
            #expect(conf.content.contains("10.10.10.14"))

            // Another etcd setting: the restart is queued.
            let third = try T.apply(outC, node, ["--root", root.path, "--force"])
            #expect(third.status == 0, "\(third.output)")
            #expect(third.output.contains("installed /etc/etcd/etcd.conf\n"), "\(third.output)")
            #expect(third.output.contains("would restart etcd (--root: systemctl is not called)"), "\(third.output)")
        }
        // The new member's etcd.conf is a new file: etcd starts.
        let root = work.appendingPathComponent("root-new")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let fresh = try T.apply(outB, "10.10.10.14", ["--root", root.path, "--force"])
        #expect(fresh.status == 0 && fresh.output.contains("would restart etcd"), "\(fresh.output)")
    }

    @Test func aChangedPgVersionIsRefusedBeforeAnythingChanges() throws {
        let node = "10.10.10.11"
        let a = try S.compile(DiffSemanticsTests.pg(", pg_version: 17"))
        let b = try S.compile(DiffSemanticsTests.pg(", pg_version: 18"))
        let c = try S.compile(DiffSemanticsTests.pg(", pg_version: 17, pg_max_conn: 300"))
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let outA = try S.write(a, work.appendingPathComponent("a"))
        let outB = try S.write(b, work.appendingPathComponent("b"))
        let outC = try S.write(c, work.appendingPathComponent("c"))
        #expect(S.text(outA.appendingPathComponent("\(node)/apply.list"))?.contains("fixed\t/pg/conf/pg-test-1.yml\tpg_version\n") == true)
        #expect(!Self.report(a, b).refusals.isEmpty)
        #expect(Self.report(a, c).refusals.isEmpty)

        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(try T.apply(outA, node, ["--root", root.path, "--force"]).status == 0)
        let installed = T.snapshot(root)
        let message = "pg_version of /pg/conf/pg-test-1.yml changes 17 → 18: a major upgrade, which apply does not perform"
        let dry = try T.apply(outB, node, ["--root", root.path, "--force", "--dry-run"])
        #expect(dry.status == 1 && dry.output.contains(message), "\(dry.output)")
        let refused = try T.apply(outB, node, ["--root", root.path, "--force"])
        #expect(refused.status == 1 && refused.output.contains(message), "\(refused.output)")
        #expect(refused.output.contains("nothing was changed"), "\(refused.output)")
        #expect(!refused.output.contains("installed "), "\(refused.output)")
        #expect(T.same(T.snapshot(root), installed))

        // The same version: installed, Patroni reloaded.
        let same = try T.apply(outC, node, ["--root", root.path, "--force"])
        #expect(same.status == 0, "\(same.output)")
        #expect(same.output.contains("installed /pg/conf/pg-test-1.yml") && same.output.contains("would reload patroni"), "\(same.output)")
        let yml = try #require(c.files(on: node).first { $0.path == "/pg/conf/pg-test-1.yml" })
        #expect(S.text(root.appendingPathComponent("pg/conf/pg-test-1.yml")) == yml.content)
        // A node without the file yet installs any version.
        let other = work.appendingPathComponent("fresh")
        try Self.fm.createDirectory(at: other, withIntermediateDirectories: true)
        #expect(try T.apply(outB, node, ["--root", other.path, "--force"]).status == 0)
    }

    @Test func listVersionsAndRuleRecordsAreChecked() throws {
        let a = try S.compile(DiffSemanticsTests.etcd([1]))
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let out = try S.write(a, work.appendingPathComponent("a"))
        let node = "10.10.10.11"
        let url = out.appendingPathComponent("\(node)/apply.list")
        let good = try #require(S.text(url))
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        #expect(good.hasPrefix("pigstyc-apply\t4\n") && good.contains("\nuser\tnode\tdba\t") && good.contains("\nservice\t"), "\(good)")
        for (bad, says) in [
            (good.replacingOccurrences(of: "pigstyc-apply\t4", with: "pigstyc-apply\t5"), "not a version 1, 2, 3 or 4"),
            // Services, files after a start and actions belong to version 4 lists.
            (good.replacingOccurrences(of: "pigstyc-apply\t4", with: "pigstyc-apply\t3"), "malformed"),
            // Declared accounts, directories, links and blocks belong to version 3 lists.
            (good.replacingOccurrences(of: "pigstyc-apply\t4", with: "pigstyc-apply\t2"), "malformed"),
            // Rule records belong to version 2 lists and later, after their file.
            (good.replacingOccurrences(of: "pigstyc-apply\t4", with: "pigstyc-apply\t1"), "malformed"),
            (good.replacingOccurrences(of: "quiet\t/etc/etcd/etcd.conf\t", with: "quiet\t/etc/other.conf\t"), "malformed"),
        ] {
            try Data(bad.utf8).write(to: url)
            let r = try T.apply(out, node, ["--root", root.path, "--force"])
            #expect(r.status == 3 && r.output.contains(says), "\(r.output)")
            #expect(T.snapshot(root).isEmpty)
        }
        // A node without rules keeps version 1.
        let plain = ApplyBundle.list(node: "10.10.10.10", files: [GeneratedFile(path: "/etc/x", content: "x\n", owner: "root", group: "root", mode: 0o644, producer: "test", apply: .in(.node))])
        #expect(plain.hasPrefix("pigstyc-apply\t1\n") && !plain.contains("quiet"))
    }
}
