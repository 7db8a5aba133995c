import Foundation
import Testing
import PigstyDiagnostics
import PigstyInventory
@testable import PigstyCompiler
@testable import PigstyModel
@testable import PigstyBackends
@testable import PigstyDeploy
@testable import PigstyPKI

/// Certificates from a CA directory (`ca init`, `compile --ca`): created once, issued once into
/// the pki directory beside the CA, reused byte for byte, checked with the real openssl and etcd
/// (under `unshare -n`: loopback only). A missing tool is a failure, not a skip.
@Suite(.serialized)
struct CertificateTests {
    static let inventory = """
    all:
      children:
        infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
        etcd:
          hosts: { 10.10.10.10: { etcd_seq: 1 } }
          vars: { etcd_cluster: etcd }
        minio:
          hosts: { 10.10.10.10: { minio_seq: 1 } }
          vars: { minio_cluster: minio }
        pg-meta:
          hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
          vars: { pg_cluster: pg-meta }
        pg-test:
          hosts:
            10.10.10.11: { pg_seq: 1, pg_role: primary }
            10.10.10.12: { pg_seq: 2, pg_role: replica }
          vars: { pg_cluster: pg-test }
      vars:
        admin_ip: 10.10.10.10
    """

    /// A fresh directory holding `pki/ca` with a new CA.
    static func freshCA() throws -> (root: URL, ca: CertificateAuthority) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("pigstyc-ca-\(UUID().uuidString)")
        let ca = try CertificateAuthority.create(in: root.appendingPathComponent("pki/ca").path)
        return (root, ca)
    }

    static func build(_ text: String, ca: CertificateAuthority, save: Bool = true) throws -> (tree: FileTree, graph: ResourceGraph, stage: CertificateStage) {
        let sink = DiagnosticSink()
        let stage = CertificateStage(ca: ca, save: save)
        let built = Compiler.build(SourceFile(path: "pigsty.yml", text: text), sink: sink, certificates: stage)
        #expect(stage.error == nil, "\(String(describing: stage.error))")
        let b = try #require(built, "\(sink.diagnostics.map(\.message))")
        return (b.tree, b.graph, stage)
    }

    static func mode(_ path: String) -> Int {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_mode & 0o7777) : -1
    }

    /// A tool run in a network namespace of its own (loopback only).
    static func isolated(_ args: [String], cwd: URL? = nil) throws -> (status: Int32, output: String) {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"),
              FileManager.default.isExecutableFile(atPath: args[0]) else {
            Issue.record("\(args[0]) or unshare is missing (scripts/setup installs them)")
            return (-1, "")
        }
        return try runTool("/usr/bin/unshare", ["-n"] + args, cwd: cwd)
    }

    @Test func caInitCreatesAPrivateKeyAndRefusesToOverwrite() throws {
        let (root, ca) = try Self.freshCA()
        defer { try? FileManager.default.removeItem(at: root) }
        let key = ca.directory + "/ca.key", crt = ca.directory + "/ca.crt"
        #expect(Self.mode(key) == 0o600)
        #expect(Self.mode(crt) == 0o644)
        #expect(Self.mode(ca.directory) == 0o700)
        let before = try Data(contentsOf: URL(fileURLWithPath: key))
        #expect(throws: CertificateAuthority.Failure.self) { try CertificateAuthority.create(in: ca.directory) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: key)) == before)
        // The CA certificate is a CA for openssl, self-signed, with Pigsty's subject.
        let text = try Self.isolated(["/usr/bin/openssl", "x509", "-in", crt, "-noout", "-subject", "-ext", "basicConstraints"])
        #expect(text.output.contains("CN = pigsty-ca, O = pigsty, OU = ca"), "\(text.output)")
        #expect(text.output.contains("CA:TRUE, pathlen:1"), "\(text.output)")
        #expect(try Self.isolated(["/usr/bin/openssl", "verify", "-CAfile", crt, crt]).status == 0)
        // An existing CA directory is read as it is.
        #expect(try CertificateAuthority(loading: ca.directory).certificatePEM == String(contentsOfFile: crt, encoding: .utf8))
    }

    @Test func issuedCertificatesVerifyAgainstTheCAWithPigstysNames() throws {
        let (root, ca) = try Self.freshCA()
        defer { try? FileManager.default.removeItem(at: root) }
        let (tree, _, stage) = try Self.build(Self.inventory, ca: ca)
        let pki = root.appendingPathComponent("pki").path
        let expected: [String: [String]] = [
            "etcd/etcd-1.crt": ["DNS:localhost", "DNS:etcd-1", "IP Address:127.0.0.1", "IP Address:10.10.10.10"],
            "pgsql/pg-meta-1.crt": ["DNS:localhost", "DNS:pg-meta", "DNS:pg-meta-1", "IP Address:127.0.0.1", "IP Address:10.10.10.10"],
            "pgsql/pg-test-2.crt": ["DNS:localhost", "DNS:pg-test", "DNS:pg-test-2", "IP Address:127.0.0.1", "IP Address:10.10.10.12"],
            "infra/infra-1.crt": ["DNS:localhost", "IP Address:127.0.0.1", "IP Address:10.10.10.10"],
            "minio/minio-1.crt": ["DNS:localhost", "DNS:minio-1.pigsty", "DNS:minio", "DNS:minio-1", "DNS:sss.pigsty",
                                  "IP Address:127.0.0.1", "IP Address:10.10.10.10"],
            "nginx/pigsty.crt": ["DNS:i.pigsty", "DNS:localhost", "IP Address:10.10.10.10"],
        ]
        let issued: Set<String> = Set(stage.result?.changes.map(\.certificate) ?? [])
        #expect(issued.isSuperset(of: Set(expected.keys)))
        for (cert, names) in expected {
            let path = "\(pki)/\(cert)"
            let verify = try Self.isolated(["/usr/bin/openssl", "verify", "-CAfile", ca.directory + "/ca.crt", path])
            #expect(verify.status == 0 && verify.output.contains(": OK"), "\(cert): \(verify.output)")
            let san = try Self.isolated(["/usr/bin/openssl", "x509", "-in", path, "-noout", "-ext", "subjectAltName"])
            for n in names { #expect(san.output.contains(n), "\(cert) lacks \(n): \(san.output)") }
            #expect(Self.mode(path) == 0o644)
        }
        // Keys beside the CA are 0600; a PostgreSQL cluster's members share one key.
        for key in ["etcd/etcd-1.key", "pgsql/pg-meta.key", "pgsql/pg-test.key", "infra/infra-1.key", "minio/minio-1.key", "nginx/pigsty.key"] {
            #expect(Self.mode("\(pki)/\(key)") == 0o600, "\(key)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(pki)/pgsql/pg-test-1.key"))
        // In the node trees: Pigsty's paths, owners and modes; keys are secrets.
        let want: [(node: String, path: String, owner: String, group: String, mode: Int, step: ApplyStep)] = [
            ("10.10.10.10", "/etc/pki/ca.crt", "root", "root", 0o644, .node),
            ("10.10.10.11", "/etc/pki/ca.crt", "root", "root", 0o644, .node),
            ("10.10.10.10", "/etc/etcd/ca.crt", "etcd", "etcd", 0o644, .etcd),
            ("10.10.10.10", "/etc/etcd/server.crt", "etcd", "etcd", 0o644, .etcd),
            ("10.10.10.10", "/etc/etcd/server.key", "etcd", "etcd", 0o600, .etcd),
            ("10.10.10.12", "/pg/cert/ca.crt", "postgres", "postgres", 0o644, .pgsql),
            ("10.10.10.12", "/pg/cert/server.crt", "postgres", "postgres", 0o644, .pgsql),
            ("10.10.10.12", "/pg/cert/server.key", "postgres", "postgres", 0o600, .pgsql),
            ("10.10.10.10", "/etc/pki/infra.crt", "root", "infra", 0o644, .infra),
            ("10.10.10.10", "/etc/pki/infra.key", "root", "infra", 0o640, .infra),
            ("10.10.10.10", "/etc/nginx/conf.d/cert/pigsty.crt", "root", "nginx", 0o644, .infra),
            ("10.10.10.10", "/etc/nginx/conf.d/cert/pigsty.key", "root", "nginx", 0o640, .infra),
            ("10.10.10.10", "/home/minio/.minio/certs/public.crt", "minio", "minio", 0o644, .minio),
            ("10.10.10.10", "/home/minio/.minio/certs/private.key", "minio", "minio", 0o600, .minio),
            ("10.10.10.10", "/home/minio/.minio/certs/CAs/ca.crt", "minio", "minio", 0o644, .minio),
        ]
        for w in want {
            let f = try #require(tree.file(w.path, on: w.node), "\(w.path) on \(w.node)")
            #expect((f.owner, f.group, f.mode, f.apply.step) == (w.owner, w.group, w.mode, w.step), "\(w.path)")
            if w.path.hasSuffix(".key") {
                #expect(f.content.contains("PRIVATE KEY"))
                #expect(f.secrets.contains(f.content), "\(w.path) is not declared secret")
            } else {
                #expect(f.secrets.isEmpty)
            }
        }
        #expect(tree.file("/etc/etcd/server.crt", on: "10.10.10.10")?.apply.effects == [.restart("etcd")])
        #expect(tree.file("/pg/cert/server.crt", on: "10.10.10.11")?.content
                == String(decoding: try Data(contentsOf: URL(fileURLWithPath: "\(pki)/pgsql/pg-test-1.crt")), as: UTF8.self))
        #expect(tree.file("/etc/pki/ca.crt", on: "10.10.10.12")?.content == ca.certificatePEM)
    }

    @Test func withoutACANoCertificateIsWritten() throws {
        let sink = DiagnosticSink()
        let tree = try #require(Compiler.compile(SourceFile(path: "pigsty.yml", text: Self.inventory), sink: sink))
        for node in tree.nodeNames {
            // (pgsodium's server key is not a certificate key: it is derived from the inventory)
            #expect(!tree.files(on: node).contains {
                $0.producer.hasPrefix("cert:") || $0.content.contains("PRIVATE KEY") || $0.content.contains("BEGIN CERTIFICATE")
            })
        }
    }

    @Test func aSecondCompileReusesTheCertificatesByteForByte() throws {
        let (root, ca) = try Self.freshCA()
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try Self.build(Self.inventory, ca: ca)
        let pki = root.appendingPathComponent("pki")
        let files = try FileManager.default.subpathsOfDirectory(atPath: pki.path).sorted()
        let bytes = files.map { try? Data(contentsOf: pki.appendingPathComponent($0)) }
        let second = try Self.build(Self.inventory, ca: try CertificateAuthority(loading: ca.directory))
        #expect(second.stage.result?.changes == [])
        #expect(second.stage.result?.reused == first.stage.result?.changes.count)
        #expect(try FileManager.default.subpathsOfDirectory(atPath: pki.path).sorted() == files)
        #expect(try files.map { try? Data(contentsOf: pki.appendingPathComponent($0)) } == bytes)
        for node in first.tree.nodeNames { #expect(first.tree.files(on: node) == second.tree.files(on: node), "\(node)") }
        // Without saving (compile --check, diff), an unchanged pki directory issues nothing either.
        #expect(try Self.build(Self.inventory, ca: ca, save: false).stage.result?.changes == [])
    }

    @Test func aChangedNodeAddressReissuesOnlyThatNodesCertificate() throws {
        let (root, ca) = try Self.freshCA()
        defer { try? FileManager.default.removeItem(at: root) }
        let pki = root.appendingPathComponent("pki")
        let first = try Self.build(Self.inventory, ca: ca)
        let oldKey = try Data(contentsOf: pki.appendingPathComponent("pgsql/pg-test.key"))
        let moved = Self.inventory.replacingOccurrences(of: "10.10.10.12", with: "10.10.10.13")
        let second = try Self.build(moved, ca: ca)
        #expect(second.stage.result?.changes == [CertificateIssuer.Change(certificate: "pgsql/pg-test-2.crt", reason: .names)])
        // The cluster's key is kept; the certificate names the new address.
        #expect(try Data(contentsOf: pki.appendingPathComponent("pgsql/pg-test.key")) == oldKey)
        let san = try Self.isolated(["/usr/bin/openssl", "x509", "-in", pki.appendingPathComponent("pgsql/pg-test-2.crt").path,
                                     "-noout", "-ext", "subjectAltName"])
        #expect(san.output.contains("IP Address:10.10.10.13") && !san.output.contains("10.10.10.12"), "\(san.output)")
        // Other nodes' certificates are the same bytes (their other files name the moved node).
        for node in ["10.10.10.10", "10.10.10.11"] {
            let certs = { (t: FileTree) in t.files(on: node).filter { $0.producer.hasPrefix("cert:") } }
            #expect(!certs(first.tree).isEmpty && certs(first.tree) == certs(second.tree), "\(node)")
        }
        // A certificate of another CA is reissued too.
        let other = try Self.freshCA()
        defer { try? FileManager.default.removeItem(at: other.root) }
        try FileManager.default.removeItem(atPath: other.ca.directory)
        try FileManager.default.createDirectory(atPath: other.root.appendingPathComponent("pki").path, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: pki.appendingPathComponent("etcd").path,
                                         toPath: other.root.appendingPathComponent("pki/etcd").path)
        let otherCA = try CertificateAuthority.create(in: other.root.appendingPathComponent("pki/ca").path)
        let third = try Self.build(Self.inventory, ca: otherCA)
        #expect(third.stage.result?.changes.contains(CertificateIssuer.Change(certificate: "etcd/etcd-1.crt", reason: .ca)) == true)
    }

    @Test func keysNeverAppearInDiffOutput() throws {
        let (root, ca) = try Self.freshCA()
        defer { try? FileManager.default.removeItem(at: root) }
        let old = try Self.build(Self.inventory, ca: ca)
        let added = Self.inventory.replacingOccurrences(of: "10.10.10.12: { pg_seq: 2, pg_role: replica }",
                                                        with: "10.10.10.12: { pg_seq: 2, pg_role: replica }\n        10.10.10.14: { pg_seq: 3, pg_role: replica }")
            .replacingOccurrences(of: "etcd:\n      hosts: { 10.10.10.10: { etcd_seq: 1 } }",
                                  with: "etcd:\n      hosts: { 10.10.10.10: { etcd_seq: 1 }, 10.10.10.12: { etcd_seq: 2 } }")
        let new = try Self.build(added, ca: ca, save: false)
        let declared = Set([old.tree, new.tree].flatMap { t in t.nodeNames.flatMap { t.files(on: $0).flatMap(\.secrets) } })
        let mask = SecretMask(old.graph.secretValues.union(new.graph.secretValues), declared: declared)
        let diff = TreeDiff(old: old.tree, new: new.tree)
        let report = ChangeReport(diff: diff, mask: mask)
        let text = report.render(withContent: true), json = report.json(withContent: true)
        #expect(text.contains("/pg/cert/server.key") && text.contains("/etc/etcd/server.key"), "\(text)")
        #expect(text.contains("BEGIN CERTIFICATE"), "certificates are shown")
        let keys = [new.tree.file("/pg/cert/server.key", on: "10.10.10.14"), new.tree.file("/etc/etcd/server.key", on: "10.10.10.12")]
        for key in keys {
            let pem = try #require(key?.content)
            for line in pem.split(separator: "\n") where !line.hasPrefix("-----") {
                #expect(!text.contains(line) && !json.contains(line), "a key line shows in the diff")
            }
        }
    }

    @Test func etcdAcceptsTheIssuedCertificatePair() throws {
        let (root, ca) = try Self.freshCA()
        defer { try? FileManager.default.removeItem(at: root) }
        let (tree, _, _) = try Self.build(Self.inventory, ca: ca)
        let dir = root.appendingPathComponent("etcd")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for name in ["ca.crt", "server.crt", "server.key"] {
            let f = try #require(tree.file("/etc/etcd/\(name)", on: "10.10.10.10"))
            try f.content.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let d = dir.path
        // etcd serves TLS on 127.0.0.1 (a SAN of every Pigsty etcd certificate) and demands a
        // client certificate; curl presents the same pair, as patroni and etcdctl do.
        let script = """
        ip link set lo up 2>/dev/null
        /usr/bin/etcd --name etcd-1 --data-dir "$0/data" \
          --listen-client-urls https://127.0.0.1:23791 --advertise-client-urls https://127.0.0.1:23791 \
          --listen-peer-urls https://127.0.0.1:23801 --initial-advertise-peer-urls https://127.0.0.1:23801 \
          --initial-cluster etcd-1=https://127.0.0.1:23801 \
          --cert-file "$0/server.crt" --key-file "$0/server.key" --trusted-ca-file "$0/ca.crt" --client-cert-auth \
          --peer-cert-file "$0/server.crt" --peer-key-file "$0/server.key" --peer-trusted-ca-file "$0/ca.crt" --peer-client-cert-auth \
          >"$0/etcd.log" 2>&1 &
        pid=$!
        ok=1
        for i in $(seq 1 100); do
          if curl -sS --max-time 2 --cacert "$0/ca.crt" --cert "$0/server.crt" --key "$0/server.key" https://127.0.0.1:23791/health >"$0/health" 2>/dev/null; then ok=0; break; fi
          sleep 0.1
        done
        cat "$0/health"; echo
        if curl -sS --max-time 2 --cacert "$0/ca.crt" https://127.0.0.1:23791/health >/dev/null 2>&1; then echo "NO-CLIENT-CERT-ACCEPTED"; fi
        kill $pid; wait $pid 2>/dev/null
        [ $ok = 0 ] || cat "$0/etcd.log"
        exit $ok
        """
        let run = try Self.isolated(["/bin/sh", "-c", script, d])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains("\"health\":\"true\""), "\(run.output)")
        #expect(!run.output.contains("NO-CLIENT-CERT-ACCEPTED"), "etcd took a client without a certificate")
    }
}
