import PigstyDiagnostics

/// A resolved YAML scalar value, typed the way PyYAML (YAML 1.1) types it — which is what Ansible
/// sees when it reads an inventory.
public enum YAMLValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case int(Int)
    /// An integer that does not fit 64 bits, kept exactly as its canonical decimal digits (with `-`).
    case bigInt(String)
    case float(Double)
    case string(String)
    /// A YAML 1.1 timestamp (`2025-01-01`, `2025-01-01 10:00:00`), kept as written.
    case timestamp(String)
}

/// How a scalar was written.
public enum ScalarStyle: Sendable, Hashable {
    case plain, singleQuoted, doubleQuoted, literal, folded
}

public struct YAMLScalar: Hashable, Sendable {
    /// The scalar's text after YAML unescaping/folding, before typing.
    public var text: String
    public var style: ScalarStyle
    public var value: YAMLValue

    public init(text: String, style: ScalarStyle, value: YAMLValue) {
        self.text = text
        self.style = style
        self.value = value
    }
}

public struct YAMLPair: Sendable {
    public var key: YAMLNode
    public var value: YAMLNode

    public init(key: YAMLNode, value: YAMLNode) {
        self.key = key
        self.value = value
    }
}

/// A composed YAML node. Every node keeps the source range it was written at; nodes copied in by
/// an alias or a `<<` merge keep the range of their definition.
public final class YAMLNode: @unchecked Sendable {
    public enum Content: Sendable {
        case scalar(YAMLScalar)
        case sequence([YAMLNode])
        /// Key/value pairs in document order, duplicates already resolved (last value wins,
        /// first position kept), merge keys already applied.
        case mapping([YAMLPair])
    }

    public let content: Content
    public let range: SourceRange
    /// Explicit tag as written (`!!str`, `!vault`), nil when implicit.
    public let tag: String?
    /// Number of nodes this node stands for once aliases are expanded (itself included).
    public let expandedSize: Int

    public init(content: Content, range: SourceRange, tag: String? = nil) {
        self.content = content
        self.range = range
        self.tag = tag
        switch content {
        case .scalar: expandedSize = 1
        case .sequence(let items): expandedSize = items.reduce(1) { $0 &+ $1.expandedSize }
        case .mapping(let pairs): expandedSize = pairs.reduce(1) { $0 &+ $1.key.expandedSize &+ $1.value.expandedSize }
        }
    }

    public convenience init(scalar value: YAMLValue, text: String? = nil, range: SourceRange) {
        let t = text ?? YAMLNode.describe(value)
        self.init(content: .scalar(YAMLScalar(text: t, style: .plain, value: value)), range: range)
    }

    // MARK: - Access

    public var scalar: YAMLScalar? {
        if case .scalar(let s) = content { return s }
        return nil
    }

    public var value: YAMLValue? { scalar?.value }

    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = content { return items }
        return nil
    }

    public var mapping: [YAMLPair]? {
        if case .mapping(let pairs) = content { return pairs }
        return nil
    }

    public var isNull: Bool { value == .null }

    /// The string of a string-typed scalar (not of a number or boolean).
    public var string: String? {
        if case .string(let s)? = value { return s }
        return nil
    }

    /// The text a key scalar is known by (Ansible turns keys into strings when it names variables,
    /// hosts and groups). Non-scalar keys have no name.
    public var keyName: String? {
        guard let s = scalar else { return nil }
        switch s.value {
        case .string(let v): return v
        case .null: return s.text.isEmpty ? nil : s.text
        default: return YAMLNode.describe(s.value)
        }
    }

    public var int: Int? {
        if case .int(let i)? = value { return i }
        return nil
    }

    public var bool: Bool? {
        if case .bool(let b)? = value { return b }
        return nil
    }

    /// Looks a key up in a mapping by its name (linear; build a dictionary for large mappings).
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = content else { return nil }
        for p in pairs {
            // String keys, nearly all of them, are compared without building their name.
            if case .scalar(let s) = p.key.content, case .string(let name) = s.value {
                if name == key { return p.value }
            } else if p.key.keyName == key {
                return p.value
            }
        }
        return nil
    }

    /// The pair of a key, to reach the key's own position.
    public func pair(_ key: String) -> YAMLPair? {
        mapping?.first { $0.key.keyName == key }
    }

    /// A short name for the node's kind, for messages: "string", "integer", "mapping", …
    public var kindName: String {
        switch content {
        case .sequence: return "list"
        case .mapping: return "mapping"
        case .scalar(let s):
            switch s.value {
            case .null: return "null"
            case .bool: return "boolean"
            case .int, .bigInt: return "integer"
            case .float: return "float"
            case .string: return "string"
            case .timestamp: return "timestamp"
            }
        }
    }

    /// The kind with its indefinite article: "a list", "an integer".
    public var kindWithArticle: String {
        let k = kindName
        return ("aeiou".contains(k.first ?? "x") ? "an " : "a ") + k
    }

    /// The value rendered the way Python's `str()` shows it (`True`, `None`, `1.5`, `inf`).
    public static func describe(_ value: YAMLValue) -> String {
        switch value {
        case .null: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return String(i)
        case .bigInt(let s): return s
        case .float(let d): return pythonFloatString(d)
        case .string(let s): return s
        case .timestamp(let s): return s
        }
    }

    /// Python's `repr(float)`: shortest round-trip digits, `.0` for integral values, `inf`/`nan`,
    /// scientific notation outside 1e-4 ..< 1e16.
    public static func pythonFloatString(_ d: Double) -> String {
        if d.isNaN { return "nan" }
        if d.isInfinite { return d < 0 ? "-inf" : "inf" }
        let swift = "\(d)" // shortest round-trip, e.g. "1e-05", "1.5", "1e+16"
        let magnitude = abs(d)
        if magnitude != 0, magnitude < 1e-4 || magnitude >= 1e16 {
            // Python: mantissa with at least no trailing ".0", exponent with sign and 2+ digits.
            var mantissa = swift
            var exponent = 0
            if let e = swift.firstIndex(where: { $0 == "e" || $0 == "E" }) {
                mantissa = String(swift[..<e])
                exponent = Int(swift[swift.index(after: e)...]) ?? 0
            }
            if mantissa.hasSuffix(".0") { mantissa.removeLast(2) }
            let sign = exponent < 0 ? "-" : "+"
            let digits = String(abs(exponent))
            return mantissa + "e" + sign + (digits.count < 2 ? "0" + digits : digits)
        }
        if swift.contains("e") || swift.contains("E") {
            // Swift chose exponent form inside Python's positional range: expand it.
            return expandExponent(swift)
        }
        return swift
    }

    private static func expandExponent(_ s: String) -> String {
        let negative = s.hasPrefix("-")
        let body = negative ? String(s.dropFirst()) : s
        guard let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }),
              let exp = Int(body[body.index(after: e)...]) else { return s }
        let mant = String(body[..<e])
        let parts = mant.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        var point = parts[0].count + exp
        while point > digits.count { digits += "0" }
        while point <= 0 { digits = "0" + digits; point += 1 }
        var intPart = String(digits.prefix(point))
        var frac = String(digits.dropFirst(point))
        while frac.hasSuffix("0") { frac.removeLast() }
        if frac.isEmpty { frac = "0" }
        while intPart.count > 1, intPart.hasPrefix("0") { intPart.removeFirst() }
        return (negative ? "-" : "") + intPart + "." + frac
    }
}
