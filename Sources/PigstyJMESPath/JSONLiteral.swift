// JSON text inside backtick literals.

extension JMESPath {
    /// A strict JSON reader (as Python's `json.loads`) for backtick literals.
    struct JSONText {
        struct Failure: Error {}
        let c: [Character]
        var i = 0
        init(_ c: [Character]) { self.c = c }

        mutating func parseDocument() throws -> JSONValue {
            let v = try value()
            skip()
            guard i == c.count else { throw Failure() }
            return v
        }

        mutating func skip() { while i < c.count, c[i] == " " || c[i] == "\t" || c[i] == "\n" || c[i] == "\r" { i += 1 } }

        mutating func word(_ w: String) -> Bool {
            let a = Array(w)
            guard i + a.count <= c.count, Array(c[i..<i + a.count]) == a else { return false }
            i += a.count
            return true
        }

        mutating func value() throws -> JSONValue {
            skip()
            guard i < c.count else { throw Failure() }
            switch c[i] {
            case "n": if word("null") { return .null }
            case "t": if word("true") { return .bool(true) }
            case "f": if word("false") { return .bool(false) }
            case "\"": return .string(try string())
            case "[":
                i += 1; skip()
                var items: [JSONValue] = []
                if i < c.count, c[i] == "]" { i += 1; return .array(items) }
                while true {
                    items.append(try value()); skip()
                    guard i < c.count else { throw Failure() }
                    if c[i] == "," { i += 1; continue }
                    if c[i] == "]" { i += 1; return .array(items) }
                    throw Failure()
                }
            case "{":
                i += 1; skip()
                var o: [String: JSONValue] = [:]
                if i < c.count, c[i] == "}" { i += 1; return .object(o) }
                while true {
                    skip()
                    guard i < c.count, c[i] == "\"" else { throw Failure() }
                    let k = try string(); skip()
                    guard i < c.count, c[i] == ":" else { throw Failure() }
                    i += 1
                    o[k] = try value(); skip()
                    guard i < c.count else { throw Failure() }
                    if c[i] == "," { i += 1; continue }
                    if c[i] == "}" { i += 1; return .object(o) }
                    throw Failure()
                }
            default:
                return try number()
            }
            throw Failure()
        }

        mutating func number() throws -> JSONValue {
            let start = i
            if i < c.count, c[i] == "-" { i += 1 }
            guard i < c.count, c[i].isASCII, c[i].isNumber else { throw Failure() }
            if c[i] == "0" { i += 1 } else { while i < c.count, c[i].isASCII, c[i].isNumber { i += 1 } }
            var isFloat = false
            if i < c.count, c[i] == "." {
                isFloat = true; i += 1
                guard i < c.count, c[i].isASCII, c[i].isNumber else { throw Failure() }
                while i < c.count, c[i].isASCII, c[i].isNumber { i += 1 }
            }
            if i < c.count, c[i] == "e" || c[i] == "E" {
                isFloat = true; i += 1
                if i < c.count, c[i] == "+" || c[i] == "-" { i += 1 }
                guard i < c.count, c[i].isASCII, c[i].isNumber else { throw Failure() }
                while i < c.count, c[i].isASCII, c[i].isNumber { i += 1 }
            }
            let text = String(c[start..<i])
            if !isFloat, let n = Int(text) { return .int(n) }
            guard let d = Double(text) else { throw Failure() }
            return .double(d)
        }

        mutating func string() throws -> String {
            i += 1
            var s = ""
            while i < c.count {
                let ch = c[i]; i += 1
                if ch == "\"" { return s }
                if ch == "\\" {
                    guard i < c.count else { throw Failure() }
                    let e = c[i]; i += 1
                    switch e {
                    case "\"": s.append("\"")
                    case "\\": s.append("\\")
                    case "/": s.append("/")
                    case "b": s.append("\u{8}")
                    case "f": s.append("\u{c}")
                    case "n": s.append("\n")
                    case "r": s.append("\r")
                    case "t": s.append("\t")
                    case "u":
                        guard i + 4 <= c.count, let v = UInt32(String(c[i..<i + 4]), radix: 16) else { throw Failure() }
                        i += 4
                        var scalar = v
                        if (0xD800..<0xDC00).contains(v), i + 6 <= c.count, c[i] == "\\", c[i + 1] == "u",
                           let low = UInt32(String(c[i + 2..<i + 6]), radix: 16), (0xDC00..<0xE000).contains(low) {
                            scalar = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                            i += 6
                        }
                        guard let u = Unicode.Scalar(scalar) else { throw Failure() }
                        s.unicodeScalars.append(u)
                    default: throw Failure()
                    }
                    continue
                }
                if let a = ch.asciiValue, a < 0x20 { throw Failure() }
                s.append(ch)
            }
            throw Failure()
        }
    }
}
