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
/// A value shared between threads.
final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
}

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
        for (name, objects) in tree.objects { out.mergeObjects(objects, on: name) }
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

    @Test func recompileRemovesGoneNodesAndLeavesWhatItDidNotWrite() throws {
        try withOutput { out in
            let writer = TreeWriter(tree: try tree())
            try writer.write(to: out.path)
            // A node directory of an earlier run (its manifest names it), for a node gone from the inventory.
            try fm.createDirectory(at: out.appendingPathComponent("10.10.10.99/files"), withIntermediateDirectories: true)
            let manifest = try String(contentsOf: out.appendingPathComponent("10.10.10.2/manifest.json"), encoding: .utf8)
            try manifest.replacingOccurrences(of: "\"node\" : \"10.10.10.2\"", with: "\"node\" : \"10.10.10.99\"")
                .write(to: out.appendingPathComponent("10.10.10.99/manifest.json"), atomically: false, encoding: .utf8)
            // Entries pigstyc did not write: a file, a directory, a node-like directory without a
            // manifest, one whose manifest names another node.
            try "stray\n".write(to: out.appendingPathComponent("notes.txt"), atomically: false, encoding: .utf8)
            try fm.createDirectory(at: out.appendingPathComponent("docs/x"), withIntermediateDirectories: true)
            try fm.createDirectory(at: out.appendingPathComponent("10.10.10.98/files"), withIntermediateDirectories: true)
            try fm.createDirectory(at: out.appendingPathComponent("10.10.10.97"), withIntermediateDirectories: true)
            try manifest.write(to: out.appendingPathComponent("10.10.10.97/manifest.json"), atomically: false, encoding: .utf8)
            try "".write(to: out.appendingPathComponent(".gitkeep"), atomically: false, encoding: .utf8)
            #expect(try writer.write(to: out.path)
                    == .init(unchanged: 3, removed: 1, foreign: ["10.10.10.97", "10.10.10.98", "docs", "notes.txt"]))
            #expect(try fm.contentsOfDirectory(atPath: out.path).sorted() == [
                ".gitkeep", TreeWriter.markerName, "10.10.10.10", "10.10.10.2", "10.10.10.3", "10.10.10.97", "10.10.10.98",
                "docs", "notes.txt"])
        }
    }

    /// `compile -o .` in a project, `-o pigsty.yml`, `-o docs`: pigstyc refuses a directory it did
    /// not write (unless empty) and a file, and touches nothing in them.
    @Test func refusesToWriteIntoWhatItDidNotWrite() throws {
        try withOutput { out in
            let writer = TreeWriter(tree: try tree())
            try fm.createDirectory(at: out.appendingPathComponent("roles/x"), withIntermediateDirectories: true)
            try "inventory\n".write(to: out.appendingPathComponent("pigsty.yml"), atomically: false, encoding: .utf8)
            try "x\n".write(to: out.appendingPathComponent("roles/x/main.yml"), atomically: false, encoding: .utf8)
            let before = try fm.subpathsOfDirectory(atPath: out.path).sorted()
            #expect { try writer.write(to: out.path) } throws: { error in
                let text = "\(error)"
                return text.contains("refusing to write \(out.path)") && text.contains(TreeWriter.markerName)
                    && text.contains("pigsty.yml") && text.contains("-o")
            }
            #expect(try fm.subpathsOfDirectory(atPath: out.path).sorted() == before)

            let file = out.appendingPathComponent("pigsty.yml")
            #expect { try writer.write(to: file.path) } throws: { "\($0)".contains("it is a file, not a directory") }
            #expect(try String(contentsOf: file, encoding: .utf8) == "inventory\n")
            #expect(try fm.contentsOfDirectory(atPath: out.path).sorted() == ["pigsty.yml", "roles"])
        }
    }

    @Test func emptyAndGitkeepOnlyDirectoriesAreTakenOnAndMarked() throws {
        try withOutput { out in
            try fm.createDirectory(at: out, withIntermediateDirectories: true)
            try "".write(to: out.appendingPathComponent(".gitkeep"), atomically: false, encoding: .utf8)
            let writer = TreeWriter(tree: try tree())
            #expect(try writer.write(to: out.path) == .init(written: 3))
            let marker = try String(contentsOf: out.appendingPathComponent(TreeWriter.markerName), encoding: .utf8)
            #expect(marker == TreeWriter.markerContent && marker.hasPrefix("pigstyc-output 1\n"))
            #expect(writer.differences(from: out.path).isEmpty)
            // An output of an earlier version (node directories, no marker) is taken on too.
            try fm.removeItem(at: out.appendingPathComponent(TreeWriter.markerName))
            #expect(try writer.write(to: out.path) == .init(unchanged: 3))
            #expect(fm.fileExists(atPath: out.appendingPathComponent(TreeWriter.markerName).path))
        }
    }

    /// `ln -s victim out`: DIR being a link is refused, and nothing the link points to is touched.
    @Test func aLinkAtDIRIsRefusedAndNotFollowed() throws {
        try withOutput { out in
            let victim = out.deletingLastPathComponent().appendingPathComponent("victim")
            try fm.createDirectory(at: victim.appendingPathComponent("docs"), withIntermediateDirectories: true)
            try "keep\n".write(to: victim.appendingPathComponent("notes.txt"), atomically: false, encoding: .utf8)
            // Even a victim that looks like an output (marked) is not written through a link.
            try TreeWriter.markerContent.write(to: victim.appendingPathComponent(TreeWriter.markerName), atomically: false, encoding: .utf8)
            try fm.createSymbolicLink(at: out, withDestinationURL: victim)
            #expect { try TreeWriter(tree: try tree()).write(to: out.path) } throws: { "\($0)".contains("symbolic link") }
            #expect(try fm.contentsOfDirectory(atPath: victim.path).sorted() == [TreeWriter.markerName, "docs", "notes.txt"])
            #expect(try fm.destinationOfSymbolicLink(atPath: out.path) == victim.path)
        }
    }

    /// Links inside DIR and next to it (named like a leftover of a stopped run) are removed as
    /// links at most, never followed.
    @Test func removalNeverFollowsLinks() throws {
        try withOutput { out in
            let parent = out.deletingLastPathComponent()
            let victim = parent.appendingPathComponent("victim")
            try fm.createDirectory(at: victim.appendingPathComponent("sub"), withIntermediateDirectories: true)
            try "keep\n".write(to: victim.appendingPathComponent("sub/notes.txt"), atomically: false, encoding: .utf8)
            let gone = Process()
            gone.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            gone.arguments = ["-n", "/bin/true"]
            try gone.run()
            gone.waitUntilExit()
            let leftover = parent.appendingPathComponent(".out.pigstyc-old-\(gone.processIdentifier)")
            try fm.createSymbolicLink(at: leftover, withDestinationURL: victim)

            let writer = TreeWriter(tree: try tree())
            try writer.write(to: out.path)
            // A gone node whose directory holds links to the victim, and a current node turned into a link.
            let stale = out.appendingPathComponent("10.10.10.99")
            try fm.createDirectory(at: stale.appendingPathComponent("files"), withIntermediateDirectories: true)
            let manifest = try String(contentsOf: out.appendingPathComponent("10.10.10.2/manifest.json"), encoding: .utf8)
            try manifest.replacingOccurrences(of: "\"node\" : \"10.10.10.2\"", with: "\"node\" : \"10.10.10.99\"")
                .write(to: stale.appendingPathComponent("manifest.json"), atomically: false, encoding: .utf8)
            try fm.createSymbolicLink(at: stale.appendingPathComponent("files/etc"), withDestinationURL: victim)
            try fm.createSymbolicLink(at: stale.appendingPathComponent("files/notes.txt"),
                                      withDestinationURL: victim.appendingPathComponent("sub/notes.txt"))
            let node = out.appendingPathComponent("10.10.10.3")
            try fm.moveItem(at: node, to: parent.appendingPathComponent("moved"))
            try fm.createSymbolicLink(at: node, withDestinationURL: victim)

            #expect(try writer.write(to: out.path) == .init(written: 1, unchanged: 2, removed: 1))
            #expect(writer.differences(from: out.path).isEmpty)
            #expect(try fm.subpathsOfDirectory(atPath: victim.path).sorted() == ["sub", "sub/notes.txt"])
            #expect(try String(contentsOf: victim.appendingPathComponent("sub/notes.txt"), encoding: .utf8) == "keep\n")
            #expect(try fm.destinationOfSymbolicLink(atPath: leftover.path) == victim.path)
            #expect(try fm.attributesOfItem(atPath: node.path)[.type] as? FileAttributeType == .typeDirectory)
        }
    }

    /// Two writers into one DIR: the second waits for the first (it is told so), and DIR ends up
    /// holding exactly one tree, never a mix.
    @Test func concurrentWritesAreSerialised() throws {
        let first = try tree()
        var second = FileTree()
        for f in first.files(on: "10.10.10.2") { second.add(f, on: "10.10.10.2") }
        second = changing(second, "/etc/etcd/etcd.conf", on: "10.10.10.2", to: "second\n")
        try withOutput { out in
            for round in 0..<6 {
                let writers = [TreeWriter(tree: round % 2 == 0 ? first : second), TreeWriter(tree: round % 2 == 0 ? second : first)]
                let errors = concurrentMap(2) { i -> String? in
                    do { try writers[i].write(to: out.path) } catch { return "\(error)" }
                    return nil
                }
                #expect(errors.allSatisfy { $0 == nil }, "\(errors)")
                let a = TreeWriter(tree: first).differences(from: out.path)
                let b = TreeWriter(tree: second).differences(from: out.path)
                #expect(a.isEmpty || b.isEmpty, "round \(round): \(a.prefix(3)) \(b.prefix(3))")
            }
            // A writer that finds DIR locked says so and waits until the lock is released.
            let held = open(out.path, O_RDONLY | O_DIRECTORY)
            #expect(flock(held, LOCK_EX) == 0)
            let waited = Locked(false), done = Locked(false)
            let thread = Thread {
                _ = try? TreeWriter(tree: first).write(to: out.path) { _ in waited.set(true) }
                done.set(true)
            }
            thread.start()
            for _ in 0..<200 where !waited.get() { usleep(10_000) }
            #expect(waited.get() && !done.get())
            close(held)
            for _ in 0..<500 where !done.get() { usleep(10_000) }
            #expect(done.get())
            #expect(TreeWriter(tree: first).differences(from: out.path).isEmpty)
        }
    }

    @Test func aFailedWriteLeavesTheOutputAsItWas() throws {
        try withOutput { out in
            let first = try tree()
            try TreeWriter(tree: first).write(to: out.path)
            // A file name longer than any file system allows: writing it into staging fails.
            var second = changing(first, "/etc/etcd/etcd.conf", on: "10.10.10.3", to: "changed\n")
            second.add(GeneratedFile(path: "/etc/" + String(repeating: "x", count: 300), content: "", producer: "test"), on: "10.10.10.2")
            #expect { try TreeWriter(tree: second).write(to: out.path) } throws: { error in
                // Named under DIR (not the staging directory), with the reason in words.
                let text = "\(error)"
                return error is TreeWriter.WriteError && text.contains("cannot write \(out.path)/10.10.10.2/files/etc/xxx")
                    && text.contains("300 bytes") && text.contains("255") && !text.contains("staging")
            }
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
