/// Quoting values for bash / POSIX shell lines: the one place a value becomes shell text (the
/// nginx certificate scripts, the commands `pigstyc ship` runs or prints).
///
/// Every value reaching a shell line goes through `single` (directly or through `dq`/`word`), and
/// every value reaching a `#` comment through `comment`; the result is always exactly one word on
/// one line, whatever the value holds.
public enum Shell {
    /// Whether `s` needs no protection inside double quotes: no `"`, `$`, `` ` ``, `\`, `!` and no
    /// control character.
    public static func plainInDoubleQuotes(_ s: String) -> Bool {
        !s.unicodeScalars.contains { isControl($0) || "\"$`\\!".unicodeScalars.contains($0) }
    }

    /// `"s"` when nothing in `s` is special inside double quotes, else `single(s)`.
    public static func dq(_ s: String) -> String { plainInDoubleQuotes(s) ? "\"\(s)\"" : single(s) }

    /// Text that, written between single quotes, stands for `s`: `s` itself when it holds no
    /// `'` and no control character, else the quote closed, `single(s)`, and the quote reopened.
    /// For values inside a single-quoted script fragment (an alias body).
    public static func insideSingleQuotes(_ s: String) -> String {
        s.unicodeScalars.contains { $0 == "'" || isControl($0) } ? "'" + single(s) + "'" : s
    }

    /// Text that, written between double quotes, stands for `s`: `s` itself when nothing in it
    /// is special there (`plainInDoubleQuotes`), else the quote closed, `single(s)`, and the
    /// quote reopened.
    public static func insideDoubleQuotes(_ s: String) -> String {
        plainInDoubleQuotes(s) ? s : "\"" + single(s) + "\""
    }

    /// `s` bare when it is one plain word (letters, digits, `_.@%+=:,/-`), else `single(s)`.
    public static func word(_ s: String) -> String {
        let plain = !s.isEmpty && s.unicodeScalars.allSatisfy {
            ($0.value >= 48 && $0.value <= 57) || ($0.value >= 65 && $0.value <= 90) || ($0.value >= 97 && $0.value <= 122)
                || "_.@%+=:,/-".unicodeScalars.contains($0)
        }
        return plain ? s : single(s)
    }

    /// `'s'`, a `'` inside written as `'\''` (POSIX); with a control character (a line break would
    /// start a new line of the script) bash's `$'…'` with every control character escaped.
    public static func single(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else {
            return "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        }
        var out = "$'"
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if isControl(u) {
                    let hex = String(u.value, radix: 16)
                    out += u.value < 0x80 ? "\\x" + String(repeating: "0", count: 2 - hex.count) + hex
                        : "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "'"
    }

    /// Control characters, line separators included (each would break or start a line).
    public static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (u.value >= 0x7F && u.value <= 0x9F) || u.value == 0x2028 || u.value == 0x2029
    }

    /// Text for a `#` comment: line breaks and control characters become spaces.
    public static func comment(_ s: String) -> String {
        String(String.UnicodeScalarView(s.unicodeScalars.map { isControl($0) ? " " : $0 }))
    }
}
