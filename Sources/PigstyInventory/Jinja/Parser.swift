import PigstyYAML

/// A parsed `{{ … }}` expression.
indirect enum JinjaExpr {
    case literal(YAMLValue)
    case list([JinjaExpr])
    case dict([(JinjaExpr, JinjaExpr)])
    case name(String)
    /// `x.y`
    case attribute(JinjaExpr, String)
    /// `x[y]`
    case index(JinjaExpr, JinjaExpr)
    /// `not x`, `-x`, `+x`
    case unary(String, JinjaExpr)
    /// Arithmetic, `~`, comparisons, `in`, `not in`, `and`, `or`.
    case binary(String, JinjaExpr, JinjaExpr)
    /// `x | name(args…)`
    case filter(JinjaExpr, String, [JinjaExpr])
    /// `x is [not] name(args…)`
    case test(JinjaExpr, String, [JinjaExpr], negated: Bool)
    /// `a if cond else b` (a missing else is undefined).
    case conditional(JinjaExpr, condition: JinjaExpr, otherwise: JinjaExpr?)
}

/// A recursive-descent parser with Jinja's precedence: conditional < or < and < not < comparison
/// < `~` < `+ -` < `* / // %` < `**` < unary < filters and tests < postfix (`.`, `[]`).
struct ExpressionParser {
    private var tokens: [Token]
    private var pos = 0
    private var depth = 0
    static let maxDepth = 64

    static func parse(_ source: String) throws -> JinjaExpr {
        var p = ExpressionParser(tokens: try ExpressionLexer.tokens(source))
        if p.peek == .end { throw TemplateError("empty expression '{{ }}'") }
        let e = try p.expression()
        guard p.peek == .end else { throw TemplateError("unexpected \(p.describe(p.peek)) in the expression") }
        return e
    }

    private init(tokens: [Token]) { self.tokens = tokens }

    private var peek: Token { tokens[pos] }

    private mutating func advance() -> Token {
        let t = tokens[pos]
        if pos < tokens.count - 1 { pos += 1 }
        return t
    }

    private mutating func accept(_ op: String) -> Bool {
        if peek == .op(op) { pos += 1; return true }
        return false
    }

    private mutating func acceptWord(_ w: String) -> Bool {
        if peek == .name(w) { pos += 1; return true }
        return false
    }

    private mutating func expect(_ op: String) throws {
        guard accept(op) else { throw TemplateError("expected '\(op)' but found \(describe(peek))") }
    }

    private func describe(_ t: Token) -> String {
        switch t {
        case .name(let n): return "'\(n)'"
        case .int(let i): return "'\(i)'"
        case .float(let d): return "'\(d)'"
        case .string(let s): return "the string \(Jinja.reprString(s))"
        case .op(let o): return "'\(o)'"
        case .end: return "the end of the expression"
        }
    }

    private mutating func nested<T>(_ body: (inout ExpressionParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw TemplateError("expression nested too deeply", recursion: true) }
        return try body(&self)
    }

    mutating func expression() throws -> JinjaExpr {
        try nested { p in
            let value = try p.orExpr()
            guard p.acceptWord("if") else { return value }
            let condition = try p.orExpr()
            let otherwise = p.acceptWord("else") ? try p.expression() : nil
            return .conditional(value, condition: condition, otherwise: otherwise)
        }
    }

    private mutating func orExpr() throws -> JinjaExpr {
        var left = try andExpr()
        while acceptWord("or") { left = .binary("or", left, try andExpr()) }
        return left
    }

    private mutating func andExpr() throws -> JinjaExpr {
        var left = try notExpr()
        while acceptWord("and") { left = .binary("and", left, try notExpr()) }
        return left
    }

    private mutating func notExpr() throws -> JinjaExpr {
        if acceptWord("not") { return try nested { p in .unary("not", try p.notExpr()) } }
        return try comparison()
    }

    private mutating func comparison() throws -> JinjaExpr {
        var left = try concat()
        while true {
            if case .op(let o) = peek, ["==", "!=", "<", "<=", ">", ">="].contains(o) {
                pos += 1
                left = .binary(o, left, try concat())
            } else if acceptWord("in") {
                left = .binary("in", left, try concat())
            } else if peek == .name("not"), tokens[pos + 1] == .name("in") {
                pos += 2
                left = .binary("not in", left, try concat())
            } else {
                return left
            }
        }
    }

    private mutating func concat() throws -> JinjaExpr {
        var left = try sum()
        while accept("~") { left = .binary("~", left, try sum()) }
        return left
    }

    private mutating func sum() throws -> JinjaExpr {
        var left = try product()
        while true {
            if accept("+") { left = .binary("+", left, try product()) } else if accept("-") { left = .binary("-", left, try product()) } else { return left }
        }
    }

    private mutating func product() throws -> JinjaExpr {
        var left = try power()
        while true {
            if case .op(let o) = peek, ["*", "/", "//", "%"].contains(o) {
                pos += 1
                left = .binary(o, left, try power())
            } else {
                return left
            }
        }
    }

    private mutating func power() throws -> JinjaExpr {
        let left = try unary()
        if accept("**") { return .binary("**", left, try unary()) }
        return left
    }

    private mutating func unary() throws -> JinjaExpr {
        if accept("-") { return try nested { p in .unary("-", try p.unary()) } }
        if accept("+") { return try nested { p in .unary("+", try p.unary()) } }
        return try filtered(try postfix(try primary()))
    }

    private mutating func filtered(_ base: JinjaExpr) throws -> JinjaExpr {
        var e = base
        while true {
            if accept("|") {
                guard case .name(let f) = advance() else { throw TemplateError("expected a filter name after '|'") }
                e = .filter(e, f, try arguments())
            } else if acceptWord("is") {
                let negated = acceptWord("not")
                guard case .name(let t) = advance() else { throw TemplateError("expected a test name after 'is'") }
                var args = try arguments()
                // `x is equalto 3`, `x is sameas none`: one argument without parentheses.
                if args.isEmpty, ["equalto", "eq", "sameas", "==", "ne", "lt", "gt", "le", "ge", "in"].contains(t),
                   peek != .end, peek != .op(")"), peek != .op(","), peek != .name("and"), peek != .name("or"), peek != .name("else") {
                    args = [try postfix(try primary())]
                }
                e = .test(e, t, args, negated: negated)
            } else {
                return e
            }
        }
    }

    private mutating func arguments() throws -> [JinjaExpr] {
        guard accept("(") else { return [] }
        var args: [JinjaExpr] = []
        if accept(")") { return args }
        repeat {
            // Keyword arguments (`default(x, boolean=true)`) are taken by position.
            if case .name = peek, tokens[pos + 1] == .op("=") { pos += 2 }
            args.append(try expression())
        } while accept(",")
        try expect(")")
        return args
    }

    private mutating func postfix(_ base: JinjaExpr) throws -> JinjaExpr {
        var e = base
        while true {
            if accept(".") {
                switch advance() {
                case .name(let n): e = .attribute(e, n)
                case .int(let i): e = .index(e, .literal(.int(i)))
                default: throw TemplateError("expected an attribute name after '.'")
                }
            } else if accept("[") {
                let key = try expression()
                try expect("]")
                e = .index(e, key)
            } else if peek == .op("(") {
                throw TemplateError("function and method calls are outside the Jinja subset pigstyc evaluates")
            } else {
                return e
            }
        }
    }

    private mutating func primary() throws -> JinjaExpr {
        let t = advance()
        switch t {
        case .int(let i): return .literal(.int(i))
        case .float(let d): return .literal(.float(d))
        case .string(var s):
            // Adjacent string literals concatenate.
            while case .string(let more) = peek { s += more; pos += 1 }
            return .literal(.string(s))
        case .name(let n):
            switch n {
            case "true", "True": return .literal(.bool(true))
            case "false", "False": return .literal(.bool(false))
            case "none", "None": return .literal(.null)
            default: return .name(n)
            }
        case .op("("):
            let e = try expression()
            if accept(",") { throw TemplateError("tuples are outside the Jinja subset pigstyc evaluates") }
            try expect(")")
            return e
        case .op("["):
            return try nested { p in
                var items: [JinjaExpr] = []
                if p.accept("]") { return .list(items) }
                repeat {
                    if p.peek == .op("]") { break }
                    items.append(try p.expression())
                } while p.accept(",")
                try p.expect("]")
                return .list(items)
            }
        case .op("{"):
            return try nested { p in
                var pairs: [(JinjaExpr, JinjaExpr)] = []
                if p.accept("}") { return .dict(pairs) }
                repeat {
                    if p.peek == .op("}") { break }
                    let k = try p.expression()
                    try p.expect(":")
                    pairs.append((k, try p.expression()))
                } while p.accept(",")
                try p.expect("}")
                return .dict(pairs)
            }
        default:
            throw TemplateError("unexpected \(describe(t)) in the expression")
        }
    }
}
