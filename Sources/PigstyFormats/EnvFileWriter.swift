/// Writes environment files (`/etc/default/*`) as systemd's `EnvironmentFile=` reads them
/// (systemd.exec(5)) and as `sh` sources them: `# comments`, blank lines and `KEY='value'`.
///
/// **Quoting, in one place.** Every value is written in single quotes. Inside them systemd and the
/// shell both take every byte literally (no `$` expansion, no backslash escapes, a line break is
/// part of the value) up to the next `'`; a `'` in the value is written `'\''` (close, an escaped
/// quote, reopen), which both read back as one `'`. So the variable's value is exactly the text
/// given, a value with a line break stays inside its quotes, and a value can never end its
/// assignment or add a variable. The one byte neither can hold is NUL; it is written as the two
/// characters `\0` (inert, not reversible). Names must be `[A-Za-z_][A-Za-z0-9_]*` (the names are
/// the back ends' own; anything else is a programming error).
public struct EnvFileWriter: Sendable {
    public private(set) var text: String

    public init(capacity: Int = 0) {
        text = ""
        if capacity > 0 { text.reserveCapacity(capacity) }
    }

    /// `NAME='value'`.
    public mutating func set(_ name: String, _ value: String) {
        precondition(Self.isName(name), "environment variable name \(name) is not [A-Za-z_][A-Za-z0-9_]*")
        text += name + "=" + Self.quote(value) + "\n"
    }

    /// `# text` (line breaks in the text written as `\n`, `\r`: a comment stays one line).
    public mutating func comment(_ s: String) { text += "# " + LineWriter.escaped(s) + "\n" }

    public mutating func blank() { text += "\n" }

    /// Text the caller vouches for as whole lines (the shared file header).
    public mutating func verbatim(_ s: String) { text += s }

    public static func isName(_ s: String) -> Bool {
        guard let first = s.utf8.first, !(0x30...0x39).contains(first) else { return false }
        return s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == UInt8(ascii: "_")
        }
    }

    /// `'value'`, each `'` as `'\''`, each NUL as `\0`.
    public static func quote(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == 0x27 || $0 == 0x00 }) else { return "'" + s + "'" }
        var out = "'"
        for u in s.unicodeScalars {
            switch u {
            case "'": out += "'\\''"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "'"
    }
}
