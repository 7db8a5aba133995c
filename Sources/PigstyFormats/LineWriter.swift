import PigstyYAML
/// A writer for line-oriented configuration formats (pg_hba.conf, pgb_hba.conf, haproxy.cfg, nginx
/// (NginxSyntax.swift: directives, blocks, argument quoting), dnsmasq.conf and hosts records,
/// environment files, shell scripts with `Shell` quoting): lines, indentation, padded columns,
/// comments.
///
/// **One line stays one line.** A value holding a line break (LF, CR) or a NUL would inject a line
/// (or end the file early for C parsers) in every one of these formats, and none of them has a
/// quoting rule for it. The writer does not reject such text (renderers have no error path; the
/// inventory checker is where bad values are reported): it *escapes* it. Every `line`/`comment`
/// written through the writer has each LF replaced by the two characters `\n`, each CR by `\r`
/// and each NUL by `\0`; nothing else is changed (a backslash already in the text stays as it is,
/// so the escape is for containment and visibility, not reversible). Text without those three
/// bytes is written byte for byte.
///
/// Padding is Python's `"%-Ns" % s` (what Pigsty's templates use): left-justified to N code points,
/// never truncated.
public struct LineWriter: Sendable {
    public private(set) var text: String
    /// Written before every `line` and `comment` (not before blank lines).
    public var indent: String

    public init(capacity: Int = 0, indent: String = "") {
        text = ""
        if capacity > 0 { text.reserveCapacity(capacity) }
        self.indent = indent
    }

    /// One line: the indent, the text (line breaks escaped), a newline.
    public mutating func line(_ s: String) {
        if !indent.isEmpty { text += indent }
        if Self.breaksLine(s) { text += Self.escaped(s) } else { text += s }
        text.append("\n")
    }

    /// A comment line: the indent, `marker`, a space, the text.
    public mutating func comment(_ s: String, marker: String = "#") {
        if !indent.isEmpty { text += indent }
        text += marker
        if !s.isEmpty {
            text.append(" ")
            if Self.breaksLine(s) { text += Self.escaped(s) } else { text += s }
        }
        text.append("\n")
    }

    /// An empty line (no indent).
    public mutating func blank() { text += "\n" }

    /// Lines another writer produced (shared, memoised fragments).
    public mutating func append(_ other: LineWriter) { text += other.text }

    /// Text the caller vouches for as whole lines: the shared file header, fragments rendered once.
    public mutating func verbatim(_ s: String) { text += s }

    /// Whether `s` holds a byte that would break a line: LF, CR or NUL.
    public static func breaksLine(_ s: String) -> Bool {
        ByteSearch.anyByte(s) { $0 == 0x0A || $0 == 0x0D || $0 == 0x00 }
    }

    /// `s` with LF, CR and NUL written as `\n`, `\r`, `\0`.
    public static func escaped(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            switch u {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\0": out += "\\0"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// `"%-Ns" % s`: `s` left-justified to `width` code points (unchanged when already as wide).
    public static func pad(_ s: String, _ width: Int) -> String {
        // Code points are the UTF-8 bytes that do not continue a sequence.
        var n = 0
        for b in s.utf8 where b & 0xC0 != 0x80 { n += 1 }
        guard n < width else { return s }
        var out = s
        out.reserveCapacity(s.utf8.count + width - n)
        for _ in n..<width { out.append(" ") }
        return out
    }
}

// MARK: - Constant text, unterminated lines, indentation

extension LineWriter {
    /// Constant lines (a literal: no value can reach them), each written with the current indent;
    /// an empty line is a blank line. A final newline in `s` does not add a blank line.
    public mutating func lines(_ s: StaticString) {
        let text = s.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
        var parts = text.split(separator: "\n", omittingEmptySubsequences: false)
        if parts.last == "" { parts.removeLast() }
        for p in parts { if p.isEmpty { blank() } else { line(String(p)) } }
    }

    /// A last line without its newline (files Pigsty writes from a string that has none). Line
    /// breaks are escaped as in `line`.
    public mutating func unterminatedLine(_ s: String) {
        text += indent
        if Self.breaksLine(s) { text += Self.escaped(s) } else { text += s }
    }

    /// `body` written with `step` added to the indent.
    public mutating func indented(by step: String = "    ", _ body: (inout LineWriter) -> Void) {
        let saved = indent
        indent += step
        body(&self)
        indent = saved
    }
}

// MARK: - Hosts files and key=value settings (dnsmasq)

extension LineWriter {
    /// A hosts-format record: `address name…`, one space apart.
    ///
    /// The hosts format has no quoting: a name holding whitespace or `#` would add a name or start
    /// a comment. Such names are the inventory checker's to reject; the writer only keeps the
    /// record on one line (line breaks escaped).
    public mutating func hostsRecord(_ address: String, _ names: String...) {
        line(([address] + names).joined(separator: " "))
    }

    /// The same record without the final newline (Pigsty writes some record files that way).
    public mutating func unterminatedHostsRecord(_ address: String, _ names: String...) {
        unterminatedLine(([address] + names).joined(separator: " "))
    }

    /// A dnsmasq option `key=value[,value…]`, each value through `Dnsmasq.value`.
    public mutating func dnsmasqOption(_ key: String, _ values: String...) {
        line(key + "=" + values.map(Dnsmasq.value).joined(separator: ","))
    }
}

/// dnsmasq.conf values.
public enum Dnsmasq {
    /// `s` bare when dnsmasq reads it back unchanged, else double-quoted with `\`, `"` and control
    /// characters escaped (dnsmasq's `\\ \" \t \n \r \e \b` escapes). Quoting is needed for
    /// whitespace, `#` (a comment after whitespace), `"`, `\` and `,` (a list separator, hidden
    /// inside quotes), and for an empty value.
    public static func value(_ s: String) -> String {
        let special = s.isEmpty || ByteSearch.anyByte(s) { b in
            switch b {
            case 0..<0x21, 0x7F, 0x23, 0x22, 0x5C, 0x2C: return true
            default: return false
            }
        }
        guard special else { return s }
        var out = "\""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{1B}": out += "\\e"
            case "\u{08}": out += "\\b"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "\""
    }
}

// MARK: - Environment files

extension LineWriter {
    /// `NAME="value"` for an environment file read by systemd (`EnvironmentFile=`) or sourced by a
    /// shell: `\`, `"`, `$` and `` ` `` are escaped with `\`, which both read back as the character.
    public mutating func environment(_ name: String, _ value: String) {
        var out = name + "=\""
        for u in value.unicodeScalars {
            if "\\\"$`".unicodeScalars.contains(u) { out += "\\" }
            out.unicodeScalars.append(u)
        }
        line(out + "\"")
    }
}
