import Foundation
import Testing

/// `pigstyc ca init`, `compile --ca` and `bundle --ca` as an operator runs them: the certificates
/// reach the node's files and bundle, keys stay private and out of every message, and compiling
/// again changes nothing.
struct CACLITests {
    @Test func caInitThenCompileAndBundleCarryTheCertificates() throws {
        let text = try String(contentsOf: CLITests.root.appendingPathComponent("golden/cluster-trio/pigsty.yml"), encoding: .utf8)
        let dir = try CLITests.temp(text, name: "pigsty.yml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let facts = CLITests.root.appendingPathComponent("golden/cluster-trio/facts.yml").path
        let initRun = try CLITests.run(["ca", "init", "files/pki/ca"], cwd: dir)
        #expect(initRun.status == 0, "\(initRun.stderr)")
        let key = dir.appendingPathComponent("files/pki/ca/ca.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // A second init never overwrites the CA.
        #expect(try CLITests.run(["ca", "init", "files/pki/ca"], cwd: dir).status == 73)

        let first = try CLITests.run(["compile", "pigsty.yml", "--facts", facts, "--ca", "files/pki/ca"], cwd: dir)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stderr.contains("issued files/pki/etcd/"), "\(first.stderr)")
        let crt = dir.appendingPathComponent("out/10.10.10.11/files/pg/cert/server.crt").path
        #expect(((try? String(contentsOfFile: crt, encoding: .utf8)) ?? "").hasPrefix("-----BEGIN CERTIFICATE-----"))
        let serverKey = try String(contentsOfFile: dir.appendingPathComponent("out/10.10.10.11/files/pg/cert/server.key").path, encoding: .utf8)
        #expect(serverKey.contains("PRIVATE KEY"))
        // No key in any message.
        let body = serverKey.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        #expect(!first.stderr.contains(body) && !first.stdout.contains(body))

        // Compiling again reuses every certificate: the output is up to date.
        let again = try CLITests.run(["compile", "--check", "pigsty.yml", "--facts", facts, "--ca", "files/pki/ca"], cwd: dir)
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        // Without the CA the tree differs (no certificates): --check says so.
        #expect(try CLITests.run(["compile", "--check", "pigsty.yml", "--facts", facts], cwd: dir).status == 1)

        let bundle = try CLITests.run(["bundle", "pigsty.yml", "-o", "bundles", "--facts", facts, "--ca", "files/pki/ca"], cwd: dir)
        #expect(bundle.status == 0, "\(bundle.stderr)")
        let list = try CLIEdgeTests.shell("tar -xzOf bundles/10.10.10.11.tar.gz --wildcards '*apply.list'", cwd: dir)
        #expect(list.stdout.contains("/pg/cert/server.crt") && list.stdout.contains("/etc/etcd/server.key"), "\(list.stdout)")
    }

    @Test func aMissingCAIsAClearError() throws {
        let dir = try CLITests.temp("all: { children: {} }\n", name: "pigsty.yml")
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try CLITests.run(["compile", "pigsty.yml", "--ca", "nowhere/ca"], cwd: dir)
        #expect(r.status != 0 && r.stderr.contains("pigstyc ca init"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("out").path))
    }
}
