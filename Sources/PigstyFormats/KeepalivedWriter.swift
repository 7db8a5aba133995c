/// Writes keepalived.conf text: blocks (`keyword args {` … `}`), keyword lines and bare value
/// lines inside blocks, indented two spaces per level.
///
/// **Tokens, in one place.** keepalived splits a line into whitespace-separated tokens; `{` and
/// `}` are tokens of their own, `#` or `!` starts a comment, and `"…"` makes one token of
/// everything up to the next `"`: spaces, `#`, `!`, braces and backslashes included, with *no*
/// escapes (keepalived 2.2: `"a\"b"` is an unmatched quote). So a value is written bare when it
/// holds only `[A-Za-z0-9._:/@%+,=-]`, and in double quotes otherwise. What a quoted token cannot
/// hold is made inert rather than written: a `"` becomes the four characters `\x22`, a LF `\n`, a
/// CR `\r`, a NUL `\0`, any other control byte (DEL too) `\xHH`. Such a value is then not the
/// inventory's text, but it stays one token on its line: it can never add a line, a keyword or a
/// block (keepalived rejects the odd interface or password instead). An empty value is `""`.
public struct KeepalivedWriter: Sendable {
    public private(set) var text: String
    /// Open blocks; each indents its content two spaces.
    public private(set) var depth = 0

    public init(capacity: Int = 0) {
        text = ""
        if capacity > 0 { text.reserveCapacity(capacity) }
    }

    /// `keyword arg … {`, then deeper.
    public mutating func open(_ keyword: String, _ args: String...) {
        line(([Self.token(keyword)] + args.map(Self.token) + ["{"]).joined(separator: " "))
        depth += 1
    }

    /// `}` closing the innermost block.
    public mutating func close() {
        precondition(depth > 0, "KeepalivedWriter.close without open")
        depth -= 1
        line("}")
    }

    /// `keyword arg …`.
    public mutating func keyword(_ keyword: String, _ args: String...) {
        line(([Self.token(keyword)] + args.map(Self.token)).joined(separator: " "))
    }

    /// A value on its own line inside a block (a peer, a virtual address).
    public mutating func value(_ v: String) { line(Self.token(v)) }

    /// An empty line (no indent).
    public mutating func blank() { text += "\n" }

    /// Text the caller vouches for as whole lines (the shared file header).
    public mutating func verbatim(_ s: String) { text += s }

    private mutating func line(_ s: String) {
        text += String(repeating: "  ", count: depth)
        text += s
        text += "\n"
    }

    /// Whether `s` is read back as itself, one token, without quotes.
    public static func isBare(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: ".") || b == UInt8(ascii: "_") || b == UInt8(ascii: ":") || b == UInt8(ascii: "/")
                || b == UInt8(ascii: "@") || b == UInt8(ascii: "%") || b == UInt8(ascii: "+") || b == UInt8(ascii: ",")
                || b == UInt8(ascii: "=") || b == UInt8(ascii: "-")
        }
    }

    /// `s` as one token: bare when safe, else quoted with what quotes cannot hold made inert.
    public static func token(_ s: String) -> String {
        if isBare(s) { return s }
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\x22"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default:
                if u.value < 0x20 || u.value == 0x7F {
                    out += "\\x" + RedisConfWriter.hex(UInt8(u.value))
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }
}
