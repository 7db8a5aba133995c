import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy

/// A service's own configuration check before apply reloads or restarts it: a failing check puts
/// the previous files back, sends the unit nothing and stops the run.
struct ApplyScriptConfigCheckTests {
    typealias L = ApplyScriptLifecycleTests
    static let node = L.node
    static let fm = FileManager.default

    /// /etc/svc/svc.conf (reload svc) and /etc/svc/extra.conf (restart other); svc's check
    /// accepts a configuration whose files all say "good".
    static func tree(_ root: URL, conf: String, extra: String) -> FileTree {
        var tree = FileTree()
        tree.add(GeneratedFile(path: "/etc/svc/svc.conf", content: conf, producer: "test", apply: .in(.node, .reload("svc"))), on: node)
        tree.add(GeneratedFile(path: "/etc/svc/extra.conf", content: extra, producer: "test", apply: .in(.node, .restart("other"))), on: node)
        let check = "! grep -qv good \(root.path)/etc/svc/svc.conf"
        tree.addService(NodeService(unit: "svc", step: .node, order: 0, check: nil, timeout: 5, verify: check, producer: "test"), on: node)
        tree.addService(NodeService(unit: "other", step: .node, order: 1, check: nil, timeout: 5, producer: "test"), on: node)
        return tree
    }

    @Test func aFailingCheckKeepsTheOldFilesAndStopsTheRun() throws {
        let work = try ApplyScriptTests.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let systemctl = try L.standIn(work, root: root)
        let sys = work.appendingPathComponent("sys")
        let conf = root.appendingPathComponent("etc/svc/svc.conf")

        let first = try L.run(Self.tree(root, conf: "good 1\n", extra: "x 1\n"), work, "one", root, systemctl)
        #expect(first.status == 0, "\(first.output)")
        #expect(L.calls(sys).contains("start svc"))
        try Data().write(to: sys.appendingPathComponent("calls"))

        // A configuration its service refuses: every file of the step put back, no unit touched.
        let bad = try L.run(Self.tree(root, conf: "good 2\nbad\n", extra: "x 2\n"), work, "two", root, systemctl)
        #expect(bad.status == 1, "\(bad.output)")
        #expect(bad.output.contains("svc: its configuration check failed"), "\(bad.output)")
        #expect(bad.output.contains("put back the previous /etc/svc/svc.conf"), "\(bad.output)")
        #expect(L.text(conf) == "good 1\n")
        #expect(L.text(root.appendingPathComponent("etc/svc/extra.conf")) == "x 1\n")
        #expect(!L.calls(sys).contains { $0.hasPrefix("reload svc") || $0.hasPrefix("restart") }, "\(L.calls(sys))")
        #expect(!bad.output.contains("generation 2"), "a failed run records no generation")
        // The record says what is installed: the old files, so the next good bundle installs the
        // other unit's file again, and that unit gets its restart.
        let again = try L.run(Self.tree(root, conf: "good 1\n", extra: "x 2\n"), work, "three", root, systemctl)
        #expect(again.status == 0, "\(again.output)")
        #expect(again.output.contains("[node] 1 changed, 1 unchanged"), "\(again.output)")
        #expect(L.calls(sys).contains("restart other"), "\(L.calls(sys))")
        let good = try L.run(Self.tree(root, conf: "good 3\n", extra: "x 2\n"), work, "four", root, systemctl)
        #expect(good.status == 0 && L.text(conf) == "good 3\n", "\(good.output)")
        #expect(L.calls(sys).contains("reload svc"), "\(L.calls(sys))")
    }

    @Test func theServicesOfABundleCarryTheirOwnChecks() throws {
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
            pg-test:
              hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-test }
          vars: { admin_ip: 10.10.10.10 }
        """
        let out = try emit(text, Backends.all)
        let infra = out.tree.objects(on: "10.10.10.10").services
        #expect(infra["nginx"]?.verify == "nginx -t -q")
        #expect(infra["dnsmasq"]?.verify == "dnsmasq --test")
        let pg = out.tree.objects(on: "10.10.10.11").services
        #expect(pg["haproxy"]?.verify == "haproxy -c -q -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d")
        #expect(pg["patroni"]?.verify?.contains("yaml.safe_load") == true)
        #expect(pg["pgbouncer"]?.verify == nil)
        let list = ApplyBundle.list(node: "10.10.10.11", files: out.tree.files(on: "10.10.10.11"), objects: out.tree.objects(on: "10.10.10.11"))
        #expect(list.contains("\thaproxy\t60\t-\thaproxy -c -q -f /etc/haproxy/haproxy.cfg -f /etc/haproxy/conf.d\n"), "\(list)")
    }

    /// The HAProxy check as apply runs it, against the real haproxy: the generated configuration
    /// passes, one with a broken line does not.
    @Test func haproxysCheckAcceptsTheGeneratedFileAndRefusesABrokenOne() throws {
        let out = try emit(PatroniDCSSyncTests.inventory(""), Backends.all)
        let work = try ApplyScriptTests.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let etc = work.appendingPathComponent("etc/haproxy")
        try Self.fm.createDirectory(at: etc.appendingPathComponent("conf.d"), withIntermediateDirectories: true)
        for f in out.tree.files(on: "10.10.10.11") where f.path.hasPrefix("/etc/haproxy/") {
            try Data(f.content.utf8).write(to: work.appendingPathComponent(String(f.path.dropFirst())))
        }
        let check = try #require(out.tree.objects(on: "10.10.10.11").services["haproxy"]?.verify)
        let local = check.replacingOccurrences(of: " /etc/haproxy/", with: " \(etc.path)/")
        let ok = try runTool("/usr/bin/unshare", ["-n", "/bin/bash", "-c", local], cwd: work)
        #expect(ok.status == 0, "\(ok.output)")
        let cfg = etc.appendingPathComponent("haproxy.cfg")
        try (L.text(cfg) + "listen broken\n    bind :notaport\n").write(to: cfg, atomically: true, encoding: .utf8)
        let broken = try runTool("/usr/bin/unshare", ["-n", "/bin/bash", "-c", local], cwd: work)
        #expect(broken.status != 0)
    }

    /// A sudoers drop-in is installed only when `visudo -c` accepts it (the real visudo).
    @Test func aSudoersFileVisudoRefusesIsNotInstalled() throws {
        let work = try ApplyScriptTests.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let systemctl = try L.standIn(work, root: root)
        func tree(_ rule: String) -> FileTree {
            var t = FileTree()
            t.add(GeneratedFile(path: "/etc/svc/a.conf", content: rule.count.description + "\n", producer: "test",
                                apply: .in(.node, .restart("svc"))), on: Self.node)
            t.add(GeneratedFile(path: "/etc/sudoers.d/app", content: rule, mode: 0o440, producer: "test",
                                apply: ApplyClass.in(.node).verified(by: .sudoers)), on: Self.node)
            return t
        }
        let sudoers = root.appendingPathComponent("etc/sudoers.d/app")
        let good = "%admin ALL=(ALL) NOPASSWD: ALL\n"
        let first = try L.run(tree(good), work, "one", root, systemctl)
        #expect(first.status == 0 && L.text(sudoers) == good, "\(first.output)")
        let broken = "%admin ALL=(ALL NOPASSWD ALL\n"
        let bad = try L.run(tree(broken), work, "two", root, systemctl)
        #expect(bad.status == 1, "\(bad.output)")
        #expect(bad.output.contains("/etc/sudoers.d/app: its check failed"), "\(bad.output)")
        #expect(L.text(sudoers) == good)
        #expect(L.text(root.appendingPathComponent("etc/svc/a.conf")) == "\(good.count)\n", "the step's other file put back")
        // The compiled bundles carry the check for Pigsty's sudoers files.
        let compiled = try ApplyScriptStateTests.compile(String(contentsOfFile: "golden/cluster-trio/pigsty.yml", encoding: .utf8))
        let list = ApplyBundle.list(node: "10.10.10.11", files: compiled.files(on: "10.10.10.11"), objects: compiled.objects(on: "10.10.10.11"))
        #expect(list.contains("\t/etc/sudoers.d/postgres\ncheck\t/etc/sudoers.d/postgres\tvisudo -c -q -f \"$1\"\n"), "\(list)")
    }
}
