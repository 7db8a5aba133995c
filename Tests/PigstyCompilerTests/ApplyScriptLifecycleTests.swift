import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyOutput
@testable import PigstyDeploy

/// A fresh node converged from its bundle: services enabled and started in their order with
/// readiness waits, files kept for after a unit's start, post-start actions run once; a second
/// run starts nothing. apply.sh runs under `--root` in `unshare -n`, with `PIGSTYC_SYSTEMCTL`
/// naming a stand-in that records its calls.
struct ApplyScriptLifecycleTests {
    typealias T = ApplyScriptTests
    static let node = "10.10.10.10"
    static let fm = FileManager.default

    /// A systemctl stand-in: units are active or enabled when a file of their name exists; every
    /// call is logged; starting patroni notes whether pg_hba.conf was there already.
    static func standIn(_ work: URL, root: URL) throws -> URL {
        let sys = work.appendingPathComponent("sys")
        try fm.createDirectory(at: sys.appendingPathComponent("active"), withIntermediateDirectories: true)
        try fm.createDirectory(at: sys.appendingPathComponent("enabled"), withIntermediateDirectories: true)
        let script = """
        #!/bin/bash
        d='\(sys.path)'
        args=()
        for a in "$@"; do [[ $a == --* ]] || args+=("$a"); done
        set -- "${args[@]}"
        echo "$*" >>"$d/calls"
        case $1 in
          is-active) [[ -e $d/active/$2 ]] ;;
          is-enabled) [[ -e $d/enabled/$2 ]] ;;
          enable) touch "$d/enabled/$2" ;;
          start | restart)
            if [[ $2 == patroni && -e '\(root.path)/pg/data/pg_hba.conf' ]]; then echo "hba before start" >>"$d/calls"; fi
            touch "$d/active/$2" ;;
          reload | daemon-reload) ;;
          *) exit 1 ;;
        esac
        """
        let url = work.appendingPathComponent("systemctl")
        try Data(script.utf8).write(to: url)
        try fm.setAttributes([.posixPermissions: 0o755], ofItemAtPath: url.path)
        return url
    }

    static func tree(_ sys: URL, conf: String = "a\n", bReady: String? = nil, sql: String = "select 1;\n") -> FileTree {
        var tree = FileTree()
        tree.add(GeneratedFile(path: "/etc/a.conf", content: conf, producer: "test", apply: .in(.node, .restart("a"))), on: node)
        tree.add(GeneratedFile(path: "/pg/data/pg_hba.conf", content: "local all all trust\n", producer: "test",
                               apply: ApplyClass.in(.pgsql, .reload("patroni")).afterStart(of: "patroni")), on: node)
        tree.add(GeneratedFile(path: "/pg/tmp/x.sql", content: sql, producer: "test", apply: .in(.pgsql)), on: node)
        tree.addService(NodeService(unit: "a", step: .node, order: 0, check: nil, timeout: 5, producer: "test"), on: node)
        tree.addService(NodeService(unit: "b", step: .node, order: 1, check: bReady ?? "test -e \(sys.path)/active/b",
                                    timeout: 2, producer: "test"), on: node)
        tree.addService(NodeService(unit: "patroni", step: .pgsql, order: 0, check: "test -e \(sys.path)/active/patroni",
                                    timeout: 5, producer: "test"), on: node)
        tree.addAction(NodeAction(name: "provision", step: .pgsql, order: 0, when: "test -e \(sys.path)/active/patroni",
                                  command: "echo ran >>\(sys.path)/actions", inputs: ["/pg/tmp/x.sql"], producer: "test"), on: node)
        return tree
    }

    static func run(_ tree: FileTree, _ work: URL, _ name: String, _ root: URL, _ systemctl: URL) throws -> (status: Int32, output: String) {
        let out = work.appendingPathComponent(name)
        try TreeWriter(tree: tree).write(to: out.path)
        return try runTool("/usr/bin/env", ["PIGSTYC_SYSTEMCTL=\(systemctl.path)", "/usr/bin/unshare", "-n", "/bin/bash",
                                            out.appendingPathComponent("\(node)/apply.sh").path, "--root", root.path, "--force"],
                           cwd: out)
    }

    static func text(_ url: URL) -> String { fm.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) } ?? "" }

    static func calls(_ sys: URL) -> [String] {
        text(sys.appendingPathComponent("calls")).split(separator: "\n").map(String.init).filter { !$0.hasPrefix("is-") }
    }

    @Test func listCarriesServicesActionsAndLateFiles() throws {
        let sys = URL(fileURLWithPath: "/nonexistent")
        let tree = Self.tree(sys)
        let list = ApplyBundle.list(node: Self.node, files: tree.files(on: Self.node), objects: tree.objects(on: Self.node))
        #expect(list.hasPrefix("pigstyc-apply\t4\n"))
        #expect(list.contains("\t/pg/data/pg_hba.conf\nafter\t/pg/data/pg_hba.conf\tpatroni\n"))
        #expect(list.contains("service\tnode\ta\t5\t-\t-\nservice\tnode\tb\t2\ttest -e /nonexistent/active/b\t-\n"))
        #expect(list.contains("action\tpgsql\tprovision\t"))
        // The action's digest follows its inputs.
        let other = Self.tree(sys, sql: "select 2;\n")
        let changed = ApplyBundle.list(node: Self.node, files: other.files(on: Self.node), objects: other.objects(on: Self.node))
        func action(_ l: String) -> String? { l.split(separator: "\n").first { $0.hasPrefix("action\t") }.map(String.init) }
        #expect(action(list) != nil && action(list) != action(changed))
    }

    @Test func compiledPrimaryDeclaresPatroniAndProvisioning() throws {
        let tree = try ApplyScriptStateTests.compile(String(contentsOfFile: "golden/cluster-trio/pigsty.yml", encoding: .utf8))
        let primary = ApplyBundle.list(node: "10.10.10.11", files: tree.files(on: "10.10.10.11"), objects: tree.objects(on: "10.10.10.11"))
        #expect(primary.contains("service\tpgsql\tpatroni\t300\tcurl -fsS -o /dev/null 'http://10.10.10.11:8008/primary'\t"))
        #expect(primary.contains("after\t/pg/data/pg_hba.conf\tpatroni\n"))
        #expect(primary.contains("\tpg-provision\t"))
        #expect(primary.contains("service\tetcd\tetcd\t60\tETCDCTL_API=3 etcdctl"))
        let replica = ApplyBundle.list(node: "10.10.10.12", files: tree.files(on: "10.10.10.12"), objects: tree.objects(on: "10.10.10.12"))
        #expect(replica.contains("service\tpgsql\tpatroni\t300\tcurl -fsS -o /dev/null 'http://10.10.10.12:8008/replica'\t"))
        #expect(!replica.contains("\tpg-provision\t"))
        #expect(!primary.contains("service\tpgsql\tpostgres\t"))
    }

    @Test func aFreshNodeComesUpInOrderAndASecondRunStartsNothing() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let systemctl = try Self.standIn(work, root: root)
        let sys = work.appendingPathComponent("sys")

        let first = try Self.run(Self.tree(sys), work, "a", root, systemctl)
        #expect(first.status == 0, "\(first.output)")
        #expect(Self.calls(sys) == ["enable a", "start a", "enable b", "start b", "enable patroni", "start patroni", "reload patroni"],
                "\(first.output)")
        #expect(Self.fm.fileExists(atPath: root.path + "/pg/data/pg_hba.conf"))
        #expect(first.output.contains("[node] b is ready"))
        #expect(Self.text(sys.appendingPathComponent("actions")) == "ran\n")

        try Data().write(to: sys.appendingPathComponent("calls"))
        let second = try Self.run(Self.tree(sys), work, "b", root, systemctl)
        #expect(second.status == 0, "\(second.output)")
        #expect(Self.calls(sys) == [], "\(second.output)")
        #expect(Self.text(sys.appendingPathComponent("actions")) == "ran\n")
        #expect(second.output.contains("0 files changed"))

        // A changed file restarts its unit alone; a changed input re-runs the action once.
        let third = try Self.run(Self.tree(sys, conf: "a2\n", sql: "select 2;\n"), work, "c", root, systemctl)
        #expect(third.status == 0, "\(third.output)")
        #expect(Self.calls(sys) == ["restart a"], "\(third.output)")
        #expect(Self.text(sys.appendingPathComponent("actions")) == "ran\nran\n")
    }

    @Test func aServiceThatNeverGetsReadyStopsTheRun() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let systemctl = try Self.standIn(work, root: root)
        let sys = work.appendingPathComponent("sys")
        let r = try Self.run(Self.tree(sys, bReady: "false"), work, "a", root, systemctl)
        #expect(r.status == 1, "\(r.output)")
        #expect(r.output.contains("b did not get ready within 2 s"))
        #expect(!Self.calls(sys).contains("start patroni"))
        // The file for after patroni's start was not written, nor the action run.
        #expect(!Self.fm.fileExists(atPath: root.path + "/pg/data/pg_hba.conf"))
        #expect(!Self.fm.fileExists(atPath: sys.path + "/actions"))
    }

    @Test func lateFilesWaitForTheirUnit() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let systemctl = try Self.standIn(work, root: root)
        let sys = work.appendingPathComponent("sys")
        let r = try Self.run(Self.tree(sys), work, "a", root, systemctl)
        #expect(r.status == 0, "\(r.output)")
        #expect(!Self.calls(sys).contains("hba before start"))
        let out = r.output
        let start = try #require(out.range(of: "start patroni"))
        let hba = try #require(out.range(of: "installed /pg/data/pg_hba.conf"))
        #expect(start.lowerBound < hba.lowerBound)
    }
}
