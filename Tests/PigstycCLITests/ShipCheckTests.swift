import Foundation
import Testing

/// `ship --check` (what apply would change against what is live, changing nothing) and saved
/// plans (`plan --out`, `ship --plan`), through the fake ssh of `BundleCLITests`: it runs the
/// remote command locally with apply.sh pointed at `root-<node>`. Everything runs under
/// `unshare -n`.
struct ShipCheckTests {
    static let node = "10.10.10.11"
    static let oldPassword = "Old'Pa\\ss\"w0rd.1"
    static let newPassword = "New'Pa\\ss\"w0rd.2"

    /// The trio inventory with `patroni_password` set (a YAML double-quoted scalar), in `dir`.
    static func inventory(in dir: URL, name: String, password: String) throws -> String {
        let trio = try String(contentsOf: CLITests.root.appendingPathComponent("golden/cluster-trio/pigsty.yml"), encoding: .utf8)
        let quoted = "\"" + password.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        let text = trio.replacingOccurrences(of: "    admin_ip: 10.10.10.10\n",
                                             with: "    admin_ip: 10.10.10.10\n    patroni_password: \(quoted)\n")
        #expect(text != trio)
        let path = dir.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func args(_ inventory: String, _ more: [String]) -> [String] {
        [inventory, "--facts", CLITests.root.appendingPathComponent("golden/cluster-trio/facts.yml").path, "-l", node] + more
    }

    /// Every entry under `dir`, lstat'ed: type, mode, and the bytes of a file or a link's target.
    static func fingerprint(_ dir: URL) -> [String: String] {
        var out: [String: String] = [:]
        let fm = FileManager.default
        guard let e = fm.enumerator(atPath: dir.path) else { return out }
        while let rel = e.nextObject() as? String {
            let p = dir.appendingPathComponent(rel).path
            var st = stat()
            guard lstat(p, &st) == 0 else { continue }
            var entry = "\(st.st_mode) \(st.st_uid):\(st.st_gid) \(st.st_size)"
            if (st.st_mode & S_IFMT) == S_IFREG { entry += " " + (fm.contents(atPath: p)?.base64EncodedString() ?? "?") }
            if (st.st_mode & S_IFMT) == S_IFLNK { entry += " -> " + ((try? fm.destinationOfSymbolicLink(atPath: p)) ?? "?") }
            out[rel] = entry
        }
        return out
    }

    /// The forms a password takes in the files and in escaped output (plain, YAML/SQL doubled
    /// quotes, C/JSON escapes, shell quoting), and a part every form of it shares.
    static func forms(_ s: String) -> [String] {
        [s, s.replacingOccurrences(of: "'", with: "''"),
         s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""),
         s.replacingOccurrences(of: "'", with: "'\\''"), String(s.suffix(6))]
    }

    static func calls(_ dir: URL) -> [String] {
        ((try? String(contentsOf: dir.appendingPathComponent("calls.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    @Test func checkDiffsAgainstTheLiveNodeMasksSecretsAndChangesNothing() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let old = try Self.inventory(in: dir, name: "old.yml", password: Self.oldPassword)
        let new = try Self.inventory(in: dir, name: "new.yml", password: Self.newPassword)
        let fake = try BundleCLITests.fakeSSH(in: dir, failing: "none")
        let shipped = try BundleCLITests.ship(Self.args(old, ["--ssh", fake.path]))
        #expect(shipped.status == 0, "\(shipped.stdout)\(shipped.stderr)")
        let root = dir.appendingPathComponent("root-\(Self.node)")
        let live = try String(contentsOfFile: root.path + "/pg/conf/pg-test-1.yml", encoding: .utf8)
        #expect(live.contains("w0rd.1"))
        let before = Self.fingerprint(root)
        let shippedCalls = Self.calls(dir).count

        // The node holds what the old inventory compiles to: nothing to do.
        let same = try BundleCLITests.ship(Self.args(old, ["--ssh", fake.path, "--check"]))
        #expect(same.status == 0, "\(same.stdout)\(same.stderr)")
        #expect(same.stdout == "== \(Self.node)\n   no changes\nship --check: 1 node, 0 would change; nothing was changed\n")

        let r = try BundleCLITests.ship(Self.args(new, ["--ssh", fake.path, "--check"]))
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("== \(Self.node)\n   changed  /pg/conf/pg-test-1.yml\n"), "\(r.stdout)")
        #expect(r.stdout.contains("\n   reload patroni\n"), "\(r.stdout)")
        #expect(r.stdout.contains("--- live/\(Self.node)/pg/conf/pg-test-1.yml\n+++ bundle/\(Self.node)/pg/conf/pg-test-1.yml\n"))
        #expect(r.stdout.contains("\n-    password: ********\n+    password: ********\n"), "\(r.stdout)")
        #expect(r.stdout.hasSuffix("ship --check: 1 node, 1 would change; nothing was changed\n"))
        for secret in Self.forms(Self.oldPassword) + Self.forms(Self.newPassword) {
            #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "\(secret)")
        }
        // The check sent the bundle and ran apply.sh in its reporting dry-run mode, once per node.
        let checks = Self.calls(dir).dropFirst(shippedCalls)
        #expect(checks.count == 2)
        #expect(checks.allSatisfy { $0.hasPrefix("\(Self.node)\t") && $0.hasSuffix(" --dry-run --show-live") }, "\(checks)")
        // Nothing on the node changed.
        #expect(Self.fingerprint(root) == before)

        // A restart, a mode change and a new file: the node lost a file and one changed its mode.
        try FileManager.default.removeItem(atPath: root.path + "/etc/default/pg_exporter")
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: root.path + "/etc/pgbouncer/database.txt")
        let touched = Self.fingerprint(root)
        let more = try BundleCLITests.ship(Self.args(old, ["--ssh", fake.path, "--check"]))
        #expect(more.status == 2, "\(more.stdout)\(more.stderr)")
        #expect(more.stdout.contains("   added    /etc/default/pg_exporter\n"), "\(more.stdout)")
        #expect(more.stdout.contains("   changed  /etc/pgbouncer/database.txt (mode 0644 → 0600)\n"), "\(more.stdout)")
        #expect(more.stdout.contains("\n   restart pg_exporter\n"), "\(more.stdout)")
        #expect(more.stdout.contains("--- /dev/null\n+++ bundle/\(Self.node)/etc/default/pg_exporter\n"), "\(more.stdout)")
        #expect(Self.fingerprint(root) == touched)
    }

    @Test func aLiveSymlinkIsReportedNotFollowed() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try Self.inventory(in: dir, name: "inv.yml", password: Self.oldPassword)
        let fake = try BundleCLITests.fakeSSH(in: dir, failing: "none")
        let shipped = try BundleCLITests.ship(Self.args(inv, ["--ssh", fake.path]))
        #expect(shipped.status == 0, "\(shipped.stdout)\(shipped.stderr)")
        let root = dir.appendingPathComponent("root-\(Self.node)")
        let outside = dir.appendingPathComponent("outside")
        try "OUTSIDE THE NODE'S FILES\n".write(to: outside, atomically: true, encoding: .utf8)
        let path = root.path + "/pg/conf/pg-test-1.yml"
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside.path)
        let before = Self.fingerprint(root)
        let r = try BundleCLITests.ship(Self.args(inv, ["--ssh", fake.path, "--check"]))
        #expect(r.status == 2, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("   changed  /pg/conf/pg-test-1.yml\n            live: a symbolic link to '\(outside.path)', not followed; replaced by the file\n"),
                "\(r.stdout)")
        #expect(!r.stdout.contains("OUTSIDE THE NODE"))
        #expect(Self.fingerprint(root) == before)
        #expect(try String(contentsOf: outside, encoding: .utf8) == "OUTSIDE THE NODE'S FILES\n")
        for secret in Self.forms(Self.oldPassword) { #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "\(secret)") }

        // A directory where a file goes: apply would refuse, so the check fails for that node (1).
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let d = try BundleCLITests.ship(Self.args(inv, ["--ssh", fake.path, "--check"]))
        #expect(d.status == 1, "\(d.stdout)\(d.stderr)")
        #expect(d.stdout.contains("/pg/conf/pg-test-1.yml is a directory; a file is to be installed there"), "\(d.stdout)")
    }

    @Test func savedPlansAreDeterministicAndRefusedWhenStale() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let inv = try Self.inventory(in: dir, name: "inv.yml", password: Self.oldPassword)
        let a = dir.appendingPathComponent("a.json").path, b = dir.appendingPathComponent("b.json").path
        let planA = try CLITests.run(["plan"] + Self.args(inv, ["--out", a]))
        #expect(planA.status == 0, "\(planA.stderr)")
        // From another directory, through another name: the same bytes.
        try FileManager.default.copyItem(atPath: inv, toPath: dir.appendingPathComponent("copy.yml").path)
        let planB = try CLITests.run(["plan"] + Self.args("copy.yml", ["--out", b]), cwd: dir)
        #expect(planB.status == 0, "\(planB.stderr)")
        let bytes = try #require(FileManager.default.contents(atPath: a))
        #expect(bytes == FileManager.default.contents(atPath: b))
        let json = try #require(try JSONSerialization.jsonObject(with: bytes) as? [String: Any])
        #expect(json["format"] as? String == "pigstyc-plan 1")
        let inputs = try #require(json["inputs"] as? [String: Any])
        #expect((inputs["digest"] as? String)?.count == 64)
        #expect(inputs["limit"] as? String == Self.node)
        let nodes = try #require(json["nodes"] as? [String: [String: String]])
        #expect(Array(nodes.keys) == [Self.node] && nodes[Self.node]?["bundle"]?.count == 64)
        let waves = try #require(json["waves"] as? [[String: Any]])
        #expect(waves.map { $0["name"] as? String } == ["node.1", "etcd.2", "pgsql-primary", "service"])
        // Another limit is another plan.
        let other = dir.appendingPathComponent("c.json").path
        #expect(try CLITests.run(["plan", inv, "--facts", CLITests.root.appendingPathComponent("golden/cluster-trio/facts.yml").path,
                                  "-l", "10.10.10.12", "--out", other]).status == 0)
        #expect(FileManager.default.contents(atPath: other) != bytes)

        let fake = try BundleCLITests.fakeSSH(in: dir, failing: "none")
        // Modified inventory (one password): refused before any ssh call.
        let changed = try Self.inventory(in: dir, name: "changed.yml", password: Self.newPassword)
        let stale = try BundleCLITests.ship(Self.args(changed, ["--ssh", fake.path, "--plan", a]))
        #expect(stale.status == 1, "\(stale.stdout)\(stale.stderr)")
        #expect(stale.stderr.contains("\(a) is stale: its inputs changed since it was saved"), "\(stale.stderr)")
        #expect(Self.calls(dir).isEmpty)
        // Other options than the plan's: refused too.
        let strict = try BundleCLITests.ship(Self.args(inv, ["--ssh", fake.path, "--plan", a, "--strict"]))
        #expect(strict.status == 1 && strict.stderr.contains("is stale"), "\(strict.stderr)")
        // A malformed plan: refused.
        let broken = dir.appendingPathComponent("broken.json").path
        try String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"pgsql-primary\"", with: "7")
            .write(toFile: broken, atomically: true, encoding: .utf8)
        let bad = try BundleCLITests.ship(Self.args(inv, ["--ssh", fake.path, "--plan", broken]))
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stderr.contains("not a pigstyc plan"), "\(bad.stderr)")
        #expect(Self.calls(dir).isEmpty)

        // Unchanged: ships the saved waves.
        let ok = try BundleCLITests.ship(Self.args(inv, ["--ssh", fake.path, "--plan", a]))
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("[wave 1/4 node.1] \(Self.node) ok") && ok.stdout.hasSuffix("ship: 1 node ok\n"), "\(ok.stdout)")
        #expect(Self.calls(dir).contains { $0.hasPrefix("\(Self.node)\t") && $0.contains("apply.sh --only 'pgsql,pgbouncer,vip' --tag ") })
        #expect(FileManager.default.fileExists(atPath: dir.path + "/root-\(Self.node)/pg/conf/pg-test-1.yml"))
    }
}
