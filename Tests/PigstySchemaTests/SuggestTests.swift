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

struct OSADistanceTests {
    /// Textbook optimal string alignment, full matrix.
    static func naive(_ a: [UInt32], _ b: [UInt32]) -> Int {
        let n = a.count, m = b.count
        var d = Array(repeating: Array(repeating: 0, count: m + 1), count: n + 1)
        for i in 0...n { d[i][0] = i }
        for j in 0...m { d[0][j] = j }
        guard n > 0, m > 0 else { return max(n, m) }
        for i in 1...n {
            for j in 1...m {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[n][m]
    }

    @Test func bandedDistanceAgreesWithTheFullMatrix() {
        var rng = SystemRandomNumberGenerator()
        var rows = Suggest.Rows()
        let alphabet: [UInt32] = [97, 98, 99, 95]
        for _ in 0..<3_000 {
            let a = (0..<Int.random(in: 0...9, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let b = (0..<Int.random(in: 0...9, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            let expected = Self.naive(a, b)
            for bound in 0...4 {
                let got = Suggest.osaDistance(a, b, bound: bound, &rows)
                #expect(got == (expected <= bound ? expected : nil), "\(a) \(b) bound \(bound)")
            }
        }
    }
}
