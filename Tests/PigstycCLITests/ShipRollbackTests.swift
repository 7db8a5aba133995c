import Foundation
import Testing

/// `ship --rollback`: the ship of an inventory undone wave by wave through each node's
/// generations, over the fake SSH of `BundleCLITests` (apply.sh under a root per node).
struct ShipRollbackTests {
    static let fm = FileManager.default

    /// Regular files under each node's root, apply.sh's own state left out.
    static func roots(_ dir: URL) -> [String: [String: Data]] {
        var out: [String: [String: Data]] = [:]
        for name in (try? fm.contentsOfDirectory(atPath: dir.path)) ?? [] where name.hasPrefix("root-") {
            let root = dir.appendingPathComponent(name)
            var files: [String: Data] = [:]
            let e = fm.enumerator(atPath: root.path)
            while let rel = e?.nextObject() as? String {
                var isDir: ObjCBool = false
                let p = root.appendingPathComponent(rel).path
                guard !rel.hasPrefix("var/lib/pigstyc"), fm.fileExists(atPath: p, isDirectory: &isDir), !isDir.boolValue else { continue }
                files[rel] = fm.contents(atPath: p) ?? Data()
            }
            out[name] = files
        }
        return out
    }

    @Test func aRollbackUndoesTheShipOfItsInputsAndOnlyThat() throws {
        let dir = try CLITests.temp("")
        defer { try? Self.fm.removeItem(at: dir) }
        let fake = try BundleCLITests.fakeSSH(in: dir, failing: "none")
        let original = try String(contentsOf: CLITests.root.appendingPathComponent("golden/cluster-trio/pigsty.yml"), encoding: .utf8)
        let a = dir.appendingPathComponent("a.yml"), b = dir.appendingPathComponent("b.yml")
        try original.write(to: a, atomically: true, encoding: .utf8)
        // b: a bigger pool, an HBA rule fewer, and no Redis replica (files removed on .12).
        let changed = original.replacingOccurrences(of: "pool_size: 16", with: "pool_size: 32")
            .replacingOccurrences(of: ", 6380: { replica_of: '10.10.10.12 6379' }", with: "")
        #expect(changed != original)
        try changed.write(to: b, atomically: true, encoding: .utf8)
        let facts = CLITests.root.appendingPathComponent("golden/cluster-trio/facts.yml").path
        func ship(_ inv: URL, _ extra: [String] = []) throws -> Process.Captured {
            try BundleCLITests.ship([inv.path, "--facts", facts, "--ssh", fake.path] + extra)
        }
        let first = try ship(a)
        #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
        let afterA = Self.roots(dir)
        let second = try ship(b)
        #expect(second.status == 0, "\(second.stdout)\(second.stderr)")
        let afterB = Self.roots(dir)
        #expect(afterB != afterA)
        #expect(afterB["root-10.10.10.12"]?.keys.contains { $0.contains("6380") } == false)

        // A dry run says what it would run, with the ship's tag; nothing connects.
        let dry = try ship(b, ["--rollback", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("--rollback-ship "), "\(dry.stdout)")
        #expect(Self.roots(dir) == afterB)

        let back = try ship(b, ["--rollback"])
        #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
        #expect(Self.roots(dir) == afterA, "every node as after the first ship, the Redis replica's files back")
        // Wave by wave, in the plan's order, with the health checks.
        let calls = try String(contentsOf: dir.appendingPathComponent("calls.log"), encoding: .utf8).split(separator: "\n")
        let rollbacks = calls.filter { $0.contains("--rollback-ship ") }
        #expect(rollbacks.contains { $0.hasPrefix("10.10.10.10\t") && $0.contains("--only 'etcd' --rollback-ship ") })
        #expect(!rollbacks.isEmpty && rollbacks.allSatisfy { !$0.contains("--tag ") })
        // Again: the same generations, nothing changes.
        let again = try ship(b, ["--rollback"])
        #expect(again.status == 0 && Self.roots(dir) == afterA, "\(again.stdout)")
        // The first ship's inputs: followed by the second ship, refused on the first node it reaches.
        let refused = try ship(a, ["--rollback"])
        #expect(refused.status == 1 && refused.stdout.contains("was applied after that ship"), "\(refused.stdout)")
        #expect(Self.roots(dir) == afterA)
        // Inputs never shipped: nothing to roll back anywhere.
        let other = dir.appendingPathComponent("c.yml")
        try original.replacingOccurrences(of: "pool_size: 16", with: "pool_size: 8").write(to: other, atomically: true, encoding: .utf8)
        let never = try ship(other, ["--rollback"])
        #expect(never.status == 0 && Self.roots(dir) == afterA, "\(never.stdout)")
        let bad = try ship(b, ["--rollback", "--check"])
        #expect(bad.status == 64)
    }
}
