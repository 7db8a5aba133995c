import Foundation
import Testing

/// Signed bundles: `key init`, `bundle --sign-key`, `SHA256SUMS.sig` checked by OpenSSL, and
/// apply.sh refusing a bundle whose signature does not verify when the node has the public key.
struct BundleSigningTests {
    static func bash(_ script: String, cwd: URL) throws -> Process.Captured {
        try Process.runCapturing("/usr/bin/unshare", ["-n", "/bin/bash", "-c", script], cwd: cwd)
    }

    @Test func bundleSignatureIsCheckedByApplyScript() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let keys = dir.appendingPathComponent("keys")
        let made = try CLITests.run(["key", "init", keys.path])
        #expect(made.status == 0, "\(made.stderr)")
        let keyPath = keys.appendingPathComponent("bundle.key").path
        let key = try String(contentsOfFile: keyPath, encoding: .utf8)
        #expect(key.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        #expect(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int == 0o600)
        let secretLine = key.split(separator: "\n")[1]
        #expect(!made.stdout.contains(secretLine) && !made.stderr.contains(secretLine))
        // A second init keeps the key.
        #expect(try CLITests.run(["key", "init", keys.path]).status == 0)
        #expect(try String(contentsOfFile: keyPath, encoding: .utf8) == key)

        let a = dir.appendingPathComponent("a")
        let signed = try CLITests.run(["bundle"] + BundleCLITests.trio + ["-o", a.path, "--sign-key", keyPath])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(!signed.stdout.contains(secretLine) && !signed.stderr.contains(secretLine))
        // OpenSSL 3 verifies the detached signature of SHA256SUMS with the public key.
        let ok = try Self.bash("openssl pkeyutl -verify -pubin -inkey bundle.pub -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig", cwd: a)
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        // Signing is deterministic: the same inventory and key give the same bytes.
        let b = dir.appendingPathComponent("b")
        #expect(try CLITests.run(["bundle"] + BundleCLITests.trio + ["-o", b.path, "--sign-key", keyPath]).status == 0)
        for n in ["SHA256SUMS", "SHA256SUMS.sig", "10.10.10.11.tar.gz"] {
            #expect(FileManager.default.contents(atPath: a.appendingPathComponent(n).path)
                    == FileManager.default.contents(atPath: b.appendingPathComponent(n).path), "\(n)")
        }
        // A bundle modified and re-checksummed no longer matches SHA256SUMS.sig.
        let rehashed = try Self.bash("""
        set -e
        mkdir t && tar -xzf 10.10.10.11.tar.gz -C t && printf 'x\\n' >> t/10.10.10.11/manifest.json
        tar -czf 10.10.10.11.tar.gz -C t 10.10.10.11 && sha256sum *.tar.gz > SHA256SUMS && sha256sum -c SHA256SUMS >/dev/null
        openssl pkeyutl -verify -pubin -inkey bundle.pub -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
        """, cwd: b)
        #expect(rehashed.status != 0, "\(rehashed.stdout)")

        // On the node: with /etc/pigstyc/bundle.pub installed (under --root), the signed bundle runs.
        let root = dir.appendingPathComponent("root")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("etc/pigstyc"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: a.appendingPathComponent("bundle.pub"), to: root.appendingPathComponent("etc/pigstyc/bundle.pub"))
        let x = dir.appendingPathComponent("x")
        try FileManager.default.createDirectory(at: x, withIntermediateDirectories: true)
        #expect(try Process.runCapturing("/usr/bin/tar", ["-xzf", a.appendingPathComponent("10.10.10.11.tar.gz").path], cwd: x).status == 0)
        let apply = "bash 10.10.10.11/apply.sh --root \(root.path) --force --dry-run"
        let accepted = try Self.bash(apply, cwd: x)
        #expect(accepted.status == 0, "\(accepted.stderr)")
        // A file changed and its sha256 in apply.list updated: the checksums agree, the signature does not.
        let tamper = try Self.bash("""
        set -e
        line=$(grep -m1 '^file' 10.10.10.11/apply.list)
        path=${line##*$'\\t'}
        old=$(sha256sum < "10.10.10.11/files$path"); old=${old%% *}
        printf 'evil\\n' >> "10.10.10.11/files$path"
        new=$(sha256sum < "10.10.10.11/files$path"); new=${new%% *}
        sed -i "s/$old/$new/" 10.10.10.11/apply.list
        """, cwd: x)
        #expect(tamper.status == 0, "\(tamper.stderr)")
        let refused = try Self.bash(apply, cwd: x)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("signature does not verify"), "\(refused.stderr)")
        // Without the public key on the node the same bundle passes the checksums (what signing adds).
        try FileManager.default.removeItem(at: root.appendingPathComponent("etc/pigstyc/bundle.pub"))
        #expect(try Self.bash(apply, cwd: x).status == 0)

        // An unsigned bundle is refused where the public key is installed.
        try FileManager.default.copyItem(at: a.appendingPathComponent("bundle.pub"), to: root.appendingPathComponent("etc/pigstyc/bundle.pub"))
        let u = dir.appendingPathComponent("u"), y = dir.appendingPathComponent("y")
        #expect(try CLITests.run(["bundle"] + BundleCLITests.trio + ["-o", u.path]).status == 0)
        try FileManager.default.createDirectory(at: y, withIntermediateDirectories: true)
        #expect(try Process.runCapturing("/usr/bin/tar", ["-xzf", u.appendingPathComponent("10.10.10.11.tar.gz").path], cwd: y).status == 0)
        let unsigned = try Self.bash(apply, cwd: y)
        #expect(unsigned.status == 3)
        #expect(unsigned.stderr.contains("not signed"), "\(unsigned.stderr)")
    }

    @Test func signKeyIsCreatedOnFirstUse() throws {
        let dir = try CLITests.temp("")
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("sign.key").path
        let r = try CLITests.run(["bundle"] + BundleCLITests.trio + ["-o", dir.appendingPathComponent("o").path, "-l", "10.10.10.10", "--sign-key", keyPath])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.attributesOfItem(atPath: keyPath)[.posixPermissions] as? Int == 0o600)
        #expect(FileManager.default.contents(atPath: dir.appendingPathComponent("sign.pub").path)
                == FileManager.default.contents(atPath: dir.appendingPathComponent("o/bundle.pub").path))
    }
}
