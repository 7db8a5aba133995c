/// A unified diff of two texts, line by line (Myers' algorithm), as `diff -u` prints it.
public enum LineDiff {
    enum Edit: Equatable {
        case same(Int, Int)  // old index, new index
        case delete(Int)
        case insert(Int)
    }

    /// Beyond this many differing lines the edit script is "replace everything": a diff that
    /// large is read as a new file anyway, and it keeps the search bounded.
    static let maxDistance = 4000

    /// The edit script turning `a` into `b`.
    static func edits(_ a: [String], _ b: [String]) -> [Edit] {
        let n = a.count, m = b.count
        let maxD = min(n + m, maxDistance)
        let offset = maxD + 1
        var v = [Int](repeating: 0, count: 2 * maxD + 3)
        var trace: [[Int]] = []
        var found = false
        outer: for d in 0...maxD {
            trace.append(v)
            for k in stride(from: -d, through: d, by: 2) {
                var x: Int
                if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) {
                    x = v[offset + k + 1]
                } else {
                    x = v[offset + k - 1] + 1
                }
                var y = x - k
                while x < n, y < m, a[x] == b[y] { x += 1; y += 1 }
                v[offset + k] = x
                if x >= n, y >= m { found = true; break outer }
            }
        }
        guard found else {
            return (0..<n).map { .delete($0) } + (0..<m).map { .insert($0) }
        }
        // Walk the trace back from (n, m).
        var script: [Edit] = []
        var x = n, y = m
        for d in stride(from: trace.count - 1, through: 0, by: -1) {
            let v = trace[d]
            let k = x - y
            let prevK: Int
            if d == 0 {
                while x > 0, y > 0 { x -= 1; y -= 1; script.append(.same(x, y)) }
                break
            }
            if k == -d || (k != d && v[offset + k - 1] < v[offset + k + 1]) { prevK = k + 1 } else { prevK = k - 1 }
            let prevX = v[offset + prevK], prevY = prevX - prevK
            while x > prevX, y > prevY { x -= 1; y -= 1; script.append(.same(x, y)) }
            if x == prevX { y -= 1; script.append(.insert(y)) } else { x -= 1; script.append(.delete(x)) }
        }
        return script.reversed()
    }

    /// `diff -u` output (`---`/`+++` headers and `@@` hunks with `context` lines around each
    /// change); empty when the texts are equal. A missing text (`nil`) is an absent file.
    /// `oldLine`, `newLine` and `sameLine` rewrite the text of removed, added and context lines
    /// (after the diff is made, so the markers stay outside them): `diff` masks secrets there.
    public static func unified(_ old: String?, _ new: String?, oldName: String, newName: String, context: Int = 3,
                               oldLine: (String) -> String = { $0 }, newLine: (String) -> String = { $0 },
                               sameLine: (String) -> String = { $0 }) -> String {
        if old == new { return "" }
        let a = lines(old), b = lines(new)
        let script = edits(a, b)
        var out = "--- \(old == nil ? "/dev/null" : oldName)\n+++ \(new == nil ? "/dev/null" : newName)\n"
        // Group changes into hunks: runs of edits with at most 2*context unchanged lines between.
        var i = 0
        while i < script.count {
            guard let firstChange = script[i...].firstIndex(where: { if case .same = $0 { return false }; return true }) else { break }
            var end = firstChange
            var lastChange = firstChange
            while end < script.count {
                if case .same = script[end] {
                    if end - lastChange > 2 * context { break }
                } else {
                    lastChange = end
                }
                end += 1
            }
            let start = max(i, firstChange - context)
            let stop = min(script.count, lastChange + context + 1)
            let hunk = script[start..<stop]
            var oldStart = 0, newStart = 0, oldCount = 0, newCount = 0
            var body = ""
            var first = true
            for e in hunk {
                switch e {
                case .same(let x, let y):
                    if first { oldStart = x; newStart = y }
                    oldCount += 1; newCount += 1
                    body += " " + sameLine(a[x]) + "\n"
                case .delete(let x):
                    if first { oldStart = x; newStart = Self.newPosition(script, before: start) }
                    oldCount += 1
                    body += "-" + oldLine(a[x]) + "\n"
                case .insert(let y):
                    if first { newStart = y; oldStart = Self.oldPosition(script, before: start) }
                    newCount += 1
                    body += "+" + newLine(b[y]) + "\n"
                }
                first = false
            }
            out += "@@ -\(range(oldStart, oldCount)) +\(range(newStart, newCount)) @@\n" + body
            i = stop
        }
        return out
    }

    /// `diff -u`'s line range: 1-based start and count (start is the line before when empty).
    private static func range(_ start: Int, _ count: Int) -> String {
        count == 0 ? "\(start),0" : count == 1 ? "\(start + 1)" : "\(start + 1),\(count)"
    }

    /// Old-file lines consumed before script position `end`.
    private static func oldPosition(_ script: [Edit], before end: Int) -> Int {
        script[..<end].reduce(0) { n, e in if case .insert = e { return n }; return n + 1 }
    }

    /// New-file lines produced before script position `end`.
    private static func newPosition(_ script: [Edit], before end: Int) -> Int {
        script[..<end].reduce(0) { n, e in if case .delete = e { return n }; return n + 1 }
    }

    /// The lines of a text; a last line without a newline carries diff's marker, so that it
    /// differs from the same line with one and prints as `diff -u` prints it.
    private static func lines(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.hasSuffix("\n") { parts.removeLast() } else { parts[parts.count - 1] += "\n\\ No newline at end of file" }
        return parts
    }
}
