// The parser: tokens to `Expr`, by top-down operator precedence, as jmespath.py.

extension JMESPath {
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
