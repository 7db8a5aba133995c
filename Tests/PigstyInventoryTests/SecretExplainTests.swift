import PigstyDiagnostics
import PigstyInventory
import Testing

/// `explain` and `check` hide the same secrets: URL passwords, custom secret-looking variables,
/// and values under misspelled secret keys.
struct SecretExplainTests {
    func explain(_ vars: String, _ name: String) throws -> [String] {
        let sink = DiagnosticSink()
        let text = inventory(children: "", vars: vars)
        let resolved = try #require(Frontend.check(SourceFile(path: "pigsty.yml", text: text), sink: sink))
        return try [nil, "10.10.10.10"].map { try Explanation(resolved: resolved).explain(name, host: $0) }
    }

    @Test func explainMasksTheURLPasswordOfGrafanaPgurl() throws {
        for out in try explain("    grafana_pgurl: postgres://dbuser_grafana:GrafUrlPw77@10.10.10.10:5432/grafana", "grafana_pgurl") {
            #expect(!out.contains("GrafUrlPw77"), "\(out)")
            #expect(out.contains("postgres://dbuser_grafana:********@10.10.10.10:5432/grafana"), "\(out)")
        }
    }

    @Test func explainMasksCustomSecretVariablesAsCheckDoes() throws {
        for out in try explain("    my_password: CustomPw.Secret1", "my_password") {
            #expect(!out.contains("CustomPw.Secret1"), "\(out)")
            #expect(out.contains("********"))
        }
    }

    @Test func misspelledSecretKeyIsRedactedInTheSnippet() {
        let sink = check(inventory(children: "", vars: "    patroni_pw: TopS3cret"))
        let out = DiagnosticRenderer(format: .text, sources: sink.sources).render(sink.sorted, inputs: ["pigsty.yml"])
        #expect(!out.contains("TopS3cret"), "\(out)")
        #expect(out.contains("patroni_pw"), "\(out)")
    }

    @Test func urlPasswordsAreMaskedInAnyText() {
        #expect(SecretRedactor.maskingURLPasswords("url = postgres://u:p%40ss@h:5432/db?x=1 and http://h/x")
                == "url = postgres://u:********@h:5432/db?x=1 and http://h/x")
        #expect(SecretRedactor.maskingURLPasswords("redis://:Pw@h") == "redis://:********@h")
        #expect(SecretRedactor.maskingURLPasswords("http://user@h/") == "http://user@h/")
    }
}
