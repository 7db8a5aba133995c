/// Quoting values for PostgreSQL SQL scripts: the one place an inventory value becomes SQL text
/// (the provisioning scripts under `/pg/tmp`). The rules assume `standard_conforming_strings = on`
/// (PostgreSQL's default since 9.1): inside `'…'` a backslash is an ordinary character.
///
/// Every result stays on one line: a value holding a line break or another control character is
/// written with escapes (`E'…'` for literals, `U&"…"` for identifiers), so no value can end a
/// statement, open a new one, or start a line of the script.
public enum SQL {
    /// `"s"`, each `"` doubled; with a control character `U&"…"` with `\XXXX` escapes (a
    /// backslash doubled). Always an identifier that means exactly `s`.
    public static func ident(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: Shell.isControl) else {
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        var out = "U&\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\"\""
            case "\\": out += "\\\\"
            default:
                if Shell.isControl(u) { out += unicodeEscape(u) } else { out.unicodeScalars.append(u) }
            }
        }
        return out + "\""
    }

    /// `s` bare when PostgreSQL reads it as itself unquoted (lower-case letters, digits, `_`, `$`,
    /// not starting with a digit or `$`, at most 63 bytes, no keyword that could mean something
    /// else in a role or object position), else `ident(s)`.
    public static func name(_ s: String) -> String { isPlainName(s) ? s : ident(s) }

    /// Whether `s` can stand unquoted as an identifier meaning exactly itself.
    public static func isPlainName(_ s: String) -> Bool {
        guard let first = s.utf8.first, s.utf8.count <= 63, (first >= 0x61 && first <= 0x7A) || first == 0x5F else { return false }
        let plain = s.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x24 }
        return plain && !keywords.contains(s)
    }

    /// `'s'`, each `'` doubled; with a control character `E'…'` with `\\`, `\'`-free `''`, `\n`,
    /// `\r`, `\t` and `\xHH`/`\uXXXX` escapes. Always a string constant that means exactly `s`.
    public static func literal(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: Shell.isControl) else {
            return "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        }
        var out = "E'"
        for u in s.unicodeScalars {
            switch u {
            case "'": out += "''"
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if Shell.isControl(u) {
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

    /// `$tag$s$tag$`: a dollar-quoted constant for a body (a program for file_fdw), `$$` when `s`
    /// holds no `$$` and does not end with `$`, else the first `$qN$` tag `s` does not contain.
    /// Nothing in `s` is interpreted; a control character is kept (dollar quoting has no escapes),
    /// so callers pass only one-line text.
    public static func dollarQuoted(_ s: String) -> String {
        if !s.contains("$$"), !s.hasSuffix("$") { return "$$" + s + "$$" }
        var n = 0
        while s.contains("$q\(n)$") { n += 1 }
        return "$q\(n)$" + s + "$q\(n)$"
    }

    /// Text for a `--` comment: line breaks and control characters become spaces.
    public static func comment(_ s: String) -> String { Shell.comment(s) }

    private static func unicodeEscape(_ u: Unicode.Scalar) -> String {
        let hex = String(u.value, radix: 16)
        return u.value <= 0xFFFF ? "\\" + String(repeating: "0", count: 4 - hex.count) + hex
            : "\\+" + String(repeating: "0", count: 6 - hex.count) + hex
    }

    /// PostgreSQL's keywords that are not unreserved (reserved, column-name and type/function-name
    /// keywords of PostgreSQL 15 to 18), and the role names with a special meaning (`public`,
    /// `none`): written quoted wherever an identifier stands.
    static let keywords: Set<String> = Set("""
    all analyse analyze and any array as asc asymmetric authorization between bigint binary bit boolean both case cast
    char character check coalesce collate collation column concurrently constraint create cross current_catalog
    current_date current_role current_schema current_time current_timestamp current_user dec decimal default
    deferrable desc distinct do else end except exists extract false fetch float for foreign freeze from full grant
    greatest group grouping having ilike in initially inner inout int integer intersect interval into is isnull join
    json json_array json_arrayagg json_exists json_object json_objectagg json_query json_scalar json_serialize
    json_table json_value lateral leading least left like limit localtime localtimestamp merge_action national
    natural nchar none normalize not notnull null nullif numeric offset on only or order out outer overlaps overlay
    placing position precision primary public real references returning right row select session_user setof similar
    smallint some substring symmetric system_user table tablesample then time timestamp to trailing treat trim true
    union unique user using values varchar variadic verbose when where window with xmlattributes xmlconcat
    xmlelement xmlexists xmlforest xmlnamespaces xmlparse xmlpi xmlroot xmlserialize xmltable
    """.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
}
