import PigstyYAML

/// A YAML value in the order it is written.
public enum PYNode {
    case map([(String, PYNode)])
    case list([PYNode])
    /// Text written as is, typed by the YAML reader (what an unquoted template interpolation gives).
    case raw(String)
    /// A string, quoted when it would otherwise read as something else.
    case str(String)
}

/// Block-style YAML for `PYNode` trees.
public enum PYAML {
    public static func render(_ pairs: [(String, PYNode)], indent: Int = 0) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(8192)
        write(pairs, indent: indent, dash: nil, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Writes a mapping at `indent`; with `dash`, the first key goes on a list item's dash line
    /// (`dash` spaces, then `- `) and the rest align under it.
    private static func write(_ pairs: [(String, PYNode)], indent: Int, dash: Int?, into out: inout [UInt8]) {
        for (i, (key, value)) in pairs.enumerated() {
            if i == 0, let dash { pad(dash, &out); out.append(0x2D); out.append(0x20) } else { pad(indent, &out) }
            appendScalar(key, &out)
            out.append(0x3A)
            switch value {
            case .map(let m):
                if m.isEmpty { out += " {}\n".utf8 } else {
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
            }
        }
    }

    private static func writeItem(_ node: PYNode, indent: Int, into out: inout [UInt8]) {
        switch node {
        case .raw(let t):
            pad(indent, &out); out += "- ".utf8; out += t.utf8; out.append(0x0A)
        case .str(let s):
            pad(indent, &out); out += "- ".utf8; appendScalar(s, &out); out.append(0x0A)
        case .list(let items):
            pad(indent, &out); out += "-\n".utf8
            for item in items { writeItem(item, indent: indent + 2, into: &out) }
        case .map(let m):
            if m.isEmpty { pad(indent, &out); out += "- {}\n".utf8; return }
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
    /// (double-quoted with escapes when it holds control characters).
    public static func scalar(_ s: String) -> String {
        if isPlainSafe(s) { return s }
        if s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return Quoting.yamlDouble(s)
        }
        return Quoting.yamlSingle(s)
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
        return shapeOK && ScalarResolver.resolvePlain(s) == .string(s)
    }
}
