/// Writes PostgreSQL configuration files (postgresql.conf syntax: postgresql.auto.conf):
/// `# comments`, blank lines and `name = value` lines.
///
/// **Names and quoting, in one place** (PostgreSQL's `guc-file.l`):
/// - A name is an identifier `[A-Za-z_][A-Za-z0-9_]*`, optionally qualified once
///   (`cron.database_name`); `isName` says whether a name is one. `set` refuses any other name
///   (a precondition: lowering drops such parameters and records them, see `PgParameter`).
/// - A value is written in single quotes with `''` for a quote, `\\` for a backslash (in a quoted
///   value a backslash starts an escape), `\n` for LF and `\r` for CR (a quoted value cannot span
///   lines); PostgreSQL reads that back as exactly the value (what `ALTER SYSTEM` writes, and
///   `postgres -C` shows). NUL cannot be in a setting at all: it is written as `\\0`, which reads
///   back as the two characters `\0` (inert, not reversible). Every other byte is written as it is.
/// - `setBare` writes the value without quotes when it is one unquoted token PostgreSQL reads
///   back unchanged (an identifier, a number, or an unquoted string of letters, digits and
///   `-._:/`), and quoted otherwise: a list such as `a, b` is not one token and is quoted.
public struct PostgresConfWriter: Sendable {
    public private(set) var text: String

    public init(capacity: Int = 0) {
        text = ""
        if capacity > 0 { text.reserveCapacity(capacity) }
    }

    /// `name = 'value'`.
    public mutating func set(_ name: String, _ value: String) {
        precondition(Self.isName(name), "not a PostgreSQL parameter name: \(name)")
        text += name + " = " + Self.quote(value) + "\n"
    }

    /// `name = value`, bare when it is one token read back unchanged, else `name = 'value'`.
    public mutating func setBare(_ name: String, _ value: String) {
        precondition(Self.isName(name), "not a PostgreSQL parameter name: \(name)")
        text += name + " = " + (Self.isBareValue(value) ? value : Self.quote(value)) + "\n"
    }

    /// `# text` (line breaks in the text written as `\n`, `\r`: a comment stays one line).
    public mutating func comment(_ s: String) { text += "# " + LineWriter.escaped(s) + "\n" }

    public mutating func blank() { text += "\n" }

    /// Text the caller vouches for as whole lines (the shared file header).
    public mutating func verbatim(_ s: String) { text += s }

    static func isLetter(_ b: UInt8) -> Bool { (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F }
    static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    /// `ID` or `ID.ID` with `ID = [A-Za-z_][A-Za-z0-9_]*`.
    public static func isName(_ s: String) -> Bool {
        let parts = s.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        return parts.allSatisfy { p in
            guard let first = p.first, isLetter(first) else { return false }
            return p.allSatisfy { isLetter($0) || isDigit($0) }
        }
    }

    /// One unquoted token the lexer reads back as itself: `UNQUOTED_STRING` (a letter, then letters,
    /// digits and `-._:/`; ASCII only here) or a plain number (digits, an optional `.` fraction and
    /// unit letters, e.g. `64MB`, `0.5`, `-1`).
    public static func isBareValue(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first else { return false }
        if isLetter(first) {
            return u.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".")
                || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "/") }
        }
        // INTEGER: sign? digit+ unit-letters?  REAL: sign? digit* . digit+ unit-letters?
        var i = 0
        if u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") { i += 1 }
        let intStart = i
        while i < u.count, isDigit(u[i]) { i += 1 }
        var digits = i - intStart
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let fracStart = i
            while i < u.count, isDigit(u[i]) { i += 1 }
            guard i > fracStart else { return false }
            digits += i - fracStart
        }
        guard digits > 0 else { return false }
        while i < u.count, isLetter(u[i]), u[i] != 0x5F { i += 1 }
        return i == u.count
    }

    /// `'value'` with PostgreSQL's escapes.
    public static func quote(_ s: String) -> String {
        var out = "'"
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "'": out += "''"
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\0": out += "\\\\0"
            default: out.unicodeScalars.append(u)
            }
        }
        return out + "'"
    }
}
