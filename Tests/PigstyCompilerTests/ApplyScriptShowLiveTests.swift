import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyOutput
@testable import PigstyDeploy

/// `apply.sh --dry-run --show-live` (what `ship --check` runs on a node): for each file apply would
/// change, what is live there, framed so pigstyc can read it back; links, fifos and directories
/// are reported, never followed or opened; nothing on the node changes.
struct ApplyScriptShowLiveTests {
    /// apply.sh's standard output alone (its warnings go elsewhere), under `unshare -n`.
    static func showLive(_ out: URL, _ node: String, _ args: [String]) throws -> (status: Int32, output: String) {
        try runTool("/usr/bin/unshare", ["-n", "/bin/bash", "-c", "bash \"$0\" \"$@\" 2>/dev/null",
                                         out.appendingPathComponent("\(node)/apply.sh").path] + args, cwd: out)
    }

    @Test func reportsLiveFilesLinksAndFifosWithoutFollowingThem() throws {
        let bytes = try [UInt8](Data(contentsOf: ApplyScriptTests.root.appendingPathComponent("pigsty.yml")))
        let sink = DiagnosticSink()
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", bytes: bytes), sink: sink))
        let work = try ApplyScriptTests.temp()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        try TreeWriter(tree: tree).write(to: out.path)
        let node = try #require(tree.nodeNames.first)
        let root = work.appendingPathComponent("r")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let first = try ApplyScriptTests.apply(out, node, ["--root", root.path, "--force"])
        #expect(first.status == 0, "\(first.output)")

        // Nothing differs: no record at all.
        let clean = try Self.showLive(out, node, ["--root", root.path, "--force", "--dry-run", "--show-live"])
        #expect(clean.status == 0, "\(clean.output)")
        #expect(try LiveReport.parse(Array(clean.output.utf8)).files.isEmpty, "\(clean.output)")

        let files = tree.files(on: node).filter { $0.placement == .whole && !$0.path.hasPrefix("/etc/systemd/") }
        #expect(files.count >= 5)
        let (edited, linked, fifo, gone, meta) = (files[0], files[1], files[2], files[3], files[4])
        let fm = FileManager.default
        let live = Array("live bytes\u{0}with a NUL and\n@@pigstyc-end\nin them\n".utf8)
        try Data(live).write(to: URL(fileURLWithPath: root.path + edited.path))
        let outside = work.appendingPathComponent("outside")
        try "OUTSIDE THE ROOT\n".write(to: outside, atomically: true, encoding: .utf8)
        try fm.removeItem(atPath: root.path + linked.path)
        try fm.createSymbolicLink(atPath: root.path + linked.path, withDestinationPath: outside.path)
        try fm.removeItem(atPath: root.path + fifo.path)
        #expect(mkfifo(root.path + fifo.path, 0o644) == 0)
        try fm.removeItem(atPath: root.path + gone.path)
        try fm.setAttributes([.posixPermissions: meta.mode == 0o600 ? 0o644 : 0o600], ofItemAtPath: root.path + meta.path)
        let before = ApplyScriptTests.snapshot(root)

        let r = try Self.showLive(out, node, ["--root", root.path, "--force", "--dry-run", "--show-live"])
        #expect(r.status == 0, "\(r.output)")
        let report = try LiveReport.parse(Array(r.output.utf8))
        var byPath: [String: LiveReport.Live] = [:]
        for f in report.files { byPath[f.path] = f }
        #expect(byPath.count == 5, "\(report.files.map(\.path))")
        #expect(byPath[edited.path]?.state == .file && byPath[edited.path]?.how == "content")
        #expect(byPath[edited.path]?.body == live)
        #expect(byPath[linked.path]?.state == .link)
        #expect(byPath[linked.path]?.body == Array(outside.path.utf8))
        #expect(byPath[fifo.path]?.state == .special && byPath[fifo.path]?.body == [])
        #expect(byPath[gone.path]?.state == .absent && byPath[gone.path]?.how == "new")
        #expect(byPath[meta.path]?.state == .file && byPath[meta.path]?.how == "meta")
        #expect(byPath[meta.path]?.mode == GeneratedFile.modeText(meta.mode == 0o600 ? 0o644 : 0o600))
        #expect(!r.output.contains("OUTSIDE THE ROOT"))
        #expect(report.log.contains { $0.contains("dry run: nothing is changed") })
        // The node is as it was: the link still a link, the fifo a fifo, nothing written.
        #expect(ApplyScriptTests.same(before, ApplyScriptTests.snapshot(root)))
        #expect(try fm.destinationOfSymbolicLink(atPath: root.path + linked.path) == outside.path)
        var st = stat()
        #expect(lstat(root.path + fifo.path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFIFO)

        // Only with --dry-run.
        let usage = try Self.showLive(out, node, ["--root", root.path, "--force", "--show-live"])
        #expect(usage.status == 2)
        #expect(ApplyScriptTests.same(before, ApplyScriptTests.snapshot(root)))
    }

    @Test func malformedRecordsAreRefused() {
        #expect(throws: LiveReport.Malformed.self) { try LiveReport.parse(Array("@@pigstyc-live\tupdate\tcontent\tfile\t0644\troot\troot\t0\t/etc/x\nAAAA\n".utf8)) }
        #expect(throws: LiveReport.Malformed.self) { try LiveReport.parse(Array("@@pigstyc-live\tupdate\tcontent\tfile\t0644\troot\troot\t0\t/etc/x\n$$$\n@@pigstyc-end\n".utf8)) }
        #expect(throws: LiveReport.Malformed.self) { try LiveReport.parse(Array("@@pigstyc-bogus\n".utf8)) }
        #expect(throws: LiveReport.Malformed.self) { try LiveReport.parse(Array("@@pigstyc-unit\tstop\tetcd\n".utf8)) }
        let ok = try? LiveReport.parse(Array("[node] x\n@@pigstyc-live\tupdate\tcontent\tfile\t0644\troot\troot\t1\t/etc/x\naGk=\n@@pigstyc-end\n@@pigstyc-unit\treload\tnginx\n".utf8))
        #expect(ok?.files.first?.body == Array("hi".utf8))
        #expect(ok?.units.map(\.description) == ["reload nginx"])
        #expect(ok?.log == ["[node] x"])
    }

    /// The live side's secrets are masked by position too: a password the inventory no longer has
    /// is masked where the new file has its password, and under secret-looking keys.
    @Test func liveSecretsAreMaskedByPosition() throws {
        let new = GeneratedFile(path: "/etc/x.yml", content: "user: admin\npassword: 'New''Secret.9'\nport: 5432\n",
                                producer: "test", apply: ApplyClass(step: .node, effects: []), secrets: ["New'Secret.9"])
        let mask = SecretMask(["New'Secret.9"], declared: ["New'Secret.9"])
        let diff = mask.unified(live: "user: admin\npassword: 'Old''Secret.1'\nport: 5432\napi_token=Gone.Token.7\n", new: new,
                                wanted: new.content, oldName: "live", newName: "bundle")
        #expect(!diff.contains("Secret.1") && !diff.contains("Secret.9") && !diff.contains("Gone.Token.7"), "\(diff)")
        #expect(diff.contains("-password: '********'") && diff.contains("+password: '********'"), "\(diff)")
        #expect(diff.contains("-api_token=********"), "\(diff)")
    }
}
