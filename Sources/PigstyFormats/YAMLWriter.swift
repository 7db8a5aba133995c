import PigstyYAML

/// A YAML value in the order it is written.
public enum PYNode {
    case map([(String, PYNode)])
    case list([PYNode])
    /// Text written as is, typed by the YAML reader (what an unquoted template interpolation gives:
    /// `5432` reads as a number, `true` as a boolean). Text that would not stay one plain scalar
    /// there (a line break, `: `, ` #`, a leading indicator such as `[`, `*` or `|`) is written as a
    /// quoted string instead, so a value can never add keys or structure (`PYAML.raw`).
    case raw(String)
    /// A string, quoted when it would otherwise read as something else (`PYAML.scalar`; inside a
    /// flow collection also when it holds a flow indicator `,[]{}`).
    case str(String)
    /// A string always written double-quoted (`PYAML.doubleQuoted`), for files that quote a value
    /// whatever it holds.
    case quoted(String)
    /// A string always quoted: single-quoted (`'` doubled), or double-quoted with escapes when it
    /// holds a character a single-quoted scalar cannot carry (`PYAML.singleQuoted`).
    case single(String)
    /// A block mapping with comment lines and blank lines between its entries.
    case block([PYEntry])
    /// A block sequence with comment lines and blank lines between its items.
    case items([PYItem])
    /// A flow mapping on one line: `{ k: v, … }` when `padded`, else `{k: v, …}`; `{}` when empty.
    case flowMap([PYFlowPair], padded: Bool)
    /// A flow sequence on one line: `[ a, … ]` when `padded`, else `[a, …]`; `[]` when empty.
    case flowList([PYNode], padded: Bool)
    /// A string as a literal block scalar (`|`, `|-` or `|+` after its key or dash, the lines
    /// below, indented), for program text such as a VRL source. Text a literal block cannot carry
    /// as is (empty, only line breaks, a carriage return or another character that must be
    /// escaped) is written double-quoted instead; on one line (a root or inside a flow
    /// collection) it is always double-quoted.
    case literal(String)
}

/// One line group of a block mapping: a key and its value, a `# comment` line, or a blank line.
public enum PYEntry {
    case pair(String, PYNode)
    /// A pair laid out as `style` says (value column, trailing comment).
    case styled(String, PYNode, PYPairStyle)
    /// Comment lines at the mapping's indent: `# ` and each line of the text.
    case comment(String)
    case blank

    /// `.pair(key, value)`, for building entry lists from key/value tuples.
    public static func entry(_ key: String, _ value: PYNode) -> PYEntry { .pair(key, value) }
}

/// The layout of one block-mapping pair.
public struct PYPairStyle {
    /// The column, counted from the key's first character, where an inline value starts (at least
    /// one space after the colon): aligns the values of neighbouring keys.
    public var valueColumn: Int
    /// A `# comment` after the key line (after the value when it is inline), line breaks as spaces.
    public var comment: String?
    /// The column, counted from the key's first character, where the comment starts (at least one
    /// space after the text before it).
    public var commentColumn: Int

    public init(valueColumn: Int = 0, comment: String? = nil, commentColumn: Int = 0) {
        self.valueColumn = valueColumn
        self.comment = comment
        self.commentColumn = commentColumn
    }

    /// Values aligned at `column`.
    public static func aligned(_ column: Int) -> PYPairStyle { PYPairStyle(valueColumn: column) }
    /// A trailing `# text` at `column`.
    public static func comment(_ text: String, at column: Int) -> PYPairStyle {
        PYPairStyle(comment: text, commentColumn: column)
    }
}

/// One line group of a block sequence: an item, a `# comment` line, or a blank line.
public enum PYItem {
    case node(PYNode)
    /// Comment lines at the sequence's indent.
    case comment(String)
    case blank
}

/// One pair of a flow mapping. `spaced` writes a space before the comma that follows it
/// (`{ a: 1 , b: 2 }`), a layout some of Pigsty's files use.
public struct PYFlowPair {
    public var key: String
    public var value: PYNode
    public var spaced: Bool

    public init(_ key: String, _ value: PYNode, spaced: Bool = false) {
        self.key = key
        self.value = value
        self.spaced = spaced
    }
}

/// Block-style YAML for `PYNode` trees, with one-line flow collections: the one YAML writer of the
/// project.
///
/// Scalar styles: `.raw` as given; `.str` plain when it reads back as the same string (with the
/// project's reader and YAML 1.1 readers such as PyYAML; inside a flow collection also only when it
/// holds none of `,[]{}`), else single-quoted, or double-quoted with escapes when it holds a
/// character a single-quoted scalar cannot carry (control characters, line breaks, non-printables);
/// `.single` always quoted, single-quoted when it can be; `.quoted` always double-quoted with escapes.
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

    /// The items of a block sequence at `indent` (their dashes there), for a document written in
    /// parts (a shared part rendered once and joined to each node's own).
    public static func renderItems(_ items: [PYItem], indent: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(4096)
        writeItems(items, indent: indent, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A whole document: `---` first and `...` last when asked for.
    public static func document(_ entries: [PYEntry], start: Bool = false, end: Bool = false) -> String {
        (start ? "---\n" : "") + render(entries) + (end ? "...\n" : "")
    }

    /// A whole document whose root is any node: `preamble` comment lines, then `---` when `start`
    /// (`--- <value>` for a root written on one line), the root, and `...` when `end`.
    public static func document(_ root: PYNode, preamble: [String] = [], start: Bool = false, end: Bool = false) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        for c in preamble { writeComment(c, indent: 0, dash: nil, first: false, into: &out) }
        if isInline(root) {
            if start { out += "--- ".utf8 }
            writeInline(root, into: &out)
            out.append(0x0A)
            if case .block(let m) = root { write(m, indent: 0, dash: nil, into: &out) }
            if case .items(let m) = root { writeItems(m, indent: 0, into: &out) }
        } else {
            if start { out += "---\n".utf8 }
            switch root {
            case .map(let m): write(m.map { PYEntry.pair($0.0, $0.1) }, indent: 0, dash: nil, into: &out)
            case .block(let m): write(m, indent: 0, dash: nil, into: &out)
            case .list(let m): for item in m { writeItem(item, indent: 0, into: &out) }
            case .items(let m): writeItems(m, indent: 0, into: &out)
            default: break
            }
        }
        if end { out += "...\n".utf8 }
        return String(decoding: out, as: UTF8.self)
    }

    /// Whether a value goes on its key's (or dash's) line: scalars, flow collections and empty
    /// block collections.
    private static func isInline(_ node: PYNode) -> Bool {
        switch node {
        case .raw, .str, .quoted, .single, .flowMap, .flowList: return true
        case .literal(let s): return literalHeader(s) == nil
        case .map(let m): return m.isEmpty
        case .list(let l): return l.isEmpty
        case .block(let m): return !m.contains(where: { if case .comment = $0 { return false }; if case .blank = $0 { return false }; return true })
        case .items(let l): return !l.contains(where: { if case .node = $0 { return true } else { return false } })
        }
    }

    /// The one-line form of an inline value (`isInline`).
    private static func writeInline(_ node: PYNode, into out: inout [UInt8]) {
        switch node {
        case .raw(let t): out += (isRawSafe(t, flow: false) ? t : scalar(t)).utf8
        case .str(let s): out += scalar(s).utf8
        case .quoted(let s): out += doubleQuoted(s).utf8
        case .single(let s): out += singleQuoted(s).utf8
        case .literal(let s): out += doubleQuoted(s).utf8
        case .map, .block: out += "{}".utf8
        case .list, .items: out += "[]".utf8
        case .flowMap, .flowList: writeFlow(node, into: &out)
        }
    }

    private static func writeComment(_ text: String, indent: Int, dash: Int?, first: Bool, into out: inout [UInt8]) {
        // One `#` line per line of the text (a line break would otherwise end the comment).
        var first = first
        for line in text.split(omittingEmptySubsequences: false, whereSeparator: { $0.isNewline }) {
            if first, let dash { pad(dash, &out); out += "- ".utf8; first = false } else { pad(indent, &out) }
            out += "#".utf8
            if !line.isEmpty { out.append(0x20); out += line.utf8 }
            out.append(0x0A)
        }
    }

    /// Writes a mapping at `indent`; with `dash`, the first key goes on a list item's dash line
    /// (`dash` spaces, then `- `) and the rest align under it.
    private static func write(_ entries: [PYEntry], indent: Int, dash: Int?, into out: inout [UInt8]) {
        var first = true
        for entry in entries {
            let key: String, value: PYNode, style: PYPairStyle?
            switch entry {
            case .blank:
                out.append(0x0A)
                continue
            case .comment(let text):
                writeComment(text, indent: indent, dash: dash, first: first, into: &out)
                if dash != nil { first = false }
                continue
            case .pair(let k, let v):
                key = k; value = v; style = nil
            case .styled(let k, let v, let s):
                key = k; value = v; style = s
            }
            let lineStart = out.count
            if first, let dash { pad(dash, &out); out.append(0x2D); out.append(0x20) } else { pad(indent, &out) }
            first = false
            appendScalar(key, &out)
            out.append(0x3A)
            if isInline(value) {
                if case .raw(let t) = value, t.isEmpty {} else {
                    pad(max(1, (style?.valueColumn ?? 0) - (out.count - lineStart - indent)), &out)
                    writeInline(value, into: &out)
                }
                trailing(style, lineStart: lineStart, indent: indent, into: &out)
                out.append(0x0A)
                if case .block(let m) = value { write(m, indent: indent + 2, dash: nil, into: &out) }
                if case .items(let m) = value { writeItems(m, indent: indent + 2, into: &out) }
                continue
            }
            if case .literal(let text) = value, let header = literalHeader(text) {
                out.append(0x20)
                out += header.utf8
                trailing(style, lineStart: lineStart, indent: indent, into: &out)
                out.append(0x0A)
                writeLiteralLines(text, indent: indent + 2, into: &out)
                continue
            }
            trailing(style, lineStart: lineStart, indent: indent, into: &out)
            out.append(0x0A)
            switch value {
            case .map(let m): write(m.map { PYEntry.pair($0.0, $0.1) }, indent: indent + 2, dash: nil, into: &out)
            case .block(let m): write(m, indent: indent + 2, dash: nil, into: &out)
            case .list(let items): for item in items { writeItem(item, indent: indent + 2, into: &out) }
            case .items(let items): writeItems(items, indent: indent + 2, into: &out)
            default: break
            }
        }
    }

    /// A pair's trailing comment, if its style has one.
    private static func trailing(_ style: PYPairStyle?, lineStart: Int, indent: Int, into out: inout [UInt8]) {
        guard let style, let text = style.comment else { return }
        pad(max(1, style.commentColumn - (out.count - lineStart - indent)), &out)
        out += "#".utf8
        if !text.isEmpty {
            out.append(0x20)
            for u in text.unicodeScalars {
                if u == "\n" || u == "\r" || u == "\u{85}" || u == "\u{2028}" || u == "\u{2029}" || u == "\u{0B}" || u == "\u{0C}" {
                    out.append(0x20)
                } else {
                    out += String(u).utf8
                }
            }
        }
    }

    private static func writeItems(_ items: [PYItem], indent: Int, into out: inout [UInt8]) {
        for item in items {
            switch item {
            case .node(let n): writeItem(n, indent: indent, into: &out)
            case .comment(let text): writeComment(text, indent: indent, dash: nil, first: false, into: &out)
            case .blank: out.append(0x0A)
            }
        }
    }

    private static func writeItem(_ node: PYNode, indent: Int, into out: inout [UInt8]) {
        if isInline(node) {
            pad(indent, &out); out += "- ".utf8; writeInline(node, into: &out); out.append(0x0A)
            if case .block(let m) = node { write(m, indent: indent + 2, dash: nil, into: &out) }
            if case .items(let m) = node { writeItems(m, indent: indent + 2, into: &out) }
            return
        }
        switch node {
        case .list(let items):
            pad(indent, &out); out += "-\n".utf8
            for item in items { writeItem(item, indent: indent + 2, into: &out) }
        case .items(let items):
            pad(indent, &out); out += "-\n".utf8
            writeItems(items, indent: indent + 2, into: &out)
        case .map(let m):
            write(m.map { PYEntry.pair($0.0, $0.1) }, indent: indent + 2, dash: indent, into: &out)
        case .block(let m):
            write(m, indent: indent + 2, dash: indent, into: &out)
        case .literal(let text):
            pad(indent, &out); out += "- ".utf8
            out += (literalHeader(text) ?? "|").utf8
            out.append(0x0A)
            writeLiteralLines(text, indent: indent + 2, into: &out)
        default:
            break
        }
    }

    // MARK: literal block scalars

    /// The header of a literal block scalar holding exactly `text` (`|`, `|-`, `|+`, with the
    /// indentation indicator `2` when the first non-empty line starts with a space), or nil when
    /// a literal block cannot hold it: empty or only line breaks, or a character other than a tab
    /// or line feed that YAML would have to escape (a carriage return or NEL would read as a line
    /// break).
    public static func literalHeader(_ text: String) -> String? {
        if text.unicodeScalars.contains(where: { $0 != "\n" && $0 != "\t" && needsEscape($0) }) { return nil }
        guard let firstLine = text.split(separator: "\n", omittingEmptySubsequences: true).first else { return nil }
        let indicator = firstLine.first == " " ? "2" : ""
        let chomp = text.hasSuffix("\n\n") ? "+" : (text.hasSuffix("\n") ? "" : "-")
        return "|" + indicator + chomp
    }

    /// The lines of a literal block scalar, each at `indent` (empty lines left empty); the
    /// header's chomping indicator restores the final line breaks.
    private static func writeLiteralLines(_ text: String, indent: Int, into out: inout [UInt8]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.hasSuffix("\n") { lines.removeLast() }
        for line in lines {
            if !line.isEmpty { pad(indent, &out); out += line.utf8 }
            out.append(0x0A)
        }
    }

    // MARK: flow collections

    /// A node in flow context. Block collections become flow collections (their comments and blank
    /// lines dropped).
    private static func writeFlow(_ node: PYNode, into out: inout [UInt8]) {
        switch node {
        case .raw(let t): out += (isRawSafe(t, flow: true) ? t : flowScalar(t)).utf8
        case .str(let s): out += flowScalar(s).utf8
        case .quoted(let s): out += doubleQuoted(s).utf8
        case .single(let s): out += singleQuoted(s).utf8
        case .literal(let s): out += doubleQuoted(s).utf8
        case .flowMap(let pairs, let padded):
            writeFlowMap(pairs, padded: padded, into: &out)
        case .map(let m):
            writeFlowMap(m.map { PYFlowPair($0.0, $0.1) }, padded: false, into: &out)
        case .block(let m):
            writeFlowMap(m.compactMap {
                switch $0 {
                case .pair(let k, let v), .styled(let k, let v, _): return PYFlowPair(k, v)
                default: return nil
                }
            }, padded: false, into: &out)
        case .flowList(let items, let padded):
            writeFlowList(items, padded: padded, into: &out)
        case .list(let items):
            writeFlowList(items, padded: false, into: &out)
        case .items(let items):
            writeFlowList(items.compactMap { if case .node(let n) = $0 { return n } else { return nil } }, padded: false, into: &out)
        }
    }

    private static func writeFlowMap(_ pairs: [PYFlowPair], padded: Bool, into out: inout [UInt8]) {
        if pairs.isEmpty { out += "{}".utf8; return }
        out.append(0x7B)
        if padded { out.append(0x20) }
        for (i, p) in pairs.enumerated() {
            if i > 0 {
                if pairs[i - 1].spaced { out.append(0x20) }
                out.append(0x2C); out.append(0x20)
            }
            out += flowScalar(p.key).utf8
            out.append(0x3A)
            if case .raw(let t) = p.value, t.isEmpty { continue }
            out.append(0x20)
            writeFlow(p.value, into: &out)
        }
        if padded { out.append(0x20) }
        out.append(0x7D)
    }

    private static func writeFlowList(_ items: [PYNode], padded: Bool, into out: inout [UInt8]) {
        if items.isEmpty { out += "[]".utf8; return }
        out.append(0x5B)
        if padded { out.append(0x20) }
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(0x2C); out.append(0x20) }
            writeFlow(item, into: &out)
        }
        if padded { out.append(0x20) }
        out.append(0x5D)
    }

    /// A string as a scalar inside a flow collection: plain when it reads back as the same string
    /// and holds no flow indicator (`,[]{}`), else quoted as `singleQuoted` does.
    public static func flowScalar(_ s: String) -> String {
        if isPlainSafe(s), !s.utf8.contains(where: { $0 == 0x2C || $0 == 0x5B || $0 == 0x5D || $0 == 0x7B || $0 == 0x7D }) {
            return s
        }
        return singleQuoted(s)
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
        return singleQuoted(s)
    }

    /// A string always quoted: single-quoted (`'` doubled), or double-quoted with escapes
    /// (`doubleQuoted`) when it holds characters a single-quoted scalar cannot carry.
    public static func singleQuoted(_ s: String) -> String {
        if s.unicodeScalars.contains(where: needsEscape) { return doubleQuoted(s) }
        return Quoting.yamlSingle(s)
    }

    /// A YAML double-quoted scalar that reads back as exactly `s` (YAML 1.1 and 1.2 readers alike):
    /// `"` and `\` escaped, `\n`, `\r`, `\t`, other C0/C1 controls and DEL as `\xHH`, the Unicode line
    /// and paragraph separators and non-characters as `\uHHHH`. Other text is written as is (UTF-8).
    public static func doubleQuoted(_ s: String) -> String { Quoting.yamlDouble(s) }

    /// Characters that must be escaped inside a scalar (`Quoting.yamlNeedsEscape`).
    static func needsEscape(_ u: Unicode.Scalar) -> Bool { Quoting.yamlNeedsEscape(u) }

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
    /// Whether `t`, written unquoted, is read back as one plain scalar (of whatever type YAML gives
    /// it) and adds no structure: no control or line-separator character, no `: ` or ` #`, no
    /// trailing blank or `:`, no leading indicator (a `-` followed by a non-blank, as in `-1`, is
    /// fine); in flow context also none of `,[]{}`.
    public static func isRawSafe(_ t: String, flow: Bool) -> Bool {
        var text = t
        return text.withUTF8 { b -> Bool in
            guard let first = b.first, let last = b.last else { return true }
            if last == 0x20 || last == 0x3A { return false }
            if isLeadingIndicator(first) && !(first == 0x2D && b.count > 1 && b[1] != 0x20) { return false }
            var previous: UInt8 = 0
            for (i, c) in b.enumerated() {
                if c < 0x20 || c == 0x7F { return false }
                if (previous == 0x3A && c == 0x20) || (previous == 0x20 && c == 0x23) { return false }
                if flow && (c == 0x2C || c == 0x5B || c == 0x5D || c == 0x7B || c == 0x7D) { return false }
                // NEL (C2 85), LS/PS (E2 80 A8/A9), BOM (EF BB BF): PyYAML reads them as breaks or rejects them.
                if c == 0xC2 && i + 1 < b.count && b[i + 1] == 0x85 { return false }
                if c == 0xE2 && i + 2 < b.count && b[i + 1] == 0x80 && (b[i + 2] == 0xA8 || b[i + 2] == 0xA9) { return false }
                if c == 0xEF && i + 2 < b.count && b[i + 1] == 0xBB && b[i + 2] == 0xBF { return false }
                previous = c
            }
            return true
        }
    }

    public static func isPlainSafe(_ s: String) -> Bool {
        var text = s
        var nonASCII = false
        let shapeOK = text.withUTF8 { b -> Bool in
            guard let first = b.first, let last = b.last else { return false }
            if isLeadingIndicator(first) || last == 0x20 || last == 0x3A { return false }
            // No ": " or " #" inside, no control characters (tabs included).
            var previous: UInt8 = 0
            for c in b {
                if c < 0x20 || c == 0x7F { return false }
                if c >= 0x80 { nonASCII = true }
                if (previous == 0x3A && c == 0x20) || (previous == 0x20 && c == 0x23) { return false }
                previous = c
            }
            return true
        }
        guard shapeOK, s != "=", s != "<<" else { return false }
        if nonASCII, s.unicodeScalars.contains(where: needsEscape) { return false }
        // resolvePlain returns `.string` only with the text itself.
        if case .string = ScalarResolver.resolvePlain(s) { return true }
        return false
    }
}
