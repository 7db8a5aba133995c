import PigstyYAML

/// JSON text from typed values. Strings are escaped by `Quoting.json` (the one place JSON string
/// escaping lives).
public enum JSONWriter {
/// A JSON value with object keys in the order they are written.
public indirect enum Value: Sendable, Equatable {
    case object([(String, Value)])
    case array([Value])
    case string(String)
    /// A number as its JSON text (`Value.int`, `Value.double` build one).
    case number(String)
    case bool(Bool)
    case null

    public static func int(_ i: Int) -> Value { .number(String(i)) }

    /// A finite double, without a trailing `.0` for integral values; non-finite values are `null`
    /// (JSON has no NaN or infinity).
    public static func double(_ d: Double) -> Value {
        guard d.isFinite else { return .null }
        if d == d.rounded(), abs(d) < 1e15 { return .number(String(Int(d))) }
        return .number(String(d))
    }

    public static func == (a: Value, b: Value) -> Bool {
        switch (a, b) {
        case let (.object(x), .object(y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.array(x), .array(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.number(x), .number(y)): return x == y
        case let (.bool(x), .bool(y)): return x == y
        case (.null, .null): return true
        default: return false
        }
    }
}

    /// How the text is laid out.
    public enum Style: Sendable, Equatable {
        /// One line, no spaces: `{"a":1,"b":[true,null]}`.
        case compact
        /// One member or element per line, nested `indent` spaces deeper, `"key": value`; empty
        /// objects and arrays as `{}` and `[]`.
        case pretty(indent: Int)
    }

    /// The text of `value`, without a trailing newline.
    public static func render(_ value: Value, style: Style = .pretty(indent: 2)) -> String {
        var out = ""
        append(value, to: &out, style: style, depth: 0)
        return out
    }

    /// Appends the text of `value` to `out`; `depth` is the nesting level of `value` (pretty style).
    public static func append(_ value: Value, to out: inout String, style: Style, depth: Int = 0) {
        switch value {
        case .string(let s): Quoting.appendJSON(s, to: &out)
        case .number(let n): out += n
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            container("[", "]", items.count, &out, style, depth) { i, out in
                append(items[i], to: &out, style: style, depth: depth + 1)
            }
        case .object(let members):
            container("{", "}", members.count, &out, style, depth) { i, out in
                Quoting.appendJSON(members[i].0, to: &out)
                out += style == .compact ? ":" : ": "
                append(members[i].1, to: &out, style: style, depth: depth + 1)
            }
        }
    }

    private static func container(_ open: String, _ close: String, _ count: Int, _ out: inout String, _ style: Style,
                                  _ depth: Int, _ element: (Int, inout String) -> Void) {
        out += open
        guard count > 0 else { out += close; return }
        switch style {
        case .compact:
            for i in 0..<count {
                if i > 0 { out += "," }
                element(i, &out)
            }
        case .pretty(let indent):
            let inner = String(repeating: " ", count: indent * (depth + 1))
            for i in 0..<count {
                out += i > 0 ? ",\n" : "\n"
                out += inner
                element(i, &out)
            }
            out += "\n" + String(repeating: " ", count: indent * depth)
        }
        out += close
    }
}
