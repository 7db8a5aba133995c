/// Deterministic random edits of inventory text, for robustness testing (the seeded fuzz test and
/// longer fuzz runs). Each case is reproducible from its seed.
public struct InventoryMutator {
    /// SplitMix64: small, fast, and the same on every platform.
    public struct Random {
        private var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        public mutating func below(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    }

    /// Replacement values that exercise typing, structure and limits.
    static let fragments: [String] = [
        "~", "yes", "no", "on", "0750", "08", "1e3", "12:30:00", "0x", "-", "''", "\"\\u00e9\"", "[", "]", "{", "}",
        "{ a: 1 }", "[1, [2, [3]]]", "&anchor x", "*anchor", "*missing", "<<: *missing", "<<: 3", "!!int x", "!vault |",
        "|", ">-", "? complex", "- item", "10.10.10.10", "10.10.10.300/33", "../x", "$(reboot)", "'; rm -rf /'",
        "\t", "\u{00}", "😀", "\u{202E}evil", "  ", ":", "#", "%YAML 1.1", "---", "...", "@", "`",
        String(repeating: "9", count: 40), String(repeating: "[", count: 300), String(repeating: "x", count: 5000),
    ]

    public static func mutate(_ text: String, seed: UInt64) -> [UInt8] {
        var rng = Random(seed: seed)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let edits = 1 + rng.below(3)
        var raw: [UInt8]?
        for _ in 0..<edits {
            guard !lines.isEmpty else { break }
            let i = rng.below(lines.count)
            switch rng.below(12) {
            case 0: lines.remove(at: i)
            case 1: lines.insert(lines[i], at: i)
            case 2:
                let j = rng.below(lines.count)
                lines.swapAt(i, j)
            case 3: lines[i] = "\t" + lines[i]
            case 4:
                // Replace the value after the first ':' with a fragment.
                if let c = lines[i].firstIndex(of: ":") {
                    lines[i] = String(lines[i][...c]) + " " + fragments[rng.below(fragments.count)]
                } else {
                    lines[i] += fragments[rng.below(fragments.count)]
                }
            case 5: lines[i] = fragments[rng.below(fragments.count)] + lines[i]
            case 6:
                let cut = rng.below(lines[i].count + 1)
                lines[i] = String(lines[i].prefix(cut))
            case 7: lines = Array(lines.prefix(i))
            case 8:
                let depth = 1 + rng.below(200)
                lines.insert(String(repeating: " ", count: depth) + "x: " + fragments[rng.below(fragments.count)], at: i)
            case 9:
                lines.insert("bomb0: &b0 [z, z, z, z, z, z, z, z, z, z]", at: i)
                for k in 1...9 { lines.insert("bomb\(k): &b\(k) [" + Array(repeating: "*b\(k - 1)", count: 10).joined(separator: ", ") + "]", at: i + k) }
            case 10:
                // Invalid UTF-8 or a NUL byte somewhere.
                var bytes = Array(lines.joined(separator: "\n").utf8)
                let at = rng.below(bytes.count + 1)
                bytes.insert(contentsOf: rng.below(2) == 0 ? [0xFF, 0xFE] : [0x00], at: at)
                raw = bytes
            default:
                let j = rng.below(lines.count)
                lines[i] = lines[j]
            }
        }
        return raw ?? Array(lines.joined(separator: "\n").utf8)
    }
}
