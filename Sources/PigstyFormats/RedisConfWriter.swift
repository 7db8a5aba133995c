/// Writes redis.conf / sentinel.conf text: `# comments`, blank lines and directives, each a name
/// followed by arguments.
///
/// **Quoting, in one place.** Redis splits every config line with `sdssplitargs`: an argument ends
/// at a space, tab, CR, LF or NUL; a `"` or `'` anywhere in an argument starts a quoted part; inside
/// double quotes `\"`, `\\`, `\n`, `\r`, `\t`, `\b`, `\a` and `\xHH` are escapes. An argument is
/// written bare when that reads it back unchanged (not empty, none of those bytes, no quote); any
/// other argument is written in double quotes with `\\`, `\"`, `\n`, `\r`, `\t` and `\xHH` for
/// every other control byte (DEL included), so redis reads back exactly the inventory's text and a
/// value can never end its line or add a directive. Bytes from 0x80 up are written as they are.
public struct RedisConfWriter: Sendable {
    /// One argument of a directive.
    public enum Argument: Sendable, Equatable, ExpressibleByStringLiteral {
        /// Bare when that is safe, else double-quoted.
        case word(String)
        /// Always double-quoted (as Pigsty's template writes some values, e.g. `rename-command`).
        case quoted(String)

        public init(stringLiteral value: String) { self = .word(value) }
    }

    public private(set) var text: String

    public init(capacity: Int = 0) {
        text = ""
        if capacity > 0 { text.reserveCapacity(capacity) }
    }

    /// `name arg1 arg2 …`; every argument bare when safe, else quoted.
    public mutating func directive(_ name: String, _ args: String...) {
        directive(name, args.map(Argument.word))
    }

    /// `name arg1 arg2 …`.
    public mutating func directive(_ name: String, _ args: [Argument]) {
        text += Self.argument(name)
        for a in args {
            text += " "
            switch a {
            case .word(let s): text += Self.argument(s)
            case .quoted(let s): text += Self.quote(s)
            }
        }
        text += "\n"
    }

    /// `# text` (line breaks in the text written as `\n`, `\r`: a comment stays one line).
    public mutating func comment(_ s: String) {
        text += "# " + LineWriter.escaped(s) + "\n"
    }

    public mutating func blank() { text += "\n" }

    /// Text the caller vouches for as whole lines (the shared file header).
    public mutating func verbatim(_ s: String) { text += s }

    /// Whether `sdssplitargs` reads `s` back unchanged as one bare argument.
    public static func isBare(_ s: String) -> Bool {
        !s.isEmpty && !s.utf8.contains { b in
            b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x00 || b == 0x22 || b == 0x27
                || b < 0x20 || b == 0x7F
        }
    }

    /// `s` bare when safe, else quoted.
    public static func argument(_ s: String) -> String { isBare(s) ? s : quote(s) }

    /// `s` in double quotes with redis's escapes.
    public static func quote(_ s: String) -> String {
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + hex(UInt8(u.value))
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    static func hex(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(b >> 4)], digits[Int(b & 0xF)]])
    }
}
