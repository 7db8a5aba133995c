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

    /// A YAML double-quoted scalar: quotes and backslashes escaped, `\n`, `\r`, `\t`, and other
    /// control characters as `\xHH`.
    public static func yamlDouble(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    let hex = String(u.value, radix: 16, uppercase: true)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// No control character, quote or backslash, and no byte that may start U+2028/U+2029.
    private static func needsNoJSONEscape(_ s: String) -> Bool {
        s.utf8.allSatisfy { $0 >= 0x20 && $0 != 0x22 && $0 != 0x5C && $0 != 0xE2 }
    }
}
