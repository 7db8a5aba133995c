import PigstyDiagnostics
import PigstyInventory
import PigstyYAML

/// A JSON value as JMESPath sees it.
public indirect enum JSONValue: Sendable, CustomStringConvertible {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// JMESPath truthiness: null, false, "", [] and {} are false; everything else (0 too) is true.
    public var isTruthy: Bool {
        switch self {
        case .null: return false
        case .bool(let b): return b
        case .int, .double: return true
        case .string(let s): return !s.isEmpty
        case .array(let a): return !a.isEmpty
        case .object(let o): return !o.isEmpty
        }
    }

    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        default: return nil
        }
    }

    public subscript(key: String) -> JSONValue {
        if case .object(let o) = self { return o[key] ?? .null }
        return .null
    }

    /// Equality as jmespath.py decides it (Python `==`, but a boolean never equals a number).
    public static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.string(let x), .string(let y)): return x.unicodeScalars.elementsEqual(y.unicodeScalars)
        case (.array(let x), .array(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.object(let x), .object(let y)):
            return x.count == y.count && x.allSatisfy { k, v in y[k].map { equal(v, $0) } ?? false }
        default:
            if let x = a.number, let y = b.number { return x == y }
            return false
        }
    }

    public var description: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return YAMLNode.pythonFloatString(d)
        case .string(let s): return JSONValue.quote(s)
        case .array(let a): return "[" + a.map(\.description).joined(separator: ", ") + "]"
        case .object(let o):
            return "{" + o.keys.sorted().map { "\(JSONValue.quote($0)): \(o[$0]!.description)" }.joined(separator: ", ") + "}"
        }
    }

    public static func quote(_ s: String) -> String { Quoting.json(s) }

    /// A YAML node as the JSON value Ansible hands to `json_query` (mapping keys as their names).
    public init(yaml node: YAMLNode) {
        switch node.content {
        case .sequence(let items): self = .array(items.map(JSONValue.init(yaml:)))
        case .mapping(let pairs):
            var o: [String: JSONValue] = [:]
            for p in pairs { if let k = p.key.keyName { o[k] = JSONValue(yaml: p.value) } }
            self = .object(o)
        case .scalar(let s):
            switch s.value {
            case .null: self = .null
            case .bool(let b): self = .bool(b)
            case .int(let i): self = .int(i)
            case .bigInt(let t): self = .double(Double(t) ?? 0)
            case .float(let d): self = .double(d)
            case .string(let t), .timestamp(let t): self = .string(t)
            }
        }
    }
}

/// A small JMESPath evaluator: enough for Pigsty's service `selector` / `backup` expressions.
///
/// Supported: identifiers (bare and `"quoted"`), sub-expressions `a.b`, `@`, index `[n]`,
/// flatten `[]`, wildcard `[*]`, filters `[? cond]` (all three as projections), pipes `|`,
/// `||`, `&&`, `!`, parentheses, comparisons `== != < <= > >=`, JSON literals in backticks
/// (with jmespath.py's legacy rule that non-JSON text is a string: `` `primary` ``), raw strings
/// `'x'`, and the functions `contains`, `starts_with`, `ends_with`, `length`, `not_null`.
/// Multi-select lists/hashes, slices, object wildcards and expression references are reported as
/// unsupported parse errors. Evaluation never fails: a type mismatch yields null.
public enum JMESPath {
    /// Transitional string form of `DiagnosticCode.unsupportedJMESPath`, for the back ends
    /// still on the string-based sink shims.
    public static let diagnosticID = DiagnosticCode.unsupportedJMESPath.rawValue

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let message: String
        /// Character offset in the expression (0-based).
        public let offset: Int
        public var description: String { "\(message) at column \(offset + 1)" }
        public init(message: String, offset: Int) {
            self.message = message
            self.offset = offset
        }
    }

    public enum Comparator: String, Sendable {
        case eq = "==", ne = "!=", lt = "<", le = "<=", gt = ">", ge = ">="
    }

    /// A parsed expression.
    public indirect enum Expr: Sendable {
        case current
        case field(String)
        case literal(JSONValue)
        case subexpression(Expr, Expr)
        case index(Int)
        case flatten(Expr)
        /// Evaluate the left side to a list, apply the right side to each element, drop nulls.
        case projection(Expr, Expr)
        /// As `projection`, keeping only elements for which the condition is truthy.
        case filterProjection(Expr, condition: Expr, Expr)
        case pipe(Expr, Expr)
        case or(Expr, Expr)
        case and(Expr, Expr)
        case not(Expr)
        case compare(Comparator, Expr, Expr)
        case function(String, [Expr])

        public func search(_ value: JSONValue) -> JSONValue { JMESPath.evaluate(self, value) }
    }

    /// Parses an expression; throws `ParseError` describing the first problem.
    public static func parse(_ text: String) throws -> Expr {
        var lexer = Lexer(text)
        var parser = Parser(tokens: try lexer.tokenize())
        return try parser.parseTop()
    }

    // MARK: - Hosts

    /// A host as `hostvars[h]` shows it to a query: its inventory variables (role defaults are not
    /// part of hostvars), `inventory_hostname`, and the identity facts Pigsty's pg_id role sets.
    public static func hostValue(_ h: ResolvedHost) -> JSONValue {
        var converted: [ObjectIdentifier: JSONValue] = [:]
        return hostValue(h, converted: &converted)
    }

    /// `hostValue` for hosts that share group variables: `converted` keeps each YAML value's
    /// JSON by identity, so a cluster's lists are converted once, not once per member.
    public static func hostValue(_ h: ResolvedHost, converted: inout [ObjectIdentifier: JSONValue]) -> JSONValue {
        var o: [String: JSONValue] = [:]
        for name in h.inventoryVariableNames {
            guard let b = h.binding(name) else { continue }
            let id = ObjectIdentifier(b.value)
            if let known = converted[id] {
                o[name] = known
            } else {
                let value = JSONValue(yaml: b.value)
                converted[id] = value
                o[name] = value
            }
        }
        o["inventory_hostname"] = .string(h.name)
        if let cluster = h.binding("pg_cluster")?.value, !cluster.isNull {
            let c = JSONValue(yaml: cluster)
            if let ins = h.pgInstance { o["pg_instance"] = .string(ins) }
            if let svc = h.pgService { o["pg_service"] = .string(svc) }
            o["pg_is_primary"] = .bool(h.binding("pg_role")?.value.string == "primary")
            if o["pg_shard"] == nil { o["pg_shard"] = c }
            o["pg_group"] = .int(h.int("pg_group") ?? 0)
        }
        return .object(o)
    }

    /// The hosts an expression selects from `hosts` (given in inventory order), in result order.
    /// Results that are not host objects (projected fields, literals) select nothing.
    public static func select(_ expr: Expr, from hosts: [ResolvedHost]) -> [ResolvedHost] {
        select(expr, from: hosts, values: hosts.map(hostValue))
    }

    /// `select` with the hosts' query values already built (`values[i]` is `hostValue(hosts[i])`).
    public static func select(_ expr: Expr, from hosts: [ResolvedHost], values: [JSONValue]) -> [ResolvedHost] {
        let byName = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        func host(_ v: JSONValue) -> ResolvedHost? {
            if case .string(let n) = v["inventory_hostname"] { return byName[n] }
            return nil
        }
        switch expr.search(.array(values)) {
        case .array(let items): return items.compactMap(host)
        case let single: return host(single).map { [$0] } ?? []
        }
    }

    // MARK: - Evaluation

    public static func evaluate(_ e: Expr, _ v: JSONValue) -> JSONValue {
        switch e {
        case .current: return v
        case .field(let name): return v[name]
        case .literal(let l): return l
        case .subexpression(let l, let r): return evaluate(r, evaluate(l, v))
        case .index(let i):
            guard case .array(let a) = v else { return .null }
            let j = i < 0 ? a.count + i : i
            return a.indices.contains(j) ? a[j] : .null
        case .flatten(let inner):
            guard case .array(let a) = evaluate(inner, v) else { return .null }
            var out: [JSONValue] = []
            for item in a {
                if case .array(let sub) = item { out.append(contentsOf: sub) } else { out.append(item) }
            }
            return .array(out)
        case .projection(let l, let r):
            guard case .array(let a) = evaluate(l, v) else { return .null }
            return .array(a.compactMap { item in
                let x = evaluate(r, item)
                if case .null = x { return nil }
                return x
            })
        case .filterProjection(let l, let cond, let r):
            guard case .array(let a) = evaluate(l, v) else { return .null }
            return .array(a.compactMap { item in
                guard evaluate(cond, item).isTruthy else { return nil }
                let x = evaluate(r, item)
                if case .null = x { return nil }
                return x
            })
        case .pipe(let l, let r): return evaluate(r, evaluate(l, v))
        case .or(let l, let r):
            let x = evaluate(l, v)
            return x.isTruthy ? x : evaluate(r, v)
        case .and(let l, let r):
            let x = evaluate(l, v)
            return x.isTruthy ? evaluate(r, v) : x
        case .not(let x): return .bool(!evaluate(x, v).isTruthy)
        case .compare(let op, let l, let r):
            let a = evaluate(l, v), b = evaluate(r, v)
            switch op {
            case .eq: return .bool(JSONValue.equal(a, b))
            case .ne: return .bool(!JSONValue.equal(a, b))
            default:
                // Ordering is defined for two numbers or two strings; anything else is null.
                let order: Int
                if let x = a.number, let y = b.number {
                    order = x < y ? -1 : (x > y ? 1 : 0)
                } else if case .string(let x) = a, case .string(let y) = b {
                    let xs = Array(x.unicodeScalars.map(\.value)), ys = Array(y.unicodeScalars.map(\.value))
                    order = xs == ys ? 0 : (xs.lexicographicallyPrecedes(ys) ? -1 : 1)
                } else {
                    return .null
                }
                switch op {
                case .lt: return .bool(order < 0)
                case .le: return .bool(order <= 0)
                case .gt: return .bool(order > 0)
                default: return .bool(order >= 0)
                }
            }
        case .function(let name, let args):
            let xs = args.map { evaluate($0, v) }
            return callFunction(name, xs)
        }
    }

    static let functionArity: [String: Int] = [
        "contains": 2, "starts_with": 2, "ends_with": 2, "length": 1, "not_null": -1,
    ]

    public static func callFunction(_ name: String, _ xs: [JSONValue]) -> JSONValue {
        switch name {
        case "contains":
            switch xs[0] {
            case .array(let a): return .bool(a.contains { JSONValue.equal($0, xs[1]) })
            case .string(let s):
                guard case .string(let t) = xs[1] else { return .null }
                return .bool(t.isEmpty || s.contains(t))
            default: return .null
            }
        case "starts_with", "ends_with":
            guard case .string(let s) = xs[0], case .string(let t) = xs[1] else { return .null }
            return .bool(name == "starts_with" ? s.hasPrefix(t) : s.hasSuffix(t))
        case "length":
            switch xs[0] {
            case .string(let s): return .int(s.unicodeScalars.count)
            case .array(let a): return .int(a.count)
            case .object(let o): return .int(o.count)
            default: return .null
            }
        case "not_null":
            return xs.first { if case .null = $0 { return false } else { return true } } ?? .null
        default:
            return .null
        }
    }

    // MARK: - Lexer

    enum Token: Equatable {
        case identifier(String)
        case quotedIdentifier(String)
        case literal(JSONValue)
        case number(Int)
        case dot, star, flatten, filter, lbracket, rbracket, lparen, rparen, comma, colon
        case pipe, or, and, not, current, lbrace, rbrace, ampersand
        case comparator(Comparator)
        case eof

        static func == (a: Token, b: Token) -> Bool { a.kind == b.kind }

        var kind: String {
            switch self {
            case .identifier: return "identifier"
            case .quotedIdentifier: return "quoted identifier"
            case .literal: return "literal"
            case .number: return "number"
            case .dot: return "'.'"
            case .star: return "'*'"
            case .flatten: return "'[]'"
            case .filter: return "'[?'"
            case .lbracket: return "'['"
            case .rbracket: return "']'"
            case .lparen: return "'('"
            case .rparen: return "')'"
            case .comma: return "','"
            case .colon: return "':'"
            case .pipe: return "'|'"
            case .or: return "'||'"
            case .and: return "'&&'"
            case .not: return "'!'"
            case .current: return "'@'"
            case .lbrace: return "'{'"
            case .rbrace: return "'}'"
            case .ampersand: return "'&'"
            case .comparator(let c): return "'\(c.rawValue)'"
            case .eof: return "end of expression"
            }
        }

        /// Left binding power (jmespath's precedence table).
        var bindingPower: Int {
            switch self {
            case .pipe: return 1
            case .or: return 2
            case .and: return 3
            case .comparator: return 5
            case .flatten: return 9
            case .star: return 20
            case .filter: return 21
            case .dot: return 40
            case .not: return 45
            case .lbrace: return 50
            case .lbracket: return 55
            case .lparen: return 60
            default: return 0
            }
        }
    }

    struct Lexer {
        let chars: [Character]
        var pos = 0

        init(_ text: String) { chars = Array(text) }

        func error(_ message: String, at offset: Int? = nil) -> ParseError {
            ParseError(message: message, offset: offset ?? pos)
        }

        mutating func tokenize() throws -> [(Token, Int)] {
            var out: [(Token, Int)] = []
            while pos < chars.count {
                let c = chars[pos]
                let start = pos
                if c == " " || c == "\t" || c == "\n" || c == "\r" { pos += 1; continue }
                if c.isASCII && (c.isLetter || c == "_") {
                    var s = ""
                    while pos < chars.count, chars[pos].isASCII, chars[pos].isLetter || chars[pos].isNumber || chars[pos] == "_" {
                        s.append(chars[pos]); pos += 1
                    }
                    out.append((.identifier(s), start))
                    continue
                }
                if c.isASCII && (c.isNumber || c == "-") {
                    var s = String(c); pos += 1
                    while pos < chars.count, chars[pos].isASCII, chars[pos].isNumber { s.append(chars[pos]); pos += 1 }
                    guard let n = Int(s) else { throw error("'\(s)' is not a number", at: start) }
                    out.append((.number(n), start))
                    continue
                }
                pos += 1
                let next: Character? = pos < chars.count ? chars[pos] : nil
                switch c {
                case ".": out.append((.dot, start))
                case "*": out.append((.star, start))
                case "]": out.append((.rbracket, start))
                case "(": out.append((.lparen, start))
                case ")": out.append((.rparen, start))
                case ",": out.append((.comma, start))
                case ":": out.append((.colon, start))
                case "@": out.append((.current, start))
                case "{": out.append((.lbrace, start))
                case "}": out.append((.rbrace, start))
                case "[":
                    if next == "]" { pos += 1; out.append((.flatten, start)) }
                    else if next == "?" { pos += 1; out.append((.filter, start)) }
                    else { out.append((.lbracket, start)) }
                case "|":
                    if next == "|" { pos += 1; out.append((.or, start)) } else { out.append((.pipe, start)) }
                case "&":
                    if next == "&" { pos += 1; out.append((.and, start)) } else { out.append((.ampersand, start)) }
                case "!":
                    if next == "=" { pos += 1; out.append((.comparator(.ne), start)) } else { out.append((.not, start)) }
                case "=":
                    guard next == "=" else { throw error("'=' is not an operator; use '==' to compare", at: start) }
                    pos += 1; out.append((.comparator(.eq), start))
                case "<":
                    if next == "=" { pos += 1; out.append((.comparator(.le), start)) } else { out.append((.comparator(.lt), start)) }
                case ">":
                    if next == "=" { pos += 1; out.append((.comparator(.ge), start)) } else { out.append((.comparator(.gt), start)) }
                case "`":
                    let body = try until("`", from: start, what: "literal")
                    out.append((.literal(try literal(body.replacingOccurrences(of: "\\`", with: "`"), at: start)), start))
                case "'":
                    let body = try until("'", from: start, what: "raw string")
                    out.append((.literal(.string(body.replacingOccurrences(of: "\\'", with: "'"))), start))
                case "\"":
                    let body = try until("\"", from: start, what: "quoted identifier")
                    var p = JSONText(Array("\"" + body + "\""))
                    guard case .string(let name)? = try? p.parseDocument() else {
                        throw error("invalid quoted identifier \"\(body)\"", at: start)
                    }
                    out.append((.quotedIdentifier(name), start))
                default:
                    throw error("unexpected character '\(c)'", at: start)
                }
            }
            out.append((.eof, chars.count))
            return out
        }

        /// The text up to the closing delimiter (a backslash escapes the next character).
        mutating func until(_ end: Character, from start: Int, what: String) throws -> String {
            var s = ""
            while pos < chars.count {
                let c = chars[pos]
                if c == "\\", pos + 1 < chars.count {
                    s.append(c); s.append(chars[pos + 1]); pos += 2; continue
                }
                pos += 1
                if c == end { return s }
                s.append(c)
            }
            throw error("unterminated \(what)", at: start)
        }

        /// A backtick literal: JSON, or else (jmespath.py's legacy rule) the text as a string.
        func literal(_ body: String, at start: Int) throws -> JSONValue {
            var p = JSONText(Array(body))
            if let v = try? p.parseDocument() { return v }
            let trimmed = String(body.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            var q = JSONText(Array("\"" + trimmed + "\""))
            if let v = try? q.parseDocument() { return v }
            throw error("invalid literal `\(body)`", at: start)
        }
    }

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

    // MARK: - Parser (top-down operator precedence, as jmespath.py)

    struct Parser {
        let tokens: [(Token, Int)]
        var index = 0

        init(tokens: [(Token, Int)]) { self.tokens = tokens }

        var current: Token { tokens[index].0 }
        var offset: Int { tokens[index].1 }
        func lookahead(_ n: Int) -> Token { tokens[min(index + n, tokens.count - 1)].0 }

        mutating func advance() -> Token {
            let t = tokens[index].0
            if index < tokens.count - 1 { index += 1 }
            return t
        }

        func error(_ message: String, at o: Int? = nil) -> ParseError { ParseError(message: message, offset: o ?? offset) }

        mutating func expect(_ t: Token) throws {
            guard current == t else { throw error("expected \(t.kind) but found \(current.kind)") }
            _ = advance()
        }

        mutating func parseTop() throws -> Expr {
            if current == .eof { throw error("the expression is empty") }
            let e = try expression(0)
            guard current == .eof else { throw error("unexpected \(current.kind)") }
            return e
        }

        mutating func expression(_ bp: Int) throws -> Expr {
            let at = offset
            var left = try nud(advance(), at: at)
            while bp < current.bindingPower {
                let o = offset
                left = try led(advance(), left, at: o)
            }
            return left
        }

        mutating func nud(_ t: Token, at o: Int) throws -> Expr {
            switch t {
            case .identifier(let name): return .field(name)
            case .quotedIdentifier(let name):
                if current == .lparen { throw error("a quoted identifier cannot name a function") }
                return .field(name)
            case .literal(let v): return .literal(v)
            case .current: return .current
            case .not: return .not(try expression(Token.not.bindingPower))
            case .lparen:
                let e = try expression(0)
                try expect(.rparen)
                return e
            case .flatten:
                return .projection(.flatten(.current), try projectionRHS(Token.flatten.bindingPower))
            case .filter:
                return try filter(.current)
            case .lbracket:
                if case .number = current { return try index(.current) }
                if current == .colon { throw error("slices are not supported") }
                if current == .star, lookahead(1) == .rbracket {
                    _ = advance(); _ = advance()
                    return .projection(.current, try projectionRHS(Token.star.bindingPower))
                }
                throw error("multi-select lists are not supported", at: o)
            case .star: throw error("object wildcards ('*') are not supported", at: o)
            case .lbrace: throw error("multi-select hashes are not supported", at: o)
            case .ampersand: throw error("expression references ('&') are not supported", at: o)
            case .eof: throw error("the expression ends too early", at: o)
            case .number: throw error("a number is only valid inside '[ ]'; write a literal as `1`", at: o)
            default: throw error("unexpected \(t.kind)", at: o)
            }
        }

        mutating func led(_ t: Token, _ left: Expr, at o: Int) throws -> Expr {
            switch t {
            case .dot:
                return .subexpression(left, try dotRHS(Token.dot.bindingPower))
            case .pipe: return .pipe(left, try expression(Token.pipe.bindingPower))
            case .or: return .or(left, try expression(Token.or.bindingPower))
            case .and: return .and(left, try expression(Token.and.bindingPower))
            case .comparator(let c): return .compare(c, left, try expression(t.bindingPower))
            case .flatten: return .projection(.flatten(left), try projectionRHS(Token.flatten.bindingPower))
            case .filter: return try filter(left)
            case .lbracket:
                if case .number = current { return try index(left) }
                if current == .colon { throw error("slices are not supported") }
                if current == .star, lookahead(1) == .rbracket {
                    _ = advance(); _ = advance()
                    return .projection(left, try projectionRHS(Token.star.bindingPower))
                }
                throw error("expected an index, '*' or '?' after '['")
            case .lparen:
                guard case .field(let name) = left else { throw error("only a name can be called as a function", at: o) }
                var args: [Expr] = []
                while current != .rparen {
                    args.append(try expression(0))
                    if current == .comma { _ = advance() } else if current != .rparen {
                        throw error("expected ',' or ')' in the arguments of \(name)()")
                    }
                }
                _ = advance()
                guard let arity = JMESPath.functionArity[name] else { throw error("unknown function \(name)()", at: o) }
                if arity >= 0 ? args.count != arity : args.isEmpty {
                    throw error("\(name)() takes \(arity >= 0 ? "\(arity)" : "at least 1") argument\(arity == 1 ? "" : "s"), not \(args.count)", at: o)
                }
                return .function(name, args)
            case .star: throw error("object wildcards ('*') are not supported", at: o)
            case .lbrace: throw error("multi-select hashes are not supported", at: o)
            default: throw error("unexpected \(t.kind)", at: o)
            }
        }

        mutating func index(_ left: Expr) throws -> Expr {
            guard case .number(let n) = advance() else { throw error("expected an index") }
            if current == .colon { throw error("slices are not supported") }
            try expect(.rbracket)
            if case .current = left { return .index(n) }
            return .subexpression(left, .index(n))
        }

        mutating func filter(_ left: Expr) throws -> Expr {
            if current == .rbracket { throw error("the filter '[? ]' has no condition") }
            let cond = try expression(0)
            try expect(.rbracket)
            return .filterProjection(left, condition: cond, try projectionRHS(Token.filter.bindingPower))
        }

        /// What follows a projection: applied to each element.
        mutating func projectionRHS(_ bp: Int) throws -> Expr {
            if current.bindingPower < 10 { return .current }
            switch current {
            case .lbracket, .filter, .flatten: return try expression(bp)
            case .dot:
                _ = advance()
                return try dotRHS(bp)
            default: throw error("unexpected \(current.kind) after a projection")
            }
        }

        mutating func dotRHS(_ bp: Int) throws -> Expr {
            switch current {
            case .identifier, .quotedIdentifier: return try expression(bp)
            case .lbracket: throw error("multi-select lists are not supported")
            case .lbrace: throw error("multi-select hashes are not supported")
            case .star: throw error("object wildcards ('*') are not supported")
            default: throw error("expected a name after '.' but found \(current.kind)")
            }
        }
    }
}

extension JMESPath.Expr {
    /// The hosts this expression selects (see `JMESPath.select`).
    public func select(_ hosts: [ResolvedHost]) -> [ResolvedHost] { JMESPath.select(self, from: hosts) }
}
