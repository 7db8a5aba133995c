import PigstyYAML

/// A YAML value in the order it is written.
public enum PYNode {
    case map([(String, PYNode)])
    case list([PYNode])
    /// Text written as is, typed by the YAML reader (what an unquoted template interpolation gives).
    case raw(String)
    /// A string, quoted when it would otherwise read as something else (`PYAML.scalar`).
    case str(String)
    /// A string always written double-quoted (`PYAML.doubleQuoted`), for files that quote a value
    /// whatever it holds.
    case quoted(String)
    /// A block mapping with comment lines and blank lines between its entries.
    case block([PYEntry])
}

/// One line group of a block mapping: a key and its value, a `# comment` line, or a blank line.
public enum PYEntry {
    case pair(String, PYNode)
    /// Comment lines at the mapping's indent: `# ` and each line of the text.
    case comment(String)
    case blank

    /// `.pair(key, value)`, for building entry lists from key/value tuples.
    public static func entry(_ key: String, _ value: PYNode) -> PYEntry { .pair(key, value) }
}

/// Block-style YAML for `PYNode` trees: the one YAML writer of the project.
///
/// Scalar styles: `.raw` as given; `.str` plain when it reads back as the same string (with the
/// project's reader and YAML 1.1 readers such as PyYAML), else single-quoted, or double-quoted with
/// escapes when it holds a character a single-quoted scalar cannot carry (control characters, line
/// breaks, non-printables); `.quoted` always double-quoted with escapes.
public enum PYAML {
    public static func render(_ pairs: [(String, PYNode)], indent: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        write(pairs.map { PYEntry.pair($0.0, $0.1) }, indent: indent, dash: nil, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A block mapping with comments and blank lines.
    public static func render(_ entries: [PYEntry], indent: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        write(entries, indent: indent, dash: nil, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A whole document: `---` first and `...` last when asked for.
    public static func document(_ entries: [PYEntry], start: Bool = false, end: Bool = false) -> String {
        (start ? "---\n" : "") + render(entries) + (end ? "...\n" : "")
    }

    /// Writes a mapping at `indent`; with `dash`, the first key goes on a list item's dash line
    /// (`dash` spaces, then `- `) and the rest align under it.
    private static func write(_ entries: [PYEntry], indent: Int, dash: Int?, into out: inout [UInt8]) {
        var first = true
        for entry in entries {
            let key: String, value: PYNode
            switch entry {
            case .blank:
                out.append(0x0A)
                continue
            case .comment(let text):
                // One `#` line per line of the text (a line break would otherwise end the comment).
                for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) {
                    if first, let dash { pad(dash, &out); out += "- ".utf8; first = false } else { pad(indent, &out) }
                    out += "#".utf8
                    if !line.isEmpty { out.append(0x20); out += line.utf8 }
                    out.append(0x0A)
                }
                continue
            case .pair(let k, let v):
                key = k
                value = v
            }
            if first, let dash { pad(dash, &out); out.append(0x2D); out.append(0x20) } else { pad(indent, &out) }
            first = false
            appendScalar(key, &out)
            out.append(0x3A)
            switch value {
            case .map(let m):
                if m.isEmpty { out += " {}\n".utf8 } else {
                    out.append(0x0A)
                    write(m.map { PYEntry.pair($0.0, $0.1) }, indent: indent + 2, dash: nil, into: &out)
                }
            case .block(let m):
                if !m.contains(where: { if case .pair = $0 { return true } else { return false } }) {
                    out += " {}\n".utf8
                    write(m, indent: indent + 2, dash: nil, into: &out)
                } else {
                    out.append(0x0A)
                    write(m, indent: indent + 2, dash: nil, into: &out)
                }
            case .list(let items):
                if items.isEmpty { out += " []\n".utf8 } else {
                    out.append(0x0A)
                    for item in items { writeItem(item, indent: indent + 2, into: &out) }
                }
            case .raw(let t):
                if !t.isEmpty { out.append(0x20); out += t.utf8 }
                out.append(0x0A)
            case .str(let s):
                out.append(0x20)
                appendScalar(s, &out)
                out.append(0x0A)
            case .quoted(let s):
                out.append(0x20)
                out += doubleQuoted(s).utf8
                out.append(0x0A)
            }
        }
    }

    private static func writeItem(_ node: PYNode, indent: Int, into out: inout [UInt8]) {
        switch node {
        case .raw(let t):
            pad(indent, &out); out += "- ".utf8; out += t.utf8; out.append(0x0A)
        case .str(let s):
            pad(indent, &out); out += "- ".utf8; appendScalar(s, &out); out.append(0x0A)
        case .quoted(let s):
            pad(indent, &out); out += "- ".utf8; out += doubleQuoted(s).utf8; out.append(0x0A)
        case .list(let items):
            pad(indent, &out); out += "-\n".utf8
            for item in items { writeItem(item, indent: indent + 2, into: &out) }
        case .map(let m):
            if m.isEmpty { pad(indent, &out); out += "- {}\n".utf8; return }
            write(m.map { PYEntry.pair($0.0, $0.1) }, indent: indent + 2, dash: indent, into: &out)
        case .block(let m):
            if !m.contains(where: { if case .pair = $0 { return true } else { return false } }) {
                pad(indent, &out); out += "- {}\n".utf8; return
            }
            write(m, indent: indent + 2, dash: indent, into: &out)
        }
    }

    private static func pad(_ n: Int, _ out: inout [UInt8]) {
        for _ in 0..<n { out.append(0x20) }
    }

    private static func appendScalar(_ s: String, _ out: inout [UInt8]) {
        out += scalar(s).utf8
    }

    /// A string as a YAML scalar: plain when it reads back as the same string, else single-quoted
    /// (double-quoted with escapes when it holds characters a single-quoted scalar cannot carry).
    public static func scalar(_ s: String) -> String {
        if isPlainSafe(s) { return s }
        if s.unicodeScalars.contains(where: needsEscape) { return doubleQuoted(s) }
        return Quoting.yamlSingle(s)
    }

    /// A YAML double-quoted scalar that reads back as exactly `s` (YAML 1.1 and 1.2 readers alike):
    /// `"` and `\` escaped, `\n`, `\r`, `\t`, other C0/C1 controls and DEL as `\xHH`, the Unicode line
    /// and paragraph separators and non-characters as `\uHHHH`. Other text is written as is (UTF-8).
    public static func doubleQuoted(_ s: String) -> String {
        if !s.unicodeScalars.contains(where: { $0 == "\"" || $0 == "\\" || needsEscape($0) }) {
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
                if needsEscape(u) {
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
    static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        return v < 0x20 || (v >= 0x7F && v <= 0x9F) || v == 0x2028 || v == 0x2029 || v == 0xFEFF
            || v == 0xFFFE || v == 0xFFFF
    }

    /// Whether a byte may not start a plain scalar: `-?:,[]{}#&*!|>'"%@`` ` and space.
    private static func isLeadingIndicator(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["),
             UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"),
             UInt8(ascii: "*"), UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"),
             UInt8(ascii: "\""), UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"), UInt8(ascii: " "):
            return true
        default:
            return false
        }
    }

    /// Whether `s` may be written plain: it reads back as the same string. Besides the shape rules
    /// (no leading indicator, no trailing space or `:`, no `: ` or ` #`, nothing to escape), YAML
    /// 1.1's `=` (value) and `<<` (merge) are quoted: PyYAML's safe loader refuses them as values.
    public static func isPlainSafe(_ s: String) -> Bool {
        var text = s
        let shapeOK = text.withUTF8 { b -> Bool in
            guard let first = b.first, let last = b.last else { return false }
            if isLeadingIndicator(first) || last == 0x20 || last == 0x3A { return false }
            // No ": " or " #" inside, no control characters (tabs included).
            var previous: UInt8 = 0
            for c in b {
                if c < 0x20 || c == 0x7F { return false }
                if (previous == 0x3A && c == 0x20) || (previous == 0x20 && c == 0x23) { return false }
                previous = c
            }
            return true
        }
        guard shapeOK, s != "=", s != "<<" else { return false }
        if s.utf8.contains(where: { $0 >= 0x80 }), s.unicodeScalars.contains(where: needsEscape) { return false }
        return ScalarResolver.resolvePlain(s) == .string(s)
    }
}
