import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyOutput
@testable import PigstyDeploy

/// Node objects in the bundle: directories with owner and mode, symbolic links, users and groups,
/// and managed blocks inside files the node owns, through apply.list, manifest.json and apply.sh.
struct ApplyScriptObjectsTests {
    typealias T = ApplyScriptTests
    static let node = "10.10.10.10"
    static let fm = FileManager.default
    static let hosts = "/etc/hosts"

    static func tree(block: String?, link: String?, extra: Bool = true) -> FileTree {
        var tree = FileTree()
        tree.add(GeneratedFile(path: "/etc/x.conf", content: "x\n", producer: "test", apply: .in(.node)), on: node)
        if let block {
            tree.add(GeneratedFile(path: hosts, content: block, mode: 0o644, producer: "test:hosts", apply: .in(.node),
                                   placement: .managedBlock), on: node)
        }
        if let link {
            tree.addLink(NodeLink(path: "/pg", target: link, producer: "test:link", step: .pgsql), on: node)
        }
        if extra {
            tree.addDirectory(NodeDirectory(path: "/var/lib/x", mode: 0o750, producer: "test:dir", step: .pgsql), on: node)
            tree.addGroup(NodeGroup(name: "admin", gid: 10001, producer: "test", step: .node), on: node)
            tree.addUser(NodeUser(name: "dba", uid: 10001, group: "admin", groups: ["wheel"], home: "/home/dba",
                                  producer: "test", step: .node), on: node)
        }
        return tree
    }

    static func run(_ tree: FileTree, _ work: URL, _ name: String, _ root: URL, _ extra: [String] = []) throws -> (status: Int32, output: String) {
        let out = work.appendingPathComponent(name)
        try TreeWriter(tree: tree).write(to: out.path)
        return try T.apply(out, node, ["--root", root.path, "--force"] + extra)
    }

    static func text(_ url: URL) -> String { fm.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) } ?? "" }

    @Test func listAndManifestCarryTheObjects() throws {
        let tree = Self.tree(block: "10.10.10.10 h-1\n", link: "/data/postgres/pg-meta-18")
        let list = ApplyBundle.list(node: Self.node, files: tree.files(on: Self.node), objects: tree.objects(on: Self.node))
        #expect(list.hasPrefix("pigstyc-apply\t3\n"))
        #expect(list.contains("group\tnode\tadmin\t10001\tuser\n"))
        #expect(list.contains("user\tnode\tdba\t10001\tadmin\twheel\t/home/dba\t/bin/bash\tuser\n"))
        #expect(list.contains("dir\tpgsql\troot\troot\t0750\t/var/lib/x\n"))
        #expect(list.contains("link\tpgsql\troot\troot\t/data/postgres/pg-meta-18\t/pg\n"))
        #expect(list.contains("\t/etc/hosts\nblock\t/etc/hosts\n"))
        let manifest = TreeWriter.manifest(node: Self.node, files: tree.files(on: Self.node),
                                           digests: tree.files(on: Self.node).map { TreeWriter.sha256($0.content) },
                                           objects: tree.objects(on: Self.node))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(manifest.utf8)) as? [String: Any])
        #expect((json["links"] as? [[String: Any]])?.first?["target"] as? String == "/data/postgres/pg-meta-18")
        #expect((json["accounts"] as? [[String: Any]])?.first?["uid"] as? Int == 10001)
        #expect((json["groups"] as? [[String: Any]])?.first?["gid"] as? Int == 10001)
        #expect((json["directories"] as? [[String: Any]])?.first?["mode"] as? String == "0750")
        let files = try #require(json["files"] as? [[String: Any]])
        #expect(files.first { $0["path"] as? String == "/etc/hosts" }?["placement"] as? String == "managed-block")
        #expect(manifest.hasSuffix("  \"node\" : \"10.10.10.10\"\n}\n"))
        // Without objects and blocks, nothing changes for older bundles.
        let plain = ApplyBundle.list(node: Self.node, files: Self.tree(block: nil, link: nil, extra: false).files(on: Self.node))
        #expect(plain.hasPrefix("pigstyc-apply\t1\n"))
    }

    @Test func unbundleableObjectsAreReported() {
        var tree = FileTree()
        tree.addUser(NodeUser(name: "bad user", group: "x", home: "/h", producer: "t", step: .node), on: Self.node)
        tree.addLink(NodeLink(path: "/l", target: "a\nb", producer: "t", step: .node), on: Self.node)
        let sink = DiagnosticSink()
        #expect(!ApplyBundle.validate(tree, sink: sink))
        #expect(sink.diagnostics.count == 2)
        var blocky = FileTree()
        blocky.add(GeneratedFile(path: "/etc/hosts", content: "no newline", producer: "t", apply: .in(.node), placement: .managedBlock), on: Self.node)
        #expect(!ApplyBundle.validate(blocky, sink: DiagnosticSink()))
    }

    @Test func linksDirectoriesAndBlocksApplyIdempotentlyAndGoAway() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        let hostsURL = root.appendingPathComponent("etc/hosts")
        try Data("127.0.0.1 localhost\n".utf8).write(to: hostsURL)
        let begin = FilePlacement.blockBegin, end = FilePlacement.blockEnd

        let first = try Self.run(Self.tree(block: "10.10.10.10 h-1\n", link: "/data/postgres/pg-meta-18"), work, "a", root)
        #expect(first.status == 0, "\(first.output)")
        #expect(Self.text(hostsURL) == "127.0.0.1 localhost\n\(begin)\n10.10.10.10 h-1\n\(end)\n")
        #expect(try Self.fm.destinationOfSymbolicLink(atPath: root.path + "/pg") == "/data/postgres/pg-meta-18")
        #expect(first.output.contains("linked /pg -> /data/postgres/pg-meta-18"))
        let dirMode = try Self.fm.attributesOfItem(atPath: root.path + "/var/lib/x")[.posixPermissions] as? Int
        #expect(dirMode == 0o750)
        #expect(first.output.contains("note: group admin does not exist"), "\(first.output)")
        #expect(first.output.contains("note: user dba does not exist"))

        let second = try Self.run(Self.tree(block: "10.10.10.10 h-1\n", link: "/data/postgres/pg-meta-18"), work, "b", root)
        #expect(second.status == 0 && second.output.hasSuffix("\(Self.node): 0 files changed\n"), "\(second.output)")

        // The node's own lines around the block stay; the block is replaced; the link retargeted.
        try Data((Self.text(hostsURL) + "192.168.0.1 mine\n").utf8).write(to: hostsURL)
        let third = try Self.run(Self.tree(block: "10.10.10.10 h-1\n10.10.10.11 h-2\n", link: "/data/postgres/pg-meta-17"), work, "c", root)
        #expect(third.status == 0, "\(third.output)")
        #expect(Self.text(hostsURL) == "127.0.0.1 localhost\n\(begin)\n10.10.10.10 h-1\n10.10.10.11 h-2\n\(end)\n192.168.0.1 mine\n")
        #expect(try Self.fm.destinationOfSymbolicLink(atPath: root.path + "/pg") == "/data/postgres/pg-meta-17")

        // Rollback restores what the last run replaced.
        let back = try T.apply(work.appendingPathComponent("c"), Self.node, ["--root", root.path, "--force", "--rollback"])
        #expect(back.status == 0, "\(back.output)")
        #expect(Self.text(hostsURL) == "127.0.0.1 localhost\n\(begin)\n10.10.10.10 h-1\n\(end)\n192.168.0.1 mine\n")
        #expect(try Self.fm.destinationOfSymbolicLink(atPath: root.path + "/pg") == "/data/postgres/pg-meta-18")

        // Out of the bundle: the link goes, the block is taken out, the node's lines stay.
        let gone = try Self.run(Self.tree(block: nil, link: nil), work, "d", root)
        #expect(gone.status == 0, "\(gone.output)")
        #expect(gone.output.contains("removed the link /pg (no longer in the bundle)"), "\(gone.output)")
        #expect(gone.output.contains("removed the managed block from /etc/hosts"))
        #expect(Self.text(hostsURL) == "127.0.0.1 localhost\n192.168.0.1 mine\n")
        #expect((try? Self.fm.destinationOfSymbolicLink(atPath: root.path + "/pg")) == nil)
    }

    @Test func foreignLinksAndBrokenMarkersAreRefused() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root.appendingPathComponent("etc"), withIntermediateDirectories: true)
        try Self.fm.createSymbolicLink(atPath: root.path + "/pg", withDestinationPath: "/somewhere/else")
        let r = try Self.run(Self.tree(block: nil, link: "/data/postgres/pg-meta-18", extra: false), work, "a", root)
        #expect(r.status == 1 && r.output.contains("pigstyc did not make"), "\(r.output)")
        #expect(try Self.fm.destinationOfSymbolicLink(atPath: root.path + "/pg") == "/somewhere/else")
        #expect(!Self.fm.fileExists(atPath: root.path + "/etc/x.conf"))
        try Self.fm.removeItem(atPath: root.path + "/pg")
        try Data("a\n\(FilePlacement.blockBegin)\nb\n".utf8).write(to: root.appendingPathComponent("etc/hosts"))
        let m = try Self.run(Self.tree(block: "c\n", link: nil, extra: false), work, "b", root)
        #expect(m.status == 1 && m.output.contains("unbalanced"), "\(m.output)")
        #expect(Self.text(root.appendingPathComponent("etc/hosts")) == "a\n\(FilePlacement.blockBegin)\nb\n")
    }
}

struct ObjectDiffTests {
    @Test func diffListsObjectChanges() {
        let a = ApplyScriptObjectsTests.tree(block: nil, link: "/data/postgres/pg-meta-17")
        let b = ApplyScriptObjectsTests.tree(block: nil, link: "/data/postgres/pg-meta-18", extra: false)
        let diff = TreeDiff(old: a, new: b)
        let objects = diff.nodes.first?.objects ?? []
        #expect(objects.map(\.kind) == [.removed, .removed, .changed, .removed], "\(objects)")
        let text = ChangeReport(diff: diff, mask: SecretMask([])).render(withContent: false)
        #expect(text.contains("   changed  link /pg -> /data/postgres/pg-meta-18\n"), "\(text)")
        #expect(text.contains("   removed  user dba (uid 10001, group admin, groups wheel, home /home/dba, shell /bin/bash)\n"))
        #expect(text.hasSuffix("1 node, 0 files, 4 objects changed.\n"))
        #expect(TreeDiff(old: a, new: a).isEmpty)
    }
}
