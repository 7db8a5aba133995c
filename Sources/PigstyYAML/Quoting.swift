/// String literals for the text formats pigstyc writes, in one place.
public enum Quoting {
    /// Appends `json(s)` to `out` (without building the quoted string first when nothing needs escaping).
    public static func appendJSON(_ s: String, to out: inout String) {
        if needsNoJSONEscape(s) {
            out += "\""
            out += s
            out += "\""
        } else {
            out += json(s)
        }
    }

    /// A YAML single-quoted scalar: `'…'` with `'` doubled (for text without control characters).
    public static func yamlSingle(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "'")) else { return "'" + s + "'" }
        var out = "'"
        for c in s.unicodeScalars {
            if c == "'" { out += "''" } else { out.unicodeScalars.append(c) }
        }
        return out + "'"
    }

    /// A JSON string literal (RFC 8259): quotes, backslashes and control characters escaped;
    /// U+2028/U+2029 escaped too so the text is also a valid JavaScript literal.
    public static func json(_ s: String) -> String {
        // Most strings need no escape at all.
        if needsNoJSONEscape(s) { return "\"" + s + "\"" }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 || u.value == 0x2028 || u.value == 0x2029 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// A YAML double-quoted scalar (the one double-quoting rule of every YAML file pigstyc writes):
    /// quotes and backslashes escaped, `\n`, `\r`, `\t`, other control characters (C0, DEL, C1),
    /// line and paragraph separators, the BOM and non-characters as `\xHH`/`\uHHHH`.
    public static func yamlDouble(_ s: String) -> String {
        if !s.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || yamlNeedsEscape($0) }) {
            return "\"" + s + "\""
        }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if yamlNeedsEscape(u) {
                    let wide = u.value > 0xFF
                    let hex = String(u.value, radix: 16, uppercase: true)
                    let width = wide ? 4 : 2
                    out += (wide ? "\\u" : "\\x") + String(repeating: "0", count: max(0, width - hex.count)) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// Characters that must be escaped inside a scalar: C0 controls (tab included), DEL, C1 controls
    /// (NEL is a line break in YAML 1.1; the rest are not printable), U+2028/U+2029 (line breaks in
    /// YAML 1.1), the BOM and U+FFFE/U+FFFF (not printable).
    public static func yamlNeedsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF
            || v == 0xFFFE || v == 0xFFFF
    }

    /// No control character, quote or backslash, and no byte that may start U+2028/U+2029.
    private static func needsNoJSONEscape(_ s: String) -> Bool {
        s.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 != 0xE2 }
    }
}
