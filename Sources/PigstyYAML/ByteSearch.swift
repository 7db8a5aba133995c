/// Byte-level searches over a string's UTF-8, for hot paths: Foundation's `contains(_:)` and
/// `range(of:)` go through `NSString` on Linux and cost far more than the scan itself.
public enum ByteSearch {
    /// Whether `s` contains `needle` (ASCII or UTF-8 bytes compared exactly).
    @inlinable
    public static func contains(_ s: String, _ needle: StaticString) -> Bool {
        first(needle, in: s) != nil
    }

    /// The UTF-8 offset of the first occurrence of `needle` in `s`.
    @inlinable
    public static func first(_ needle: StaticString, in s: String) -> Int? {
        let n = needle.utf8CodeUnitCount
        guard n > 0 else { return 0 }
        return needle.withUTF8Buffer { nb -> Int? in
            var copy = s
            return copy.withUTF8 { b -> Int? in
                guard b.count >= n else { return nil }
                let head = nb[0]
                var i = 0
                let last = b.count - n
                while i <= last {
                    if b[i] == head {
                        var j = 1
                        while j < n && b[i + j] == nb[j] { j += 1 }
                        if j == n { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }

    /// Whether any UTF-8 byte of `s` satisfies `match`.
    @inlinable
    public static func anyByte(_ s: String, _ match: (UInt8) -> Bool) -> Bool {
        if let r = s.utf8.withContiguousStorageIfAvailable({ b in b.contains(where: match) }) { return r }
        return s.utf8.contains(where: match)
    }
}
