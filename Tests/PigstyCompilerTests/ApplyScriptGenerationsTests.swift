import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyModel
@testable import PigstyOutput
@testable import PigstyDeploy
import PigstyTestSupport

/// apply.sh's generations: each bundle a run applies is recorded under a number; `--rollback N`
/// applies generation N's bundle again (removals included), `--rollback-ship TAG` returns to the
/// generation before the one a ship recorded, `--generations` lists them; the newest 10 are kept.
struct ApplyScriptGenerationsTests {
    typealias T = ApplyScriptTests
    typealias S = ApplyScriptStateTests
    static let node = S.node
    static let fm = FileManager.default

    static func tag(_ s: String) -> String { TreeWriter.sha256(Array(s.utf8)) }

    /// Bundle `a` holds x and y; `b` changes x, drops y, adds z.
    static func bundles(_ work: URL) throws -> (a: URL, b: URL) {
        let a = S.tree([("/etc/g/x.conf", "x = 1\n", .node), ("/etc/g/y.conf", "y\n", .node)])
        let b = S.tree([("/etc/g/x.conf", "x = 2\n", .node), ("/etc/g/z.conf", "z\n", .node)])
        return (try S.write(a, work.appendingPathComponent("a")), try S.write(b, work.appendingPathComponent("b")))
    }

    static func run(_ out: URL, _ root: URL, _ args: [String]) throws -> (status: Int32, output: String) {
        try T.apply(out, node, ["--root", root.path, "--force"] + args)
    }

    static func content(_ root: URL, _ path: String) -> String? { S.text(root.appendingPathComponent(String(path.dropFirst()))) }

    @Test func rollingBackToAGenerationRestoresItsFilesAndRemovesTheOthers() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let (a, b) = try Self.bundles(work)
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)

        let first = try Self.run(a, root, [])
        #expect(first.status == 0 && first.output.contains("\(Self.node): generation 1 recorded"), "\(first.output)")
        let afterA = S.files(root)
        // The same bundle again records nothing new.
        let again = try Self.run(a, root, [])
        #expect(again.status == 0 && !again.output.contains("generation"), "\(again.output)")
        let second = try Self.run(b, root, [])
        #expect(second.output.contains("generation 2 recorded"), "\(second.output)")
        #expect(Self.content(root, "/etc/g/y.conf") == nil && Self.content(root, "/etc/g/z.conf") == "z\n")

        let list = try Self.run(b, root, ["--generations"])
        #expect(list.output == "generation 1: 2 files\ngeneration 2: 2 files, latest\n", "\(list.output)")

        // A dry run shows the way back and changes nothing.
        let dry = try Self.run(b, root, ["--rollback", "1", "--dry-run"])
        #expect(dry.status == 0 && dry.output.contains("would install /etc/g/y.conf") && dry.output.contains("would remove /etc/g/z.conf"), "\(dry.output)")
        #expect(Self.content(root, "/etc/g/z.conf") == "z\n")

        let back = try Self.run(b, root, ["--rollback", "1"])
        #expect(back.status == 0, "\(back.output)")
        #expect(back.output.contains("returning to generation 1") && back.output.contains("generation 3 recorded"), "\(back.output)")
        #expect(T.same(S.files(root), afterA), "the files of generation 1, and nothing else")
        #expect(back.output.contains("reload unit-node") || back.output.contains("would reload unit-node"), "\(back.output)")
        // Returning to it again changes nothing.
        let twice = try Self.run(b, root, ["--rollback", "1"])
        #expect(twice.status == 0 && twice.output.contains("\(Self.node): 0 files changed") && !twice.output.contains("recorded"), "\(twice.output)")

        let missing = try Self.run(b, root, ["--rollback", "9"])
        #expect(missing.status == 1 && missing.output.contains("no generation 9 on this node"), "\(missing.output)")
        #expect(T.same(S.files(root), afterA))
    }

    @Test func aGenerationWhoseContentIsGoneOrTamperedIsNotApplied() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let (a, b) = try Self.bundles(work)
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        _ = try Self.run(a, root, [])
        _ = try Self.run(b, root, [])
        let before = S.files(root)
        let objects = root.appendingPathComponent("var/lib/pigstyc/objects")
        let names = try Self.fm.contentsOfDirectory(atPath: objects.path)
        // Every object is private to root, named by its sha256.
        for name in names {
            let attrs = try Self.fm.attributesOfItem(atPath: objects.appendingPathComponent(name).path)
            #expect(attrs[.posixPermissions] as? Int == 0o600)
            #expect(TreeWriter.sha256(Array(try Data(contentsOf: objects.appendingPathComponent(name)))) == name)
        }
        let y = TreeWriter.sha256(Array("y\n".utf8))
        try Data("tampered\n".utf8).write(to: objects.appendingPathComponent(y))
        let tampered = try Self.run(b, root, ["--rollback", "1"])
        #expect(tampered.status == 3 && tampered.output.contains("checksum mismatch: /etc/g/y.conf"), "\(tampered.output)")
        try Self.fm.removeItem(at: objects.appendingPathComponent(y))
        let gone = try Self.run(b, root, ["--rollback", "1"])
        #expect(gone.status == 1 && gone.output.contains("lacks the content of /etc/g/y.conf"), "\(gone.output)")
        #expect(T.same(S.files(root), before), "nothing changed")
    }

    @Test func theNewestTenGenerationsAreKeptWithTheirContentOnly() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        for i in 1...12 {
            let out = try S.write(S.tree([("/etc/g/n.conf", "n = \(i)\n", .node), ("/etc/g/fixed.conf", "same\n", .node)]),
                                  work.appendingPathComponent("b\(i)"))
            let r = try Self.run(out, root, [])
            #expect(r.status == 0 && r.output.contains("generation \(i) recorded"), "\(r.output)")
        }
        let state = root.appendingPathComponent("var/lib/pigstyc")
        let kept = try Self.fm.contentsOfDirectory(atPath: state.appendingPathComponent("generations").path).sorted { Int($0)! < Int($1)! }
        #expect(kept == (3...12).map(String.init))
        // n = 3 … 12 and the shared file: 11 objects; n = 1 and 2 are gone with their generations.
        let objects = Set(try Self.fm.contentsOfDirectory(atPath: state.appendingPathComponent("objects").path))
        #expect(objects.count == 11)
        #expect(!objects.contains(TreeWriter.sha256(Array("n = 1\n".utf8))) && objects.contains(TreeWriter.sha256(Array("n = 3\n".utf8))))
        let last = work.appendingPathComponent("b12")
        let old = try Self.run(last, root, ["--rollback", "2"])
        #expect(old.status == 1 && old.output.contains("no generation 2"), "\(old.output)")
        let ok = try Self.run(last, root, ["--rollback", "3"])
        #expect(ok.status == 0 && Self.content(root, "/etc/g/n.conf") == "n = 3\n", "\(ok.output)")
    }

    /// The ship's tag picks the generation to undo, in every wave alike; a ship that changed
    /// nothing here, or one that was followed by another, is not undone.
    @Test func rollingBackAShipReturnsToTheGenerationBeforeIt() throws {
        let work = try T.temp()
        defer { try? Self.fm.removeItem(at: work) }
        let (a, b) = try Self.bundles(work)
        let root = work.appendingPathComponent("root")
        try Self.fm.createDirectory(at: root, withIntermediateDirectories: true)
        let t1 = Self.tag("first ship"), t2 = Self.tag("second ship"), t3 = Self.tag("third ship")
        _ = try Self.run(a, root, ["--tag", t1])
        let afterA = S.files(root)
        _ = try Self.run(b, root, ["--tag", t2])
        // Undo the second ship, as ship --rollback does: once per wave, with the wave's steps.
        let one = try Self.run(b, root, ["--rollback-ship", t2, "--only", "node"])
        #expect(one.status == 0 && one.output.contains("returning to generation 1"), "\(one.output)")
        #expect(T.same(S.files(root), afterA))
        let two = try Self.run(b, root, ["--rollback-ship", t2])
        #expect(two.status == 0 && two.output.contains("returning to generation 1") && !two.output.contains("recorded"), "\(two.output)")
        let list = try Self.run(b, root, ["--generations"])
        #expect(list.output.contains("generation 3: 2 files, undoing generation 2, latest"), "\(list.output)")
        // A ship that recorded nothing here.
        let none = try Self.run(b, root, ["--rollback-ship", t3])
        #expect(none.status == 0 && none.output.contains("nothing to roll back"), "\(none.output)")
        // Generation 1's ship was followed by another.
        let followed = try Self.run(a, root, ["--rollback-ship", t1])
        #expect(followed.status == 1 && followed.output.contains("generation 2 was applied after"), "\(followed.output)")
        // Another ship after the one to undo: refused, nothing changed.
        _ = try Self.run(b, root, ["--tag", t3])
        let later = try Self.run(b, root, ["--rollback-ship", t2])
        #expect(later.status == 1 && later.output.contains("was applied after that ship"), "\(later.output)")
        #expect(Self.content(root, "/etc/g/z.conf") == "z\n")
        // The first generation has nothing before it.
        let fresh = work.appendingPathComponent("fresh")
        try Self.fm.createDirectory(at: fresh, withIntermediateDirectories: true)
        _ = try Self.run(a, fresh, ["--tag", t1])
        let first = try Self.run(a, fresh, ["--rollback-ship", t1])
        #expect(first.status == 1 && first.output.contains("is the first kept here"), "\(first.output)")
        let bad = try Self.run(b, root, ["--rollback-ship", "nothex"])
        #expect(bad.status == 2)
        let both = try Self.run(b, root, ["--rollback", "1", "--generations"])
        #expect(both.status == 2)
    }
}
