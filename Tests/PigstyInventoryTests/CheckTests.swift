import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyInventory

/// Behaviour of checks beyond the golden cases: clean inputs stay clean, secrets stay hidden,
/// strictness and the diagnostic catalogue.
struct CheckTests {
    @Test func bundledInventoryIsClean() throws {
        let text = try String(contentsOf: packageRoot.appendingPathComponent("pigsty.yml"), encoding: .utf8)
        let sink = check(text)
        #expect(sink.diagnostics.isEmpty, "\(summary(sink))")
    }

    @Test func secretsNeverReachAnyOutputFormat() {
        let secret = "S3cr3t.Value.Do.Not.Print"
        let text = """
        all:
          children:
            infra: { hosts: { 10.10.10.10: { infra_seq: 1 } } }
            etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } } }
            pg-a:
              hosts:
                10.10.10.11: { pg_seq: 1, pg_role: primary, pg_users: [ { name: u1, password: \(secret) } ] }
                10.10.10.12: { pg_seq: 2, pg_role: replica }
              vars:
                pg_cluster: pg-a
                pg_users: [ { name: u1, password: [ \(secret) ], pasword: \(secret) } ]
                pg_admin_password: [ \(secret) ]
                redis_password: { x: \(secret) }
          vars:
            admin_ip: 10.10.10.10
            patroni_password: \(secret)
            patroni_pasword: \(secret)
            nginx_users: { "bad:name": \(secret), ops: [ \(secret) ], admin: \(secret) }
        """
        let sink = check(text)
        #expect(sink.diagnostics.contains { $0.id == "PGS0772" })
        #expect(sink.hasErrors)
        for format in DiagnosticFormat.allCases {
            let out = DiagnosticRenderer(format: format, sources: sink.sources).render(sink.sorted, inputs: ["pigsty.yml"])
            #expect(!out.contains(secret), "\(format) output leaks the secret")
        }
        // Messages, notes and suggestions: not only the rendered forms.
        for d in sink.diagnostics {
            #expect(!d.message.contains(secret) && !(d.suggestion ?? "").contains(secret)
                    && !d.notes.contains { $0.message.contains(secret) }, "\(d.id): \(d.message)")
        }
    }

    @Test func nginxUsersPasswordsAreHiddenByExplain() throws {
        let secret = "Nginx.Secret.Do.Not.Print"
        let sink = DiagnosticSink()
        let text = inventory(children: "", vars: "    nginx_users: { admin: \(secret) }")
        let resolved = try #require(Frontend.check(SourceFile(path: "pigsty.yml", text: text), sink: sink))
        for host in [nil, "10.10.10.10"] {
            let out = try Explanation(resolved: resolved).explain("nginx_users", host: host)
            #expect(!out.contains(secret), "\(out)")
        }
    }

    @Test func ordinaryPortalValuesAreAccepted() {
        let sink = check(inventory(children: "", vars: """
            nginx_users: { admin: "p@ss word;#" }
            infra_portal:
              home: { domain: i.pigsty, auth: true, realm: "Pigsty's Home", config: "location = /x { return 200 '}'; } # }" }
              a: { domain: "*.example.com", domains: [ a.example.com, x_y.local ], endpoint: "${admin_ip}:8080", certbot: example.com, log: a.log }
              b: { domain: b.pigsty, endpoint: "unix:/run/b.sock", cert: /etc/pki/b.crt, key: /etc/pki/b.key }
              c: { domain: c.pigsty, path: /www/c-site_1, conf: path.conf }
        """))
        #expect(sink.diagnostics.isEmpty, "\(summary(sink))")
    }

    @Test func strictTurnsUnknownParametersIntoErrors() {
        let text = inventory(children: "", vars: "    pg_verison: 18")
        let lax = check(text)
        #expect(!lax.hasErrors)
        #expect(lax.diagnostics.map(\.severity) == [.warning])
        #expect(lax.diagnostics.first?.suggestion == "did you mean 'pg_version'?")
        let strict = check(text, strict: true)
        #expect(strict.hasErrors)
        #expect(summary(strict) == ["PGS0301@8:5"])
    }

    @Test func ansibleVariablesAreNotUnknown() {
        let sink = check(inventory(children: "", vars: "    ansible_user: admin\n    ansible_ssh_private_key_file: ~/.ssh/id"))
        #expect(sink.diagnostics.isEmpty, "\(summary(sink))")
    }

    @Test func templatedValuesAreNotTypeChecked() {
        let sink = check(inventory(children: "", vars: "    repo_packages: \"{{ repo_packages_default }}\""))
        #expect(sink.diagnostics.isEmpty, "\(summary(sink))")
    }

    @Test func pgUpstreamOnPrimaryIsAStandbyCluster() {
        let sink = check(inventory(children: """
            pg-src: { hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }, vars: { pg_cluster: pg-src } }
            pg-dst:
              hosts:
                10.10.10.12: { pg_seq: 1, pg_role: primary, pg_upstream: 10.10.10.11 }
                10.10.10.13: { pg_seq: 2, pg_role: replica, pg_upstream: 10.10.10.12 }
              vars: { pg_cluster: pg-dst }
        """))
        #expect(sink.diagnostics.isEmpty, "\(summary(sink))")
    }
}

/// The check rules read `|bool` values with `Jinja.bool`, Ansible's rule (as the back ends do).
struct CheckBoolTests {
    private func enforceWarnings(_ flag: String) -> [String] {
        let text = """
            all:
              children:
                infra: { hosts: { 10.10.10.10: { infra_seq: 1, nginx_sslmode: disable } } }
                etcd: { hosts: { 10.10.10.10: { etcd_seq: 1 } }, vars: { etcd_cluster: etcd } }
              vars:
                infra_portal:
                  plain: { domain: h.pigsty, endpoint: "10.10.10.10:81", enforce_https: \(flag) }
            """
        return summary(check(text)).filter { $0.hasPrefix("PGS0774") }
    }

    /// `y`, `t`, any case and blank padding count as true, like Ansible's `|bool`. The old check
    /// copy also trimmed any Unicode whitespace (a form feed, a no-break space); `Jinja.bool`
    /// strips only blanks, tabs and line breaks, so `"yes\f"` is false here as in the back ends.
    @Test func enforceHTTPSFlagIsReadAsAnsibleBool() {
        #expect(enforceWarnings("true").count == 1)
        #expect(enforceWarnings("\"y\"").count == 1)
        #expect(enforceWarnings("\"T\"").count == 1)
        #expect(enforceWarnings("\" yes \"").count == 1)
        #expect(enforceWarnings("1").count == 1)
        #expect(enforceWarnings("\"yes\\f\"").isEmpty)
        #expect(enforceWarnings("\"no\"").isEmpty)
        #expect(enforceWarnings("2").isEmpty)
    }
}

/// Names that become file names are short enough to be file names: a long one is a positioned
/// diagnostic at check time, not a failed write at compile time.
struct NameLengthCheckTests {
    @Test func aPgClusterLongerThanAFileNameIsAPositionedError() {
        let long = String(repeating: "a", count: 300)
        let sink = check(inventory(children: """
                pg-test:
                  hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: \(long) }
            """))
        let d = sink.diagnostics.filter { $0.id == "PGS0901" }
        #expect(d.count == 1)
        #expect(d.first?.message.contains("pg_cluster") == true && d.first?.message.contains("300 bytes") == true)
        #expect(d.first?.range?.start.line == 7)
        #expect(sink.hasErrors)
    }

    @Test func namesUpToTheLimitPass() {
        let ok = "pg-" + String(repeating: "a", count: SafeName.maxLength - 3)
        let sink = check(inventory(children: """
                \(ok):
                  hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
                  vars: { pg_cluster: \(ok) }
            """))
        #expect(!sink.diagnostics.contains { $0.id == "PGS0901" })
    }

    @Test func everyIdentityNameHasALengthLimit() {
        let long = String(repeating: "b", count: 256)
        for param in ["redis_cluster", "minio_cluster", "node_cluster", "nodename", "pg_shard"] {
            let sink = check(inventory(children: """
                    grp:
                      hosts: { 10.10.10.12: { } }
                      vars: { \(param): \(long) }
                """))
            #expect(sink.diagnostics.contains { $0.id == "PGS0901" }, "\(param)")
        }
    }
}
