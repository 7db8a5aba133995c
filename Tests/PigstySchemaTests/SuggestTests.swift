import Testing
@testable import PigstySchema

struct SuggestTests {
    let names = Schema.pigsty.parameters.map(\.name)

    @Test(arguments: [
        ("pg_verison", "pg_version"),
        ("pg_clustr", "pg_cluster"),
        ("pg_sq", "pg_seq"),
        ("node_tun", "node_tune"),
        ("PG_VERSION", "pg_version"),
        ("pg_admin_pasword", "pg_admin_password"),
    ])
    func suggestsParameters(_ word: String, _ expected: String) {
        #expect(Suggest.closest(to: word, among: names) == expected)
    }

    @Test(arguments: ["app_name", "ansible_user", "completely_unrelated_words", "x", "", "zzzz"])
    func noSuggestionForUnrelatedWords(_ word: String) {
        #expect(Suggest.closest(to: word, among: names) == nil)
    }

    @Test func distances() {
        #expect(Suggest.distance("abc", "abc") == 0)
        #expect(Suggest.distance("abc", "acb") == 1) // transposition
        #expect(Suggest.distance("kitten", "sitting") == 3)
        #expect(Suggest.distance("ca", "abc") == 3) // OSA, not unrestricted Damerau
        #expect(Suggest.distance("", "abc") == 3)
    }

    @Test func thresholdsAndAffixes() {
        // Short words allow one edit.
        #expect(Suggest.closest(to: "pgx", among: ["pgy"]) == "pgy")
        #expect(Suggest.closest(to: "abc", among: ["xyz"]) == nil)
        // Two missing characters at the end are accepted as a prefix even when the word is short.
        #expect(Suggest.closest(to: "oltp", among: ["oltp.yml", "olap"]) == "olap")
        #expect(Suggest.closest(to: "sessi", among: ["session", "transaction"]) == "session")
        #expect(Suggest.closest(to: "ession", among: ["session"]) == "session")
        // Three characters apart at the end is too far for a 5-letter word.
        #expect(Suggest.closest(to: "sessi", among: ["sessionxyz"]) == nil)
    }

    @Test func tiesGoToTheFirstName() {
        #expect(Suggest.closest(to: "pg_b", among: ["pg_c", "pg_a"]) == "pg_a")
        #expect(Suggest.closest(to: "pg_b", among: ["pg_a", "pg_c"]) == "pg_a")
        // A closer candidate wins over an earlier one.
        #expect(Suggest.closest(to: "pg_verson", among: ["pg_a_version", "pg_version"]) == "pg_version")
    }

    @Test func fastEnoughForEveryUnknownKey() {
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for i in 0..<2_000 { _ = Suggest.closest(to: "pg_custom_\(i)_setting", among: names) }
        }
        #expect(elapsed < .seconds(5))
    }
}
