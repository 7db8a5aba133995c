/// "Did you mean …?" suggestions for misspelled names and values.
public enum Suggest {
    /// The candidate closest to `word`, or nil when none is close enough.
    ///
    /// Distance is Damerau–Levenshtein (optimal string alignment) on lowercased Unicode scalars.
    /// A candidate is close enough when its distance is at most `max(1, min(3, word.count / 3))`,
    /// or when one of the two is a prefix or suffix of the other and they differ by at most two
    /// characters. The smallest distance wins; ties go to the candidate that sorts first.
    public static func closest(to word: String, among candidates: some Sequence<String>) -> String? {
        let w = folded(word)
        guard !w.isEmpty else { return nil }
        let threshold = max(1, min(3, word.count / 3))
        // Length differences above this can never be accepted.
        let lengthCap = max(threshold, 2)
        var best: (distance: Int, name: String)?
        var rows = Rows()
        for candidate in candidates {
            // Cheap length filter before any allocation (scalar count ≤ UTF-8 count).
            let utf8Count = candidate.utf8.count
            if utf8Count + lengthCap < w.count { continue }
            let c = folded(candidate)
            guard !c.isEmpty, abs(c.count - w.count) <= lengthCap else { continue }
            let affix = abs(c.count - w.count) <= 2 && isAffix(w, c)
            let limit = affix ? max(threshold, abs(c.count - w.count)) : threshold
            // No point computing past the best distance found so far (ties still need computing).
            let bound = best.map { min(limit, $0.distance) } ?? limit
            guard let d = osaDistance(w, c, bound: bound, &rows) else { continue }
            if let b = best {
                if d < b.distance || (d == b.distance && candidate < b.name) { best = (d, candidate) }
            } else {
                best = (d, candidate)
            }
        }
        return best?.name
    }

    /// Lowercased Unicode scalars (ASCII fast path).
    private static func folded(_ s: String) -> [UInt32] {
        var out: [UInt32] = []
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            guard b < 0x80 else { return s.lowercased().unicodeScalars.map(\.value) }
            out.append(UInt32(b >= 65 && b <= 90 ? b + 32 : b))
        }
        return out
    }

    /// One is a prefix or a suffix of the other.
    private static func isAffix(_ a: [UInt32], _ b: [UInt32]) -> Bool {
        let (short, long) = a.count <= b.count ? (a, b) : (b, a)
        return long.starts(with: short) || long.reversed().starts(with: short.reversed())
    }

    /// Three DP rows reused across candidates.
    struct Rows {
        var a: [Int] = []
        var b: [Int] = []
        var c: [Int] = []
    }

    /// Optimal string alignment distance, or nil as soon as it must exceed `bound`. Only the band
    /// of cells within `bound` of the diagonal is computed; cells outside count as `bound + 1`.
    static func osaDistance(_ a: [UInt32], _ b: [UInt32], bound: Int, _ rows: inout Rows) -> Int? {
        let n = a.count, m = b.count
        if abs(n - m) > bound { return nil }
        if n == 0 || m == 0 { return max(n, m) <= bound ? max(n, m) : nil }
        let big = bound + 1
        let width = m + 1
        if rows.a.count < width {
            rows.a = Array(repeating: 0, count: width)
            rows.b = Array(repeating: 0, count: width)
            rows.c = Array(repeating: 0, count: width)
        }
        var result: Int?
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                rows.a.withUnsafeMutableBufferPointer { r0 in
                    rows.b.withUnsafeMutableBufferPointer { r1 in
                        rows.c.withUnsafeMutableBufferPointer { r2 in
                            var prev2 = r0.baseAddress!, prev = r1.baseAddress!, cur = r2.baseAddress!
                            for j in 0...m { prev[j] = j <= bound ? j : big; prev2[j] = big }
                            for i in 1...n {
                                let lo = max(1, i - bound), hi = min(m, i + bound)
                                cur[0] = i <= bound ? i : big
                                if lo > 1 { cur[lo - 1] = big }
                                var rowMin = cur[0]
                                for j in lo...hi {
                                    let cost = a[i - 1] == b[j - 1] ? 0 : 1
                                    var v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                                    if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                                        v = min(v, prev2[j - 2] + 1)
                                    }
                                    if v > big { v = big }
                                    cur[j] = v
                                    if v < rowMin { rowMin = v }
                                }
                                if hi < m { cur[hi + 1] = big }
                                if rowMin > bound { return }
                                (prev2, prev, cur) = (prev, cur, prev2)
                            }
                            let d = prev[m]
                            result = d <= bound ? d : nil
                        }
                    }
                }
            }
        }
        return result
    }

    /// Distance between two strings (for tests and tools).
    public static func distance(_ a: String, _ b: String) -> Int {
        var rows = Rows()
        let x = folded(a), y = folded(b)
        return osaDistance(x, y, bound: max(x.count, y.count), &rows) ?? Int.max
    }
}
