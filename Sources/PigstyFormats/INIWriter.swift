import PigstyYAML
/// Writes INI-style configuration text (pgbouncer's `pgbouncer.ini`, `database.txt`,
/// `useropts.txt`): `[section]` headers, `key = value` lines with the key left-justified to a
/// width, `# comments`, `%include` directives and blank lines.
///
/// Line safety, in one place: the format has no quoting, and pgbouncer reads every line on its
/// own, so a CR or LF inside a key, value, section name, comment or path would start a new line
/// (another setting, section or include). The writer never lets one through: each CR becomes the
/// two characters `\r`, each LF `\n`, and a backslash is kept as it is. The resulting value is
/// not what the inventory said, but it stays on its line, and pgbouncer rejects or ignores it
/// rather than reading injected settings.
public struct INIWriter: Sendable {
    /// Keys are padded with spaces to this many code points (`"%-27s" | format(key)`).
    public let keyWidth: Int
    public private(set) var text: String

    public init(keyWidth: Int = 0, text: String = "", capacity: Int = 0) {
        self.keyWidth = keyWidth
        self.text = text
        if capacity > 0 { self.text.reserveCapacity(capacity) }
    }

    public mutating func blank() { text += "\n" }

    /// `[name]`.
    public mutating func section(_ name: String) { line("[" + Self.escape(name) + "]") }

    /// `# text`.
    public mutating func comment(_ comment: String) { line("# " + Self.escape(comment)) }

    /// `%include path`.
    public mutating func include(_ path: String) { line("%include " + Self.escape(path)) }

    /// `key = value`, the key padded to `keyWidth`.
    public mutating func set(_ key: String, _ value: String) {
        let k = Self.escape(key)
        text += k
        // Pad to `keyWidth` code points (the UTF-8 bytes that do not continue a sequence).
        var n = 0
        for b in k.utf8 where b & 0xC0 != 0x80 { n += 1 }
        if n < keyWidth { for _ in n..<keyWidth { text.append(" ") } }
        text += " = "
        text += Self.escape(value)
        text.append("\n")
    }

    private mutating func line(_ s: String) {
        text += s
        text += "\n"
    }

    /// CR and LF as `\r` and `\n`; every other character as it is.
    public static func escape(_ s: String) -> String {
        guard ByteSearch.anyByte(s, { $0 == 0x0A || $0 == 0x0D }) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Left-justified to `width` code points, as Python's `%-Ns` (longer text is kept whole).
    public static func pad(_ s: String, _ width: Int) -> String { LineWriter.pad(s, width) }
}
