import Foundation
import PigstyYAML

/// How Pigsty's Jinja templates see YAML values, for back ends that must print and test values
/// exactly as Ansible does: Python's `str()`/`repr()`, truthiness, and Ansible's `|bool`, `|int`,
/// `|float` filters.
public enum Jinja {
    /// `{{ x }}` with Python's `str()`: scalars as Python prints them (`True`, `None`, `1.5`),
    /// lists and dicts as their reprs; a missing value prints `None`.
    public static func str(_ node: YAMLNode?) -> String {
        guard let node else { return "None" }
        if let v = node.value { return YAMLNode.describe(v) }
        return repr(node)
    }

    /// Like `str`, but a missing value prints nothing (an undefined variable in a template).
    public static func text(_ node: YAMLNode?) -> String { node == nil ? "" : str(node) }

    /// Python's `repr()` (what a list or dict shows for its items).
    public static func repr(_ node: YAMLNode) -> String {
        switch node.content {
        case .scalar(let s):
            switch s.value {
            case .string(let text), .timestamp(let text): return reprString(text)
            default: return YAMLNode.describe(s.value)
            }
        case .sequence(let items):
            return "[" + items.map(repr).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { "\(repr($0.key)): \(repr($0.value))" }.joined(separator: ", ") + "}"
        }
    }

    /// Python's string repr: single quotes unless the text has a `'` and no `"`.
    public static func reprString(_ s: String) -> String {
        let quote: Character = s.contains("'") && !s.contains("\"") ? "\"" : "'"
        var out = String(quote)
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Character(u) == quote {
                    out += "\\" + String(quote)
                } else if u.value < 0x20 || u.value == 0x7F {
                    let h = String(u.value, radix: 16)
                    out += "\\x" + (h.count < 2 ? "0" + h : h)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out.append(quote)
        return out
    }

    /// `{% if x %}`: Python truthiness.
    public static func truthy(_ node: YAMLNode?) -> Bool {
        guard let node else { return false }
        switch node.content {
        case .sequence(let items): return !items.isEmpty
        case .mapping(let pairs): return !pairs.isEmpty
        case .scalar(let s):
            switch s.value {
            case .null: return false
            case .bool(let b): return b
            case .int(let i): return i != 0
            case .bigInt: return true
            case .float(let d): return d != 0
            case .string(let t), .timestamp(let t): return !t.isEmpty
            }
        }
    }

    /// Ansible's `x|bool`: true for True, 1, 1.0 and the texts y, yes, on, 1, true, t (any case,
    /// surrounding blanks ignored); `fallback` when the variable is undefined.
    public static func bool(_ node: YAMLNode?, default fallback: Bool = false) -> Bool {
        guard let node else { return fallback }
        guard let v = node.value else { return false }
        switch v {
        case .bool(let b): return b
        case .int(let i): return i == 1
        case .float(let d): return d == 1
        case .string(let s): return ["y", "yes", "on", "1", "true", "t"].contains(strip(s).lowercased())
        default: return false
        }
    }

    /// Ansible's `x|int`: integers, numeric strings (floats truncated), booleans; anything else 0.
    public static func int(_ node: YAMLNode?) -> Int {
        guard let v = node?.value else { return 0 }
        switch v {
        case .int(let i): return i
        case .bool(let b): return b ? 1 : 0
        case .float(let d): return d.isFinite ? Int(d) : 0
        case .string(let s):
            let t = strip(s)
            if let i = Int(t) { return i }
            if let d = Double(t), d.isFinite, abs(d) < 9e18 { return Int(d) }
            return 0
        default: return 0
        }
    }

    /// Ansible's `x|float`.
    public static func float(_ node: YAMLNode?) -> Double {
        guard let v = node?.value else { return 0 }
        switch v {
        case .int(let i): return Double(i)
        case .float(let d): return d
        case .bool(let b): return b ? 1 : 0
        case .string(let s): return Double(strip(s)) ?? 0
        default: return 0
        }
    }

    /// `x == ''`: only the empty string equals ''.
    public static func isEmptyString(_ node: YAMLNode?) -> Bool {
        if case .string(let s)? = node?.value { return s.isEmpty }
        return false
    }

    /// `x == 0`: ints, floats and booleans compare numerically; strings never equal 0.
    public static func isZero(_ node: YAMLNode?) -> Bool {
        switch node?.value {
        case .int(let i)?: return i == 0
        case .float(let d)?: return d == 0
        case .bool(let b)?: return !b
        default: return false
        }
    }

    /// Python's `str.strip()` for the blanks that occur in inventories.
    public static func strip(_ s: String) -> String {
        let blanks: Set<Character> = [" ", "\t", "\n", "\r"]
        return String(s.drop { blanks.contains($0) }.reversed().drop { blanks.contains($0) }.reversed())
    }
}

/// How Ansible finds where to connect: each setting and its variable names in Ansible's lookup
/// order (`MAGIC_VARIABLE_MAPPING`: the first one set wins, so `ansible_ssh_host` wins over
/// `ansible_host` when a host has both), and what a usable value looks like.
public enum AnsibleConnection {
    public static let hostNames = ["ansible_ssh_host", "ansible_host"]
    public static let userNames = ["ansible_ssh_user", "ansible_user"]
    public static let portNames = ["ansible_ssh_port", "ansible_port"]

    /// The winning definition among `names` for `h` (empty strings and nulls count as unset).
    public static func binding(_ h: ResolvedHost, _ names: [String]) -> VarBinding? {
        for n in names {
            guard let b = h.binding(n), !b.value.isNull else { continue }
            if let s = b.value.string, s.isEmpty { continue }
            return b
        }
        return nil
    }

    /// A DNS name (letters, digits, `-` inside labels, dots between them), an IPv4 or an IPv6 address.
    public static func isHost(_ s: String) -> Bool {
        if IPv4.isAddress(s) { return true }
        if s.contains(":") {
            return s.utf8.count <= 45 && s.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == ":" || $0 == "." }
        }
        var name = Substring(s)
        if name.hasSuffix(".") { name = name.dropLast() }
        guard !name.isEmpty, name.utf8.count <= 253 else { return false }
        return name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
            guard (1...63).contains(label.utf8.count), label.first != "-", label.last != "-" else { return false }
            return label.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "-") }
        }
    }

    /// An account name: letters, digits, `_`, `.` and `-`, not starting with `-` or `.`, at most 32.
    public static func isUser(_ s: String) -> Bool {
        guard (1...32).contains(s.utf8.count), let first = s.unicodeScalars.first, first != "-", first != "." else { return false }
        return s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "_" || $0 == "." || $0 == "-")
        }
    }

    /// A port as Ansible reads it (`int(value)`): an integer or a string of digits, 1–65535.
    public static func port(_ node: YAMLNode) -> Int? {
        let v: Int?
        switch node.value {
        case .int(let i)?: v = i
        case .string(let s)?:
            let t = s.trimmingCharacters(in: .whitespaces)
            v = !t.isEmpty && t.utf8.count < 6 && t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) ? Int(t) : nil
        default: v = nil
        }
        guard let v, (1...65535).contains(v) else { return nil }
        return v
    }
}
