import PigstyDiagnostics
import PigstyYAML

/// How a variable's value is stored: `value` (JSONB) for Pigsty's views and Ansible, and `yaml`,
/// our exact one-line YAML flow text of it (types as YAML 1.1 reads them, tags, key order and key
/// types that JSON cannot carry), which reads back into the very same value.
enum ValueText {
    /// The exact flow text: strings always double-quoted, other plain scalars as written, tags kept.
    static func flow(_ node: YAMLNode) -> String {
        var out = ""
        write(node, into: &out)
        return out
    }

    private static func write(_ node: YAMLNode, into out: inout String) {
        if let tag = node.tag { out += tagText(tag) + " " }
        switch node.content {
        case .scalar(let s):
            switch s.value {
            case .string(let str):
                out += Quoting.yamlDouble(str)
            case .null:
                out += node.tag == nil ? "null" : Quoting.yamlDouble(s.text)
            default:
                // Numbers, booleans and timestamps as written, when they were plain (a tagged
                // quoted scalar keeps its quotes, so the tag types it again).
                if s.style == .plain, isFlowSafe(s.text) {
                    out += s.text
                } else if node.tag != nil {
                    out += Quoting.yamlDouble(s.text)
                } else {
                    out += YAMLNode.describe(s.value)
                }
            }
        case .sequence(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item, into: &out)
            }
            out += "]"
        case .mapping(let pairs):
            out += "{"
            for (i, p) in pairs.enumerated() {
                if i > 0 { out += ", " }
                if p.key.mapping != nil || p.key.sequence != nil {
                    // A complex key: the explicit form reads back inside a flow mapping.
                    out += "? "
                }
                write(p.key, into: &out)
                out += ": "
                write(p.value, into: &out)
            }
            out += "}"
        }
    }

    /// `!vault` stays local; the standard tags in their short form.
    static func tagText(_ tag: String) -> String {
        if tag.hasPrefix("tag:yaml.org,2002:") { return "!!" + tag.dropFirst("tag:yaml.org,2002:".count) }
        if tag.hasPrefix("!") { return tag }
        return "!<\(tag)>"
    }

    private static func isFlowSafe(_ text: String) -> Bool {
        !text.isEmpty && !text.contains(where: { ",[]{}#\n\r\t\"'".contains($0) }) && !text.contains(": ")
            && text.first != " " && text.last != " " && text.last != ":"
    }

    /// The JSON Ansible (and Pigsty's views) read: tags dropped except `!vault` and `!unsafe`, which
    /// become Ansible's `{"__ansible_vault": …}` / `{"__ansible_unsafe": …}`; keys as strings.
    static func json(_ node: YAMLNode) -> String {
        var out = ""
        writeJSON(node, into: &out)
        return out
    }

    private static func writeJSON(_ node: YAMLNode, into out: inout String) {
        if node.tag == "!vault" || node.tag == "!unsafe", let s = node.scalar {
            out += "{" + Quoting.json(node.tag == "!vault" ? "__ansible_vault" : "__ansible_unsafe") + ": "
                + Quoting.json(s.text) + "}"
            return
        }
        switch node.content {
        case .scalar(let s):
            switch s.value {
            case .null: out += "null"
            case .bool(let b): out += b ? "true" : "false"
            case .int(let i): out += String(i)
            case .bigInt(let digits):
                let body = digits.hasPrefix("-") ? digits.dropFirst() : Substring(digits)
                out += !body.isEmpty && body.allSatisfy(\.isASCII) && body.allSatisfy(\.isNumber) ? digits : Quoting.json(digits)
            case .float(let d):
                if !d.isFinite {
                    out += Quoting.json(YAMLNode.describe(s.value))
                } else if d == d.rounded(), abs(d) < 1e15 {
                    out += String(Int(d)) + ".0"
                } else {
                    out += "\(d)"
                }
            case .string(let str): out += Quoting.json(str)
            case .timestamp(let t): out += Quoting.json(t)
            }
        case .sequence(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                writeJSON(item, into: &out)
            }
            out += "]"
        case .mapping(let pairs):
            out += "{"
            for (i, p) in pairs.enumerated() {
                if i > 0 { out += ", " }
                out += Quoting.json(keyString(p.key))
                out += ": "
                writeJSON(p.value, into: &out)
            }
            out += "}"
        }
    }

    /// A mapping key as the string JSON needs (Python's `str` of a scalar key).
    static func keyString(_ key: YAMLNode) -> String {
        if let s = key.scalar { return YAMLNode.describe(s.value) }
        return flow(key)
    }

    /// Parses a one-line flow text back into a node (nil when it is not one YAML value).
    static func parse(_ text: String) -> YAMLNode? {
        let sink = DiagnosticSink()
        guard let node = YAML.parse(text, path: "<value>", into: sink), !sink.hasErrors else { return nil }
        return node
    }

    // MARK: the dump's style

    /// A scalar or collection on one line in the style of Pigsty's own inventories: strings plain
    /// where they read back as themselves, `{ a: 1, b: x }` and `[ a, b ]` with inner spaces.
    static func pretty(_ node: YAMLNode) -> String {
        var out = ""
        writePretty(node, into: &out)
        return out
    }

    private static func writePretty(_ node: YAMLNode, into out: inout String) {
        switch node.content {
        case .scalar(let s):
            if node.tag == nil, case .string(let str) = s.value {
                out += plainString(str) ?? Quoting.yamlSingleOrDouble(str)
            } else {
                write(node, into: &out)
            }
        case .sequence(let items):
            if node.tag != nil || items.isEmpty { write(node, into: &out); return }
            out += "[ "
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                writePretty(item, into: &out)
            }
            out += " ]"
        case .mapping(let pairs):
            if node.tag != nil || pairs.isEmpty { write(node, into: &out); return }
            out += "{ "
            for (i, p) in pairs.enumerated() {
                if i > 0 { out += ", " }
                if p.key.mapping != nil || p.key.sequence != nil { out += "? " }
                writePretty(p.key, into: &out)
                out += ": "
                writePretty(p.value, into: &out)
            }
            out += " }"
        }
    }

    /// The string itself when YAML 1.1 reads it back, unquoted inside a flow collection, as the same string.
    static func plainString(_ s: String) -> String? {
        guard !s.isEmpty, s != "<<", ScalarResolver.resolvePlain(s) == .string(s) else { return nil }
        if s.unicodeScalars.contains(where: { Quoting.yamlNeedsEscape($0) }) { return nil }
        if s.contains(where: { ",[]{}#&*!|>'\"%@`".contains($0) }) || s.contains(": ") || s.hasSuffix(":") { return nil }
        if s.first == " " || s.last == " " || s.first == "-" || s.first == "?" || s.first == ":" { return nil }
        return s
    }
}

extension Quoting {
    /// Single quotes when the string needs no escape, else double quotes.
    static func yamlSingleOrDouble(_ s: String) -> String {
        if s.unicodeScalars.contains(where: { yamlNeedsEscape($0) }) { return yamlDouble(s) }
        return yamlSingle(s)
    }
}
