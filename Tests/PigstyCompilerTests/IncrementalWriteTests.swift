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
#if canImport(Glibc)
import Glibc
#endif

/// Writing into an existing output directory: node directories that already hold exactly what
/// would be written are left alone; everything else is swapped in whole, its unchanged files
/// linked from the previous output.
struct IncrementalWriteTests {
    let fm = FileManager.default

    func tree() throws -> FileTree { try CompilerTests().compile() }

    /// A temporary directory with an `out` inside (removed when `body` returns).
    func withOutput(_ body: (URL) throws -> Void) throws {
        let dir = fm.temporaryDirectory.appendingPathComponent("pigstyc-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        try body(dir.appendingPathComponent("out"))
    }

    /// `tree` with one file's content replaced.
    func changing(_ tree: FileTree, _ path: String, on node: String, to content: String) -> FileTree {
        var out = FileTree()
        for name in tree.nodeNames {
            for var f in tree.files(on: name) {
                if name == node && f.path == path { f.content = content }
                out.add(f, on: name)
            }
        }
        return out
    }

    func inode(_ url: URL) throws -> Int {
        try #require(fm.attributesOfItem(atPath: url.path)[.systemFileNumber] as? Int)
    }

    @Test func recompileWritesOnlyTheNodesThatChanged() throws {
        try withOutput { out in
            let first = try tree()
            #expect(try TreeWriter(tree: first).write(to: out.path) == .init(written: 3))
            let kept = out.appendingPathComponent("10.10.10.2/files/etc/etcd/etcd.conf")
            let changed = out.appendingPathComponent("10.10.10.3/files/etc/etcd/etcd.conf")
            let sibling = out.appendingPathComponent("10.10.10.3/files/etc/etcd/etcd.pass")
            let (keptInode, changedInode, siblingInode) = (try inode(kept), try inode(changed), try inode(sibling))

            #expect(try TreeWriter(tree: first).write(to: out.path) == .init(unchanged: 3))
            #expect(try inode(kept) == keptInode && inode(changed) == changedInode)

            let second = changing(first, "/etc/etcd/etcd.conf", on: "10.10.10.3", to: "changed\n")
            let writer = TreeWriter(tree: second)
            #expect(try writer.write(to: out.path) == .init(written: 1, unchanged: 2))
            #expect(try inode(kept) == keptInode)
            #expect(try inode(changed) != changedInode)
            // The changed node's other files are linked from the previous output, not written again.
            #expect(try inode(sibling) == siblingInode)
            #expect(try String(contentsOf: changed, encoding: .utf8) == "changed\n")
            #expect(writer.differences(from: out.path).isEmpty)
            #expect(try fm.contentsOfDirectory(atPath: out.deletingLastPathComponent().path) == ["out"])
        }
    }

    @Test func recompileRestoresANodeThatWasTamperedWith() throws {
        let conf = "10.10.10.3/files/etc/etcd/etcd.conf"
        let tampering: [(String, (URL) throws -> Void)] = [
            ("same size, other bytes", { out in
                let url = out.appendingPathComponent(conf)
                var bytes = try Data(contentsOf: url)
                bytes[bytes.count - 2] ^= 0x20
                try bytes.write(to: url)
            }),
            ("mode", { out in try self.fm.setAttributes([.posixPermissions: 0o600], ofItemAtPath: out.appendingPathComponent(conf).path) }),
            ("owner", { out in #expect(chown(out.appendingPathComponent(conf).path, 4242, 4242) == 0) }),
            ("extra file", { out in try "x\n".write(to: out.appendingPathComponent("10.10.10.3/files/etc/extra"), atomically: false, encoding: .utf8) }),
            ("extra empty directory", { out in try self.fm.createDirectory(at: out.appendingPathComponent("10.10.10.3/files/opt"), withIntermediateDirectories: false) }),
            ("directory mode", { out in try self.fm.setAttributes([.posixPermissions: 0o700], ofItemAtPath: out.appendingPathComponent("10.10.10.3/files/etc").path) }),
            ("missing file", { out in try self.fm.removeItem(at: out.appendingPathComponent(conf)) }),
            ("FIFO instead of the manifest", { out in
                let url = out.appendingPathComponent("10.10.10.3/manifest.json")
                try self.fm.removeItem(at: url)
                #expect(mkfifo(url.path, 0o644) == 0)
            }),
            ("link instead of the file", { out in
                let url = out.appendingPathComponent(conf)
                let elsewhere = out.deletingLastPathComponent().appendingPathComponent("elsewhere.conf")
                try self.fm.moveItem(at: url, to: elsewhere)
                try self.fm.createSymbolicLink(at: url, withDestinationURL: elsewhere)
            }),
        ]
        for (what, tamper) in tampering {
            try withOutput { out in
                let writer = TreeWriter(tree: try tree())
                try writer.write(to: out.path)
                let untouched = try inode(out.appendingPathComponent("10.10.10.2/manifest.json"))
                try tamper(out)
                #expect(try writer.write(to: out.path) == .init(written: 1, unchanged: 2), "\(what)")
                #expect(writer.differences(from: out.path).isEmpty, "\(what)")
                #expect(!fm.fileExists(atPath: out.appendingPathComponent("10.10.10.3/files/opt").path), "\(what)")
                let attrs = try fm.attributesOfItem(atPath: out.appendingPathComponent(conf).path)
                #expect(attrs[.type] as? FileAttributeType == .typeRegular, "\(what)")
                #expect(attrs[.posixPermissions] as? Int == 0o644, "\(what)")
                #expect(attrs[.ownerAccountID] as? Int == Int(geteuid()), "\(what)")
                #expect(try inode(out.appendingPathComponent("10.10.10.2/manifest.json")) == untouched, "\(what)")
            }
        }
    }

    @Test func recompileRemovesWhatNoLongerBelongsAndKeepsGitkeep() throws {
        try withOutput { out in
            let writer = TreeWriter(tree: try tree())
            try writer.write(to: out.path)
            try fm.createDirectory(at: out.appendingPathComponent("10.10.10.99/files"), withIntermediateDirectories: true)
            try "old\n".write(to: out.appendingPathComponent("10.10.10.99/files/old.conf"), atomically: false, encoding: .utf8)
            try "stray\n".write(to: out.appendingPathComponent("notes.txt"), atomically: false, encoding: .utf8)
            try "".write(to: out.appendingPathComponent(".gitkeep"), atomically: false, encoding: .utf8)
            #expect(try writer.write(to: out.path) == .init(unchanged: 3, removed: 2))
            #expect(try fm.contentsOfDirectory(atPath: out.path).sorted() == [".gitkeep", "10.10.10.10", "10.10.10.2", "10.10.10.3"])
        }
    }

    @Test func aFailedWriteLeavesTheOutputAsItWas() throws {
        try withOutput { out in
            let first = try tree()
            try TreeWriter(tree: first).write(to: out.path)
            // A file name longer than any file system allows: writing it into staging fails.
            var second = changing(first, "/etc/etcd/etcd.conf", on: "10.10.10.3", to: "changed\n")
            second.add(GeneratedFile(path: "/etc/" + String(repeating: "x", count: 300), content: "", producer: "test"), on: "10.10.10.2")
            #expect(throws: TreeWriter.WriteError.self) { try TreeWriter(tree: second).write(to: out.path) }
            #expect(TreeWriter(tree: first).differences(from: out.path).isEmpty)
            #expect(try fm.contentsOfDirectory(atPath: out.deletingLastPathComponent().path) == ["out"])
        }
    }

    @Test func leftoversOfStoppedRunsAreRemoved() throws {
        try withOutput { out in
            let parent = out.deletingLastPathComponent()
            // A process that has exited, for a PID nobody holds (network-isolated like every tool the tests start).
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            gone.arguments = ["-n", "/bin/true"]
            try gone.run()
            gone.waitUntilExit()
            let stale = parent.appendingPathComponent(".out.pigstyc-staging-\(gone.processIdentifier)")
            let live = parent.appendingPathComponent(".out.pigstyc-old-\(getppid())")
            let other = parent.appendingPathComponent(".other.pigstyc-old-\(gone.processIdentifier)")
            for dir in [stale, live, other] {
                try fm.createDirectory(at: dir.appendingPathComponent("10.10.10.2"), withIntermediateDirectories: true)
            }
            try TreeWriter(tree: try tree()).write(to: out.path)
            let left = try fm.contentsOfDirectory(atPath: parent.path).sorted()
            #expect(left == [live.lastPathComponent, other.lastPathComponent, "out"].sorted())
        }
    }

    @Test func bundlesMadeSideBySideComeInOrder() throws {
        let writer = TreeWriter(tree: try tree())
        let nodes = ["10.10.10.3", "10.10.10.10", "10.10.10.2"]
        let bundles = writer.bundles(nodes)
        #expect(bundles.map(\.node) == nodes)
        #expect(bundles.map(\.bytes) == nodes.map { writer.bundle(node: $0) })
    }

    @Test func swapsAreUndoneNewestFirst() throws {
        try withOutput { out in
            let root = out.deletingLastPathComponent().path
            func make(_ name: String) throws {
                try fm.createDirectory(atPath: root + "/" + name, withIntermediateDirectories: true)
                try name.write(toFile: root + "/" + name + "/marker", atomically: false, encoding: .utf8)
            }
            func marker(_ name: String) -> String? { try? String(contentsOfFile: root + "/" + name + "/marker", encoding: .utf8) }
            for name in ["new-a", "a", "new-b", "stray"] { try make(name) }
            var swaps = TreeWriter.Swaps()
            try swaps.put(root + "/new-a", at: root + "/a", old: root + "/old-a")
            try swaps.put(root + "/new-b", at: root + "/b", old: root + "/old-b")
            try swaps.move(root + "/stray", to: root + "/old-stray")
            #expect(marker("a") == "new-a" && marker("new-a") == "a")
            #expect(marker("b") == "new-b" && marker("new-b") == nil)
            #expect(marker("stray") == nil && marker("old-stray") == "stray")
            swaps.undo()
            #expect(marker("a") == "a" && marker("new-a") == "new-a")
            #expect(marker("b") == nil && marker("new-b") == "new-b")
            #expect(marker("stray") == "stray" && marker("old-stray") == nil)
        }
    }
}
