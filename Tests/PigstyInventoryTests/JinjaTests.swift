import PigstyDiagnostics
import PigstyInventory
import PigstyYAML
import Testing

/// Resolves an inventory whose pg-test group has the given vars on one primary 10.10.10.11.
private func resolve(_ vars: String, host: String = "", vault: VaultSecret? = nil) throws -> (ResolvedHost, DiagnosticSink) {
    let text = inventory(children: """
        pg-test:
          hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary\(host) }, 10.10.10.12: { pg_seq: 2, pg_role: replica } }
          vars:
            pg_cluster: pg-test
    \(vars)
    """)
    let sink = DiagnosticSink()
    let resolved = try #require(Frontend.check(SourceFile(path: "pigsty.yml", text: text), sink: sink,
                                               options: CheckOptions(vault: vault)))
    return (try #require(resolved.host("10.10.10.11")), sink)
}

private func ids(_ sink: DiagnosticSink) -> [String] { sink.sorted.filter { $0.severity == .error }.map(\.id) }

@Suite("Jinja") struct JinjaTests {
    @Test func wholeValueTemplatesKeepTheirType() throws {
        let (h, sink) = try resolve("""
                pg_weight_base: 50
                x_list: "{{ [1, 2] + [3] }}"
                x_dict: "{{ {'a': 1} }}"
                x_float: "{{ 7 / 2 }}"
                x_floor: "{{ -7 // 2 }}"
                x_mod: "{{ -7 % 3 }}"
                x_bool: "{{ 1 < 2 and not false }}"
        """, host: ", pg_weight: \"{{ pg_weight_base + 50 }}\"")
        #expect(ids(sink).isEmpty, "\(summary(sink))")
        #expect(h.value("pg_weight")?.value == .int(100))
        #expect(h.value("x_list")?.sequence?.map(\.value) == [.int(1), .int(2), .int(3)])
        #expect(h.value("x_dict")?["a"]?.value == .int(1))
        #expect(h.value("x_float")?.value == .float(3.5))
        #expect(h.value("x_floor")?.value == .int(-4))
        #expect(h.value("x_mod")?.value == .int(2))
        #expect(h.value("x_bool")?.value == .bool(true))
    }

    @Test func mixedTextIsAStringAndSeesHostsAndGroups() throws {
        let (h, sink) = try resolve("""
                x_text: "{{ inventory_hostname }} of {{ groups['pg-test'] | length }} ({{ pg_cluster ~ '-' ~ pg_seq }})"
                x_other: "{{ hostvars['10.10.10.12']['pg_role'] }}"
                x_num: "{{ 5 }}x"
        """)
        #expect(ids(sink).isEmpty, "\(summary(sink))")
        #expect(h.value("x_text")?.value == .string("10.10.10.11 of 2 (pg-test-1)"))
        #expect(h.value("x_other")?.value == .string("replica"))
        #expect(h.value("x_num")?.value == .string("5x"))
    }

    @Test func filtersAndTests() throws {
        let (h, sink) = try resolve("""
                x_items: [ a, B, pgsql-utility, null ]
                x_reject: "{{ x_items | reject('equalto', 'pgsql-utility') | reject('none') | list }}"
                x_select: "{{ x_items | select('defined') | length }}"
                x_join: "{{ ['a', 'b'] | join(', ') | upper }}"
                x_default: "{{ x_missing | default('fallback') }}"
                x_d_bool: "{{ '' | d('empty', true) }}"
                x_int: "{{ '42' | int + 1 }}"
                x_float: "{{ '1.5' | float }}"
                x_bool: "{{ 'yes' | bool }}"
                x_string: "{{ 12 | string }}"
                x_replace: "{{ '  a-b-c ' | trim | replace('-', '_') | lower }}"
                x_if: "{{ 'big' if pg_seq > 0 else 'small' }}"
                x_defined: "{{ x_missing is defined or x_items is defined }}"
        """)
        #expect(ids(sink).isEmpty, "\(summary(sink))")
        #expect(h.value("x_reject")?.sequence?.map(\.value) == [.string("a"), .string("B")])
        #expect(h.value("x_select")?.value == .int(4))
        #expect(h.value("x_join")?.value == .string("A, B"))
        #expect(h.value("x_default")?.value == .string("fallback"))
        #expect(h.value("x_d_bool")?.value == .string("empty"))
        #expect(h.value("x_int")?.value == .int(43))
        #expect(h.value("x_float")?.value == .float(1.5))
        #expect(h.value("x_bool")?.value == .bool(true))
        #expect(h.value("x_string")?.value == .string("12"))
        #expect(h.value("x_replace")?.value == .string("a_b_c"))
        #expect(h.value("x_if")?.value == .string("big"))
        #expect(h.value("x_defined")?.value == .bool(true))
    }

    @Test func evaluatedValuesAreChecked() throws {
        // HAProxy would refuse 'weight {{ 50 + 50 }}'; evaluated it is 100, and a bad result is reported.
        let (h, sink) = try resolve("", host: ", pg_weight: \"{{ 'heavy' ~ 1 }}\"")
        #expect(h.value("pg_weight")?.value == .string("heavy1"))
        #expect(ids(sink) == ["PGS0302"], "\(summary(sink))")
    }

    @Test func undefinedUnsupportedAndCyclesArePositionedErrors() throws {
        let (_, sink) = try resolve("""
                patroni_password: "{{ vault_patroni_password }}"
                x_block: "{% if true %}x{% endif %}"
                x_filter: "{{ 'a' | to_json }}"
                x_a: "{{ x_b }}"
                x_b: "{{ x_a }}"
                x_div: "{{ 1 // 0 }}"
        """)
        let errors = sink.sorted.filter { $0.severity == .error }
        #expect(errors.map(\.id) == ["PGS0311", "PGS0311", "PGS0311", "PGS0312", "PGS0311"], "\(summary(sink))")
        #expect(errors[0].message.contains("'vault_patroni_password' is undefined"))
        #expect(errors[0].range?.start.line == 9)
        #expect(errors.contains { $0.message.contains("x_a -> x_b -> x_a") })
    }

    @Test func deepChainsStopAtTheDepthLimit() throws {
        let chain = (0..<40).map { "        x_\($0): \"{{ x_\($0 + 1) }}\"" }.joined(separator: "\n")
        let (_, sink) = try resolve(chain + "\n        x_40: 1")
        #expect(ids(sink).contains("PGS0312"), "\(summary(sink))")
    }

    @Test func runTimeVariablesAndUnsafeValuesStayAsWritten() throws {
        let (h, sink) = try resolve("""
                repo_packages: "{{ repo_packages_default | reject('equalto', 'pgsql-utility') | list }}"
                x_unsafe: !unsafe "{{ not evaluated }}"
        """)
        #expect(ids(sink).isEmpty, "\(summary(sink))")
        #expect(h.value("repo_packages")?.string?.hasPrefix("{{") == true)
        #expect(h.value("x_unsafe")?.string == "{{ not evaluated }}")
    }
}

/// Written with Python's `cryptography` (PBKDF2-SHA256 10000 rounds, AES-256-CTR, HMAC-SHA256, as
/// ansible-vault 1.1/1.2): password "correct horse".
private let vaultV11 = """
    $ANSIBLE_VAULT;1.1;AES256
    30303031303230333034303530363037303830393061306230633064306530663130313131323133
    3134313531363137313831393161316231633164316531660a303965613238613063333237326138
    34656536623533616235643566643734636561393932613231623635343336323963353939663639
    3066326463646133610a396266323631376162313632613037303136393535363264616438373465
    33393230343438366663626438346364346164643431396530396263643937316665
    """
private let vaultV12 = """
    $ANSIBLE_VAULT;1.2;AES256;prod
    36343635363636373638363936613662366336643665366637303731373237333734373537363737
    3738373937613762376337643765376638303831383238330a343461333165356132316630666639
    34363764313562363538383433356363343766633638313231616238353564303636656532333731
    6136376435616139330a373233306166613364353830356365393136626363613237313265616463
    3833
    """

private func vaultBlock(_ name: String, _ text: String) -> String {
    "        \(name): !vault |\n" + text.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n") + "\n"
}

@Suite("Vault") struct VaultTests {
    let password = VaultSecret(password: "correct horse")

    @Test func decryptsAnsibleVectors() throws {
        #expect(try AnsibleVault.decrypt(vaultV11, secret: password) == "Patroni.Vault.Secret")
        #expect(try AnsibleVault.decrypt(vaultV12, secret: password) == "5433")
    }

    @Test func roundTripsWithOwnEncryptor() throws {
        for id in [nil, "dev"] {
            let text = try AnsibleVault.encrypt("päss\nword", secret: password, vaultID: id)
            #expect(try AnsibleVault.decrypt(text, secret: password) == "päss\nword")
        }
    }

    @Test func vaultValuesAreEvaluatedTypedCheckedAndHidden() throws {
        let (h, sink) = try resolve(vaultBlock("patroni_password", vaultV11) + vaultBlock("x_port", vaultV12)
                                    + "        pg_port: \"{{ x_port | int }}\"", vault: password)
        #expect(ids(sink).isEmpty, "\(summary(sink))")
        #expect(h.value("patroni_password")?.string == "Patroni.Vault.Secret")
        #expect(h.value("pg_port")?.value == .int(5433))
        #expect(h.binding("x_port")?.fromVault == true)
        let resolved = try #require(Frontend.load(SourceFile(path: "pigsty.yml", text: inventory(children: """
            pg-test:
              hosts: { 10.10.10.11: { pg_seq: 1, pg_role: primary } }
              vars:
                pg_cluster: pg-test
        \(vaultBlock("x_port", vaultV12))
        """)), sink: DiagnosticSink(), vault: password))
        #expect(resolved.vaultPlaintexts.values == ["5433"])
        for host in [nil, "10.10.10.11"] {
            let out = try Explanation(resolved: resolved).explain("x_port", host: host)
            #expect(!out.contains("5433"), "\(out)")
        }
    }

    @Test func wrongOrMissingPasswordIsAPositionedError() throws {
        let (_, missing) = try resolve(vaultBlock("patroni_password", vaultV11))
        #expect(ids(missing) == ["PGS0313"], "\(summary(missing))")
        #expect(missing.sorted.first?.range?.start.line == 9)
        let (_, wrong) = try resolve(vaultBlock("patroni_password", vaultV11), vault: VaultSecret(password: "wrong"))
        #expect(ids(wrong) == ["PGS0314"], "\(summary(wrong))")
        #expect(wrong.sorted.first?.message.contains("HMAC") == true)
    }
}
