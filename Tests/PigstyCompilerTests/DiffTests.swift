import Foundation
import Testing
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyOutput
@testable import PigstyDeploy
@testable import PigstyFormats
@testable import PigstyJMESPath
import PigstyTestSupport

/// `pigstyc diff`'s pieces: the line diff, the tree comparison and secret masking.
struct DiffTests {
    @Test func unifiedDiffLooksLikeDiffU() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n"
        let new = "a\nb\nc\nD\ne\nf\ng\nh\n"
        #expect(LineDiff.unified(old, new, oldName: "a/x", newName: "b/x") == """
        --- a/x
        +++ b/x
        @@ -1,7 +1,7 @@
         a
         b
         c
        -d
        +D
         e
         f
         g

        """)
        #expect(LineDiff.unified(old, old, oldName: "a/x", newName: "b/x") == "")
    }

    @Test func addedRemovedAndNewlineAtEnd() {
        #expect(LineDiff.unified(nil, "x\n", oldName: "a/f", newName: "b/f") == "--- /dev/null\n+++ b/f\n@@ -0,0 +1 @@\n+x\n")
        #expect(LineDiff.unified("x\ny\n", nil, oldName: "a/f", newName: "b/f") == "--- a/f\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n-y\n")
        #expect(LineDiff.unified("x\n", "x", oldName: "a/f", newName: "b/f")
                == "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-x\n+x\n\\ No newline at end of file\n")
    }

    /// Random edits, applied back with `patch`: the diff must turn the old text into the new one.
    @Test func patchAppliesEveryRandomDiff() throws {
        var rng = SplitMix(seed: 7)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for round in 0..<40 {
            let words = ["a", "b", "c", "d", "e"]
            var old: [String] = []
            for _ in 0..<(Int(rng.next() % 30)) { old.append(words[Int(rng.next() % 5)]) }
            var new = old
            for _ in 0..<(Int(rng.next() % 6)) {
                let at = new.isEmpty ? 0 : Int(rng.next() % UInt64(new.count))
                switch rng.next() % 3 {
                case 0: new.insert(words[Int(rng.next() % 5)], at: at)
                case 1: if !new.isEmpty { new.remove(at: at) }
                default: if !new.isEmpty { new[at] = "z" }
                }
            }
            let a = old.map { $0 + "\n" }.joined(), b = new.map { $0 + "\n" }.joined()
            let file = dir.appendingPathComponent("f\(round)")
            try a.write(to: file, atomically: true, encoding: .utf8)
            let patch = LineDiff.unified(a, b, oldName: "a/f", newName: "b/f")
            if a == b { #expect(patch.isEmpty); continue }
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/patch")
            p.arguments = ["--quiet", "--force", "--fuzz=0", file.path]
            let input = Pipe()
            p.standardInput = input
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            input.fileHandleForWriting.write(Data(patch.utf8))
            try input.fileHandleForWriting.close()
            p.waitUntilExit()
            #expect(p.terminationStatus == 0, "round \(round):\n\(patch)")
            #expect(try String(contentsOf: file, encoding: .utf8) == b, "round \(round):\n\(patch)")
        }
    }

    @Test func treeDiffFindsAddedRemovedChangedAndModes() {
        var old = FileTree(), new = FileTree()
        old.add(GeneratedFile(path: "/same", content: "1", producer: "t"), on: "10.0.0.1")
        new.add(GeneratedFile(path: "/same", content: "1", producer: "t"), on: "10.0.0.1")
        old.add(GeneratedFile(path: "/gone", content: "1", producer: "t"), on: "10.0.0.1")
        new.add(GeneratedFile(path: "/new", content: "1", producer: "t"), on: "10.0.0.2")
        old.add(GeneratedFile(path: "/mode", content: "1", mode: 0o644, producer: "t"), on: "10.0.0.1")
        new.add(GeneratedFile(path: "/mode", content: "1", mode: 0o600, producer: "t"), on: "10.0.0.1")
        let diff = TreeDiff(old: old, new: new)
        #expect(diff.nodes.map(\.node) == ["10.0.0.1", "10.0.0.2"])
        #expect(diff.nodes[0].files.map { "\($0.kind) \($0.path)" } == ["removed /gone", "changed /mode"])
        #expect(diff.nodes[0].files[1].attributeChanges == ["mode 0644 → 0600"])
        #expect(diff.nodes[1].files.map { "\($0.kind) \($0.path)" } == ["added /new"])
        #expect(TreeDiff(old: old, new: old).isEmpty)
    }

    @Test func secretsAreMaskedWhereTheyStandAlone() {
        let mask = SecretMask(["pigsty", "DBUser.Meta", "on"])
        #expect(mask.apply("stats auth admin:pigsty\n") == "stats auth admin:********\n")
        #expect(mask.apply("hostsdir=/etc/dnsmasq.d/pigsty i.pigsty pigstyc pigsty.yml") == "hostsdir=/etc/dnsmasq.d/pigsty i.pigsty pigstyc pigsty.yml")
        #expect(mask.apply("password: 'DBUser.Meta'") == "password: '********'")
        #expect(mask.apply("log: on") == "log: on")
    }
}

/// A small deterministic generator for tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// `diff` masks secrets where the back ends wrote them, on both sides, in their escaped forms.
struct SecretMaskDiffTests {
    func file(_ path: String, _ content: String, _ secrets: [String] = []) -> GeneratedFile {
        GeneratedFile(path: path, content: content, producer: "t", apply: .in(.etcd), secrets: secrets)
    }

    @Test func secretAtTheStartOfALineIsMaskedOnTheOldSide() {
        let mask = SecretMask(["OldRootPw1", "NewRootPw2"], declared: ["OldRootPw1", "NewRootPw2"])
        let out = mask.unified(file("/etc/etcd/etcd.pass", "OldRootPw1", ["OldRootPw1"]),
                               file("/etc/etcd/etcd.pass", "NewRootPw2", ["NewRootPw2"]), oldName: "a", newName: "b")
        #expect(!out.contains("OldRootPw1") && !out.contains("NewRootPw2"), "\(out)")
        #expect(out.contains("\n-********\n") && out.contains("\n+********\n"), "\(out)")
    }

    @Test func everyEscapedFormIsMaskedWithAFixedMask() {
        let secret = "Zq9 \"Xy'Wv\\Uu\tTt"
        let multi = "Rr7 line\nSs8 next"
        let forms = [PYAML.scalar(secret), PYAML.doubleQuoted(secret), JSONWriter.render(.string(secret), style: .compact),
                     RedisConfWriter.quote(secret), EnvFileWriter.quote(secret), PostgresConfWriter.quote(secret),
                     Nginx.quoted(secret), Shell.single(secret), KeepalivedWriter.token(secret), LineWriter.escaped(multi),
                     "\"" + secret.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""]
        let mask = SecretMask([secret, multi], declared: [secret, multi])
        for form in forms {
            let old = file("/f", "key \(form)\n", [secret, multi]), new = file("/f", "key \(form) x\n", [secret, multi])
            let out = mask.unified(old, new, oldName: "a", newName: "b")
            for piece in ["Zq9", "Xy", "Wv", "Uu", "Rr7", "Ss8"] { #expect(!out.contains(piece), "\(form): \(out)") }
            #expect(out.contains("********"))
        }
    }

    @Test func unrelatedTextEqualToAPasswordIsKept() {
        // The redis password is `test`; a database named `test` in pg_hba.conf stays readable.
        let mask = SecretMask(["test"], declared: ["test"])
        let hba = mask.unified(file("/pg/data/pg_hba.conf", "host test all 0.0.0.0/0 md5\n"),
                               file("/pg/data/pg_hba.conf", "host test all 0.0.0.0/0 scram-sha-256\n"), oldName: "a", newName: "b")
        #expect(hba.contains("-host test all") && hba.contains("+host test all"), "\(hba)")
        let redis = mask.unified(file("/etc/redis/r.conf", "requirepass test\nport 1\n", ["test"]),
                                 file("/etc/redis/r.conf", "requirepass test\nport 2\n", ["test"]), oldName: "a", newName: "b")
        #expect(redis.contains(" requirepass ********\n") && !redis.contains("test"), "\(redis)")
    }

    @Test func urlPasswordsAndUndeclaredSecretsAreMaskedEverywhere() {
        let mask = SecretMask(["Custom.Pw.9"], declared: [])
        let out = mask.unified(file("/etc/grafana/grafana.ini", "url = postgres://dbuser_grafana:OldUrlPw1@h:5432/grafana\n"),
                               file("/etc/grafana/grafana.ini", "url = postgres://dbuser_grafana:NewUrlPw2@h:5432/grafana\nx = Custom.Pw.9\n"),
                               oldName: "a", newName: "b")
        #expect(!out.contains("OldUrlPw1") && !out.contains("NewUrlPw2") && !out.contains("Custom.Pw.9"), "\(out)")
        #expect(out.contains("-url = postgres://dbuser_grafana:********@h:5432/grafana"), "\(out)")
    }
}
