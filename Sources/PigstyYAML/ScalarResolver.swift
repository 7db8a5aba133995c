/// Types plain scalars exactly as PyYAML's YAML 1.1 resolver (the loader Ansible uses) does.
/// Quoted and block scalars are always strings unless an explicit tag says otherwise.
public enum ScalarResolver {
    private static let trueWords: Set<String> = ["yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"]
    private static let falseWords: Set<String> = ["no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"]
    private static let nullWords: Set<String> = ["", "~", "null", "Null", "NULL"]

    /// Resolves a scalar given its text, style and explicit tag (nil or `!` means implicit).
    public static func resolve(text: String, style: ScalarStyle, tag: String?) -> YAMLValue {
        if let tag, tag != "!" {
            return resolveTagged(text: text, tag: tag)
        }
        if tag == "!" || style != .plain { return .string(text) }
        return resolvePlain(text)
    }

    public static func resolvePlain(_ text: String) -> YAMLValue {
        let utf8 = text.utf8
        guard let first = utf8.first else { return .null }
        if utf8.count <= 4, first == UInt8(ascii: "~") || first == UInt8(ascii: "n") || first == UInt8(ascii: "N"),
           nullWords.contains(text) { return .null }
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"),
             UInt8(ascii: "t"), UInt8(ascii: "T"), UInt8(ascii: "f"), UInt8(ascii: "F"),
             UInt8(ascii: "o"), UInt8(ascii: "O"):
            guard utf8.count <= 5 else { return .string(text) }
            if trueWords.contains(text) { return .bool(true) }
            if falseWords.contains(text) { return .bool(false) }
            return .string(text)
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let bytes = Array(utf8)
            if let f = matchFloat(bytes) { return f }
            if let i = matchInt(bytes) { return i }
            if isTimestamp(bytes) { return .timestamp(text) }
            return .string(text)
        default:
            return .string(text)
        }
    }

    static func resolveTagged(text: String, tag: String) -> YAMLValue {
        switch tag {
        case "tag:yaml.org,2002:str": return .string(text)
        case "tag:yaml.org,2002:null": return .null
        case "tag:yaml.org,2002:bool":
            if trueWords.contains(text) { return .bool(true) }
            if falseWords.contains(text) { return .bool(false) }
            return .string(text)
        case "tag:yaml.org,2002:int":
            return matchInt(Array(text.utf8)) ?? .string(text)
        case "tag:yaml.org,2002:float":
            if let f = matchFloat(Array(text.utf8)) { return f }
            if case .int(let i)? = matchInt(Array(text.utf8)) { return .float(Double(i)) }
            return .string(text)
        default:
            // Application tags (Ansible's `!vault`, `!unsafe`) carry strings.
            return .string(text)
        }
    }

    // MARK: - int

    private static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }

    /// `[-+]?0b[0-1_]+ | [-+]?0[0-7_]+ | [-+]?(0|[1-9][0-9_]*) | [-+]?0x[0-9a-fA-F_]+ |
    ///  [-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`
    static func matchInt(_ all: [UInt8]) -> YAMLValue? {
        var s = all[...]
        var negative = false
        if let f = s.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            s = s.dropFirst()
        }
        guard let first = s.first else { return nil }
        if first == UInt8(ascii: "0") {
            let rest = s.dropFirst()
            if rest.isEmpty { return .int(0) }
            if rest.first == UInt8(ascii: "b") {
                let digits = rest.dropFirst()
                guard !digits.isEmpty, digits.allSatisfy({ $0 == 48 || $0 == 49 || $0 == 95 }) else { return nil }
                return makeInt(digits.filter { $0 != 95 }.map { Int($0 - 48) }, base: 2, negative: negative)
            }
            if rest.first == UInt8(ascii: "x") {
                let digits = rest.dropFirst()
                guard !digits.isEmpty else { return nil }
                var values: [Int] = []
                for b in digits where b != 95 {
                    switch b {
                    case 48...57: values.append(Int(b - 48))
                    case 97...102: values.append(Int(b - 87))
                    case 65...70: values.append(Int(b - 55))
                    default: return nil
                    }
                }
                return makeInt(values, base: 16, negative: negative)
            }
            guard rest.allSatisfy({ ($0 >= 48 && $0 <= 55) || $0 == 95 }) else { return nil }
            return makeInt(rest.filter { $0 != 95 }.map { Int($0 - 48) }, base: 8, negative: negative)
        }
        guard first >= 49, first <= 57 else { return nil }
        // Decimal, or sexagesimal when a ':' follows the leading digits.
        var i = s.startIndex
        while i < s.endIndex, isDigit(s[i]) || s[i] == 95 { i = s.index(after: i) }
        if i == s.endIndex {
            return makeDecimal(s.filter { $0 != 95 }, negative: negative)
        }
        guard s[i] == UInt8(ascii: ":") else { return nil }
        var groups: [Int] = []
        let head = s[s.startIndex..<i].filter { $0 != 95 }
        // Each later group is `:[0-5]?[0-9]`.
        var j = i
        while j < s.endIndex {
            guard s[j] == UInt8(ascii: ":") else { return nil }
            j = s.index(after: j)
            let start = j
            while j < s.endIndex, isDigit(s[j]) { j = s.index(after: j) }
            let count = j - start
            guard count == 1 || (count == 2 && s[start] <= UInt8(ascii: "5")) else { return nil }
            groups.append(s[start..<j].reduce(0) { $0 * 10 + Int($1 - 48) })
        }
        // value = head*60^n + ... ; compute with overflow detection, falling back to big digits.
        guard let headValue = Int(String(decoding: head, as: UTF8.self)) else {
            return sexagesimalBig(head: Array(head), groups: groups, negative: negative)
        }
        var total = headValue
        for g in groups {
            let (m, o1) = total.multipliedReportingOverflow(by: 60)
            let (a, o2) = m.addingReportingOverflow(g)
            if o1 || o2 { return sexagesimalBig(head: Array(head), groups: groups, negative: negative) }
            total = a
        }
        return .int(negative ? -total : total)
    }

    private static func sexagesimalBig(head: [UInt8], groups: [Int], negative: Bool) -> YAMLValue {
        var digits = BigDecimalDigits(decimal: head)
        for g in groups { digits.multiplyAdd(60, g) }
        return finish(digits, negative: negative)
    }

    private static func makeDecimal(_ digits: [UInt8], negative: Bool) -> YAMLValue {
        if digits.count <= 18, let v = Int(String(decoding: digits, as: UTF8.self)) {
            return .int(negative ? -v : v)
        }
        return finish(BigDecimalDigits(decimal: digits), negative: negative)
    }

    private static func makeInt(_ values: [Int], base: Int, negative: Bool) -> YAMLValue {
        var total = 0
        var overflow = false
        for v in values {
            let (m, o1) = total.multipliedReportingOverflow(by: base)
            let (a, o2) = m.addingReportingOverflow(v)
            if o1 || o2 { overflow = true; break }
            total = a
        }
        if !overflow { return .int(negative ? -total : total) }
        var digits = BigDecimalDigits()
        for v in values { digits.multiplyAdd(base, v) }
        return finish(digits, negative: negative)
    }

    private static func finish(_ digits: BigDecimalDigits, negative: Bool) -> YAMLValue {
        let text = digits.description
        // `Int.min` is representable although its magnitude overflows a positive Int.
        if let v = Int((negative ? "-" : "") + text) { return .int(v) }
        return .bigInt((negative ? "-" : "") + text)
    }

    // MARK: - float

    /// `[-+]?([0-9][0-9_]*)\.[0-9_]*([eE][-+][0-9]+)? | \.[0-9_]+([eE][-+][0-9]+)? |
    ///  [-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* | [-+]?\.(inf|Inf|INF) | \.(nan|NaN|NAN)`
    static func matchFloat(_ all: [UInt8]) -> YAMLValue? {
        let text = String(decoding: all, as: UTF8.self)
        switch text {
        case ".nan", ".NaN", ".NAN": return .float(.nan)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .float(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .float(-.infinity)
        default: break
        }
        var s = all[...]
        var negative = false
        var signed = false
        if let f = s.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "+") {
            negative = f == UInt8(ascii: "-")
            signed = true
            s = s.dropFirst()
        }
        guard let first = s.first else { return nil }
        if first == UInt8(ascii: ".") {
            // `\.[0-9_]+(exp)?` has no sign in PyYAML's pattern.
            guard !signed else { return nil }
            var i = s.index(after: s.startIndex)
            let start = i
            while i < s.endIndex, isDigit(s[i]) || s[i] == 95 { i = s.index(after: i) }
            guard i > start else { return nil }
            guard matchExponent(s[i...]) else { return nil }
            return parseDecimalFloat(s, negative: negative)
        }
        guard isDigit(first) else { return nil }
        var i = s.startIndex
        while i < s.endIndex, isDigit(s[i]) || s[i] == 95 { i = s.index(after: i) }
        guard i < s.endIndex else { return nil }
        if s[i] == UInt8(ascii: ".") {
            i = s.index(after: i)
            while i < s.endIndex, isDigit(s[i]) || s[i] == 95 { i = s.index(after: i) }
            guard matchExponent(s[i...]) else { return nil }
            return parseDecimalFloat(s, negative: negative)
        }
        guard s[i] == UInt8(ascii: ":") else { return nil }
        // Sexagesimal float: groups then a fractional part.
        let head = Double(String(decoding: s[s.startIndex..<i].filter { $0 != 95 }, as: UTF8.self)) ?? 0
        var total = head
        var sawGroup = false
        while i < s.endIndex, s[i] == UInt8(ascii: ":") {
            i = s.index(after: i)
            let start = i
            while i < s.endIndex, isDigit(s[i]) { i = s.index(after: i) }
            let count = i - start
            guard count == 1 || (count == 2 && s[start] <= UInt8(ascii: "5")) else { return nil }
            sawGroup = true
            total = total * 60 + Double(s[start..<i].reduce(0) { $0 * 10 + Int($1 - 48) })
        }
        guard sawGroup, i < s.endIndex, s[i] == UInt8(ascii: ".") else { return nil }
        let fracPart = s[i...].filter { $0 != 95 }
        guard fracPart.dropFirst().allSatisfy(isDigit) else { return nil }
        // PyYAML adds the fraction to the last group before scaling; the effect is the same.
        let frac = Double("0" + String(decoding: fracPart, as: UTF8.self)) ?? 0
        total += frac
        return .float(negative ? -total : total)
    }

    private static func matchExponent(_ s: ArraySlice<UInt8>) -> Bool {
        if s.isEmpty { return true }
        guard s.count >= 3, s.first == UInt8(ascii: "e") || s.first == UInt8(ascii: "E") else { return false }
        let sign = s[s.index(after: s.startIndex)]
        guard sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") else { return false }
        return s.dropFirst(2).allSatisfy(isDigit)
    }

    private static func parseDecimalFloat(_ s: ArraySlice<UInt8>, negative: Bool) -> YAMLValue {
        var cleaned = s.filter { $0 != 95 }
        if cleaned.last == UInt8(ascii: ".") { cleaned.append(UInt8(ascii: "0")) }
        if cleaned.first == UInt8(ascii: ".") { cleaned.insert(UInt8(ascii: "0"), at: 0) }
        if let dot = cleaned.firstIndex(of: UInt8(ascii: ".")), dot + 1 < cleaned.count,
           cleaned[dot + 1] == UInt8(ascii: "e") || cleaned[dot + 1] == UInt8(ascii: "E") {
            cleaned.insert(UInt8(ascii: "0"), at: dot + 1)
        }
        let v = Double(String(decoding: cleaned, as: UTF8.self)) ?? 0
        return .float(negative ? -v : v)
    }

    // MARK: - timestamp

    /// `YYYY-MM-DD` or `YYYY-M-D[Tt ]h:mm:ss[.frac][ zone]` as in PyYAML's timestamp resolver.
    static func isTimestamp(_ b: [UInt8]) -> Bool {
        func digits(_ i: inout Int, min: Int, max: Int) -> Bool {
            let start = i
            while i < b.count, i - start < max, isDigit(b[i]) { i += 1 }
            return i - start >= min
        }
        var i = 0
        guard digits(&i, min: 4, max: 4), i < b.count, b[i] == UInt8(ascii: "-") else { return false }
        i += 1
        let monthStart = i
        guard digits(&i, min: 1, max: 2), i < b.count, b[i] == UInt8(ascii: "-") else { return false }
        let monthLen = i - monthStart
        i += 1
        let dayStart = i
        guard digits(&i, min: 1, max: 2) else { return false }
        let dayLen = i - dayStart
        if i == b.count { return monthLen == 2 && dayLen == 2 }
        // Time part.
        if b[i] == UInt8(ascii: "T") || b[i] == UInt8(ascii: "t") {
            i += 1
        } else {
            let s = i
            while i < b.count, b[i] == 32 || b[i] == 9 { i += 1 }
            guard i > s else { return false }
        }
        guard digits(&i, min: 1, max: 2), i < b.count, b[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard digits(&i, min: 2, max: 2), i < b.count, b[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard digits(&i, min: 2, max: 2) else { return false }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            while i < b.count, isDigit(b[i]) { i += 1 }
        }
        if i == b.count { return true }
        while i < b.count, b[i] == 32 || b[i] == 9 { i += 1 }
        guard i < b.count else { return false }
        if b[i] == UInt8(ascii: "Z") { return i + 1 == b.count }
        guard b[i] == UInt8(ascii: "-") || b[i] == UInt8(ascii: "+") else { return false }
        i += 1
        guard digits(&i, min: 1, max: 2) else { return false }
        if i == b.count { return true }
        guard b[i] == UInt8(ascii: ":") else { return false }
        i += 1
        guard digits(&i, min: 2, max: 2) else { return false }
        return i == b.count
    }
}

/// Unbounded non-negative integer as little-endian base-1e9 limbs, enough to keep integers that
/// exceed 64 bits exactly.
struct BigDecimalDigits: CustomStringConvertible {
    private var limbs: [UInt64] = [0]
    private static let radix: UInt64 = 1_000_000_000

    init() {}

    init(decimal: [UInt8]) {
        for d in decimal where d >= 48 && d <= 57 { multiplyAdd(10, Int(d - 48)) }
    }

    mutating func multiplyAdd(_ factor: Int, _ addend: Int) {
        var carry = UInt64(addend)
        for i in limbs.indices {
            let v = limbs[i] * UInt64(factor) + carry
            limbs[i] = v % Self.radix
            carry = v / Self.radix
        }
        while carry > 0 {
            limbs.append(carry % Self.radix)
            carry /= Self.radix
        }
    }

    var description: String {
        var out = String(limbs.last ?? 0)
        for limb in limbs.dropLast().reversed() {
            let s = String(limb)
            out += String(repeating: "0", count: 9 - s.count) + s
        }
        return out
    }
}
