/// "Did you mean …?" suggestions for misspelled names and values.
public enum Suggest {
    /// The candidate closest to `word`, or nil when none is close enough.
    ///
    /// Distance is Damerau–Levenshtein (optimal string alignment) on lowercased Unicode scalars.
    /// A candidate is close enough when its distance is at most `max(1, min(3, word.count / 3))`,
    /// or when one of the two is a prefix or suffix of the other and they differ by at most two
    /// characters. The smallest distance wins; ties go to the candidate that sorts first.
    public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let w = Array(word.lowercased().unicodeScalars.map(\.value))
        guard !w.isEmpty else { return nil }
        let threshold = max(1, min(3, word.count / 3))
        // Length differences above this can never be accepted.
        let lengthCap = max(threshold, 2)
        var best: (distance: Int, name: String)?
        var row0: [Int] = [], row1: [Int] = [], row2: [Int] = []
        for candidate in candidates {
            let lowered = candidate.lowercased()
            let c = Array(lowered.unicodeScalars.map(\.value))
            guard !c.isEmpty, abs(c.count - w.count) <= lengthCap else { continue }
            let affix = abs(c.count - w.count) <= 2 && isAffix(w, c)
            let limit = affix ? max(threshold, abs(c.count - w.count)) : threshold
            // No point computing past the best distance found so far (ties still need computing).
            let bound = best.map { min(limit, $0.distance) } ?? limit
            guard let d = osaDistance(w, c, bound: bound, &row0, &row1, &row2) else { continue }
            if let b = best {
                if d < b.distance || (d == b.distance && candidate < b.name) { best = (d, candidate) }
            } else {
                best = (d, candidate)
            }
        }
        return best?.name
    }

    /// One is a prefix or a suffix of the other.
    private static func isAffix(_ a: [UInt32], _ b: [UInt32]) -> Bool {
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        return long.starts(with: short) || long.reversed().starts(with: short.reversed())
    }

    /// Optimal string alignment distance, or nil as soon as it must exceed `bound`.
    static func osaDistance(_ a: [UInt32], _ b: [UInt32], bound: Int,
                            _ prev2: inout [Int], _ prev: inout [Int], _ cur: inout [Int]) -> Int? {
        let n = a.count, m = b.count
        if abs(n - m) > bound { return nil }
        if n == 0 || m == 0 { return max(n, m) <= bound ? max(n, m) : nil }
        prev2 = Array(repeating: 0, count: m + 1)
        prev = Array(0...m)
        cur = Array(repeating: 0, count: m + 1)
        for i in 1...n {
            cur[0] = i
            var rowMin = i
            for j in 1...m {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    v = min(v, prev2[j - 2] + 1)
                }
                cur[j] = v
                if v < rowMin { rowMin = v }
            }
            if rowMin > bound { return nil }
            swap(&prev2, &prev)
            swap(&prev, &cur)
        }
        let d = prev[m]
        return d <= bound ? d : nil
    }

    /// Distance between two strings (for tests and tools).
    public static func distance(_ a: String, _ b: String) -> Int {
        var r0: [Int] = [], r1: [Int] = [], r2: [Int] = []
        let x = Array(a.lowercased().unicodeScalars.map(\.value))
        let y = Array(b.lowercased().unicodeScalars.map(\.value))
        return osaDistance(x, y, bound: Int.max / 2, &r0, &r1, &r2) ?? Int.max
    }
}
