import PigstyYAML

/// nginx configuration syntax: directives `name arg…;` and blocks `name arg… { … }` written
/// through a `LineWriter`, every argument quoted when nginx would otherwise read it differently.
///
/// How nginx reads a token (ngx_conf_read_token): whitespace (space, tab, CR, LF), `;` and `{`
/// end an unquoted token; at the start of a token `}` closes a block, `#` starts a comment and
/// `"`/`'` start a quoted string; `\` escapes the next character anywhere. Inside double quotes
/// `\"`, `\\` are literal and `\t`, `\r`, `\n` are the control characters, so any text can be
/// one argument. The exception is `$`: nginx expands `$name` and `${name}` in arguments of
/// directives that take variables, quoted or not, and has no escape for it. A `$` in an
/// inventory value is the checker's to reject; the writer cannot keep it literal.
public enum Nginx {
    /// Whether `s` must be quoted to be read back as one argument holding exactly `s`.
    public static func needsQuotes(_ s: String) -> Bool {
        guard let first = s.utf8.first else { return true }
        if first == UInt8(ascii: "#") || first == UInt8(ascii: "}") { return true }
        // Every byte that matters is ASCII, so the UTF-8 bytes are checked directly.
        return ByteSearch.anyByte(s) { b in
            switch b {
            case 0..<0x20, 0x7F, 0x20, 0x3B, 0x7B, 0x7D, 0x22, 0x27, 0x5C: return true
            default: return false
            }
        }
    }

    /// `s` bare when it is a plain token, else `quoted(s)`.
    public static func word(_ s: String) -> String { needsQuotes(s) ? quoted(s) : s }

    /// `"s"` with `\` and `"` escaped and tab, LF, CR written `\t`, `\n`, `\r` (the string stays
    /// on one line and reads back as `s`).
    public static func quoted(_ s: String) -> String {
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

/// One argument of an nginx directive, rendered: a string literal or interpolation is quoted when
/// it needs it (`Nginx.word`); `.quoted` always quotes.
public struct NginxArg: Sendable, Equatable, ExpressibleByStringLiteral, ExpressibleByStringInterpolation {
    /// The argument as it appears in the file.
    public let token: String

    init(token: String) { self.token = token }
    public init(stringLiteral value: String) { token = Nginx.word(value) }
    public init(stringInterpolation: DefaultStringInterpolation) {
        token = Nginx.word(String(stringInterpolation: stringInterpolation))
    }

    /// `s` as one argument, quoted only when it must be.
    public static func word(_ s: String) -> NginxArg { NginxArg(token: Nginx.word(s)) }
    /// `s` double-quoted whatever it holds.
    public static func quoted(_ s: String) -> NginxArg { NginxArg(token: Nginx.quoted(s)) }
}

extension LineWriter {
    /// `name` and its arguments: `name arg arg`; with `pad`, the name left-justified to `pad`
    /// code points before the space (nginx.conf's aligned columns).
    static func nginxHead(_ name: String, _ args: [NginxArg], pad width: Int) -> String {
        var out = width > 0 ? LineWriter.pad(name, width) : name
        for a in args { out += " " + a.token }
        return out
    }

    /// A directive line: `name arg…;`.
    public mutating func directive(_ name: String, _ args: [NginxArg], pad width: Int = 0) {
        line(Self.nginxHead(name, args, pad: width) + ";")
    }

    /// A directive line: `name arg…;`.
    public mutating func directive(_ name: String, _ args: NginxArg..., pad width: Int = 0) {
        directive(name, args, pad: width)
    }

    /// A block: `name arg… {`, `body` indented four spaces, `}`.
    public mutating func block(_ name: String, _ args: [NginxArg], _ body: (inout LineWriter) -> Void) {
        line(Self.nginxHead(name, args, pad: 0) + " {")
        indented(body)
        line("}")
    }

    /// A block: `name arg… {`, `body` indented four spaces, `}`.
    public mutating func block(_ name: String, _ args: NginxArg..., body: (inout LineWriter) -> Void) {
        block(name, args, body)
    }
}
