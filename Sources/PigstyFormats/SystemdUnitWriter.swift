/// Writes systemd unit files (systemd.syntax(7), systemd.unit(5), systemd.service(5)): `[Section]`
/// headers, `Key=Value` settings, `#` comments and blank lines.
///
/// **Escaping, in one place.** systemd reads a setting's value in up to three passes, and each
/// value kind here undoes exactly the passes its settings make:
///
/// - every line: a line ending in an unpaired `\` continues on the next one. A value that ends in
///   a backslash gets one blank after it: the backslash is then not the line's last character
///   (no continuation), and systemd strips the trailing blank again.
/// - **specifiers** (`%n`, `%h`, …) are expanded in nearly every setting: each `%` of a value is
///   written `%%`.
/// - **text** (`Description=`, `User=`, `WorkingDirectory=`, `PIDFile=`, …): systemd takes the rest
///   of the line literally after that, blanks at either end stripped. So a text value is its bytes
///   with `%` doubled (and the blank above); blanks at its ends are lost (systemd strips them).
/// - **command lines** (`ExecStart=`, …): split at blanks into words; a word in double quotes may
///   hold blanks, with C escapes (`\\`, `\"`, `\xNN`) inside; `$NAME`/`${NAME}` are replaced from
///   the environment when the command runs (`$$` is a `$`); a bare `;` separates commands and
///   a leading `-`, `@`, `:`, `+`, `!` on the first word is a prefix. A `.value` argument (an
///   inventory value) is therefore always exactly one argument: `$` doubled, and double-quoted
///   with `\` and `"` escaped whenever it holds anything but plain path characters.
///   `.raw` words are the caller's own syntax (`${PGDATA}`, `$MAINPID`, `-D`); `.executable` is a
///   program path from a value (no `$` replacement there).
/// - **environment assignments** (`Environment=`): words as above but without `$` replacement;
///   an assignment is quoted as one word when its value needs it.
///
/// Control characters cannot be said in text settings; `check` rejects them in string values
/// (PGS0315). Here they are written as `\xNN` inside quotes (command lines, environment) and
/// replaced by `?` in text (inert, not reversible), so a value can never start a line.
public struct SystemdUnitWriter: Sendable {
    public private(set) var text: String
    private var sections = 0

    public init(capacity: Int = 0) {
        text = ""
        if capacity > 0 { text.reserveCapacity(capacity) }
    }

    /// `[Name]`, after a blank line unless it is the first section.
    public mutating func section(_ name: String) {
        precondition(Self.isKey(name), "section name \(name) is not a systemd section name")
        if sections > 0 { text += "\n" }
        sections += 1
        text += "[" + name + "]\n"
    }

    /// `Key=text` (a text setting; see the type's notes).
    public mutating func set(_ key: String, _ value: String) { line(key, Self.text(value)) }

    /// `Key=value` with a value of the caller's own, written as is (`CPUQuota=10%`, where `%` is no
    /// specifier).
    public mutating func fixed(_ key: String, _ value: String) { line(key, value) }

    /// `Key=word word …` (a command line).
    public mutating func command(_ key: String, _ words: [SystemdArg]) {
        line(key, words.map(Self.word).joined(separator: " "))
    }

    /// `Key=NAME=value …` (environment assignments, `Environment=`).
    public mutating func environment(_ key: String, _ assignments: [(name: String, value: String)]) {
        line(key, assignments.map { a in
            precondition(EnvFileWriter.isName(a.name), "environment variable name \(a.name) is not [A-Za-z_][A-Za-z0-9_]*")
            return Self.envWord(a.name + "=" + a.value)
        }.joined(separator: " "))
    }

    /// `# text`: line breaks written as `\n`, a trailing backslash kept from continuing the line.
    public mutating func comment(_ s: String) { text += Self.endLine("# " + LineWriter.escaped(s)) }

    public mutating func blank() { text += "\n" }

    /// Text the caller vouches for as whole lines (the shared file header).
    public mutating func verbatim(_ s: String) { text += s }

    private mutating func line(_ key: String, _ value: String) {
        precondition(Self.isKey(key), "setting name \(key) is not a systemd setting name")
        text += Self.endLine(key + "=" + value)
    }

    // MARK: escaping

    /// Setting and section names are the back ends' own: letters, digits, `-`, `_`, `.`.
    static func isKey(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
                || b == UInt8(ascii: "-") || b == UInt8(ascii: "_") || b == UInt8(ascii: ".")
        }
    }

    /// The line with its newline; a blank after an unpaired trailing backslash (no continuation).
    static func endLine(_ s: String) -> String {
        var trailing = 0
        for b in s.utf8.reversed() {
            guard b == UInt8(ascii: "\\") else { break }
            trailing += 1
        }
        return s + (trailing % 2 == 1 ? " \n" : "\n")
    }

    /// A text setting's value: `%` doubled, control characters as `?`.
    public static func text(_ s: String) -> String {
        guard s.utf8.contains(where: { $0 == UInt8(ascii: "%") || $0 < 0x20 || $0 == 0x7F }) else { return s }
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "%": out += "%%"
            case _ where u.value < 0x20 || u.value == 0x7F: out += "?"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Bytes a word may hold without quotes: letters, digits and `/ . _ - + = : , @`.
    static func isPlain(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A)
            || [UInt8(ascii: "/"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "+"),
                UInt8(ascii: "="), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "@")].contains(b) || b >= 0x80
    }

    /// One command-line word.
    public static func word(_ a: SystemdArg) -> String {
        switch a {
        case .raw(let s): return s
        case .value(let s): return quoted(s, dollars: true)
        case .executable(let s): return quoted(s, dollars: false)
        }
    }

    /// One `Environment=` word: bare when plain, else double-quoted.
    static func envWord(_ s: String) -> String { quoted(s, dollars: false) }

    /// `s` as one word: `%` doubled, `$` doubled when `dollars`; bare when every byte is plain
    /// (and the first is no command prefix), else in double quotes with `\`, `"` and control
    /// characters escaped.
    static func quoted(_ s: String, dollars: Bool) -> String {
        let prefix: Set<UInt8> = [UInt8(ascii: "-"), UInt8(ascii: "@"), UInt8(ascii: ":"), UInt8(ascii: "+"), UInt8(ascii: "!")]
        let bare = !s.isEmpty && s.utf8.allSatisfy(isPlain) && !prefix.contains(s.utf8.first!)
        var out = bare ? "" : "\""
        for u in s.unicodeScalars {
            switch u {
            case "%": out += "%%"
            case "$" where dollars: out += "$$"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case _ where u.value < 0x20 || u.value == 0x7F:
                let hex = String(u.value, radix: 16)
                out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
            default: out.unicodeScalars.append(u)
            }
        }
        return bare ? out : out + "\""
    }
}

/// A word of a systemd command line.
public enum SystemdArg: Sendable, Equatable {
    /// The caller's own syntax, written as is (`-D`, `${PGDATA}`, `$MAINPID`).
    case raw(String)
    /// A value (from the inventory): exactly one argument, nothing expanded.
    case value(String)
    /// The program's path (the first word) from a value: one word, `%` doubled. systemd does not
    /// replace variables in it (so `$` stays) and refuses a path with quotes or backslashes
    /// ("special characters"): `check` rejects those in `pg_bin_dir` (PGS0901).
    case executable(String)
}
