import Foundation
import PigstyDiagnostics
import PigstyYAML

/// What an expression can see: variables of one host (already evaluated), other hosts' variables,
/// the host's name and the groups.
protocol TemplateScope {
    /// The evaluated value of a variable, nil when undefined. Throws `TemplateDeferred` for a
    /// variable only known at run time.
    func variable(_ name: String) throws -> YAMLNode?
    /// `hostvars[host][name]`.
    func hostVariable(_ host: String, _ name: String) throws -> YAMLNode?
    var hostname: String { get }
    /// `groups`: group name → host names.
    func groupsNode(at range: SourceRange) -> YAMLNode
}

/// The template reads a variable that Ansible only knows on the node (OS-specific role vars,
/// facts): it stays as written, unevaluated.
struct TemplateDeferred: Error {
    let variable: String
}

/// Evaluates parsed expressions with Ansible's semantics over `YAMLNode` values (nil = undefined).
/// Value rules (str, truthiness, `|bool`, `|int`, `|float`) are `Jinja`'s.
struct ExpressionEvaluator {
    let scope: any TemplateScope
    /// Where new values are said to be written: the template.
    let range: SourceRange

    func node(_ v: YAMLValue) -> YAMLNode { YAMLNode(scalar: v, range: range) }
    func list(_ items: [YAMLNode]) -> YAMLNode { YAMLNode(content: .sequence(items), range: range) }

    /// Renders a whole template: one expression alone keeps its type; text and expressions mixed
    /// make a string.
    func render(_ parts: [TemplatePart]) throws -> YAMLNode {
        if parts.count == 1, case .expression(let src) = parts[0] {
            return try require(try ExpressionParser.parse(src))
        }
        var out = ""
        for p in parts {
            switch p {
            case .text(let t): out += t
            case .expression(let src): out += Jinja.str(try require(try ExpressionParser.parse(src)))
            }
        }
        return node(.string(out))
    }

    /// The value of an expression that must be defined.
    func require(_ e: JinjaExpr) throws -> YAMLNode {
        guard let v = try eval(e) else { throw TemplateError("'\(Self.describe(e))' is undefined") }
        return v
    }

    static func describe(_ e: JinjaExpr) -> String {
        switch e {
        case .name(let n): return n
        case .attribute(let b, let n): return describe(b) + "." + n
        case .index(let b, .literal(let k)): return describe(b) + "[" + (k.stringValue.map(Jinja.reprString) ?? YAMLNode.describe(k)) + "]"
        case .index(let b, _): return describe(b) + "[…]"
        case .filter(let b, let f, _): return describe(b) + " | " + f
        default: return "the expression"
        }
    }

    func eval(_ e: JinjaExpr) throws -> YAMLNode? {
        switch e {
        case .literal(let v): return node(v)
        case .list(let items): return list(try items.map(require))
        case .dict(let pairs):
            return YAMLNode(content: .mapping(try pairs.map { YAMLPair(key: try require($0.0), value: try require($0.1)) }), range: range)
        case .name(let n):
            switch n {
            case "inventory_hostname": return node(.string(scope.hostname))
            case "groups": return scope.groupsNode(at: range)
            case "hostvars": throw TemplateError("'hostvars' can only be used as hostvars[host][variable]")
            default: return try scope.variable(n)
            }
        case .attribute(.index(.name("hostvars"), let h), let v):
            return try scope.hostVariable(Jinja.str(try require(h)), v)
        case .index(.index(.name("hostvars"), let h), let v):
            return try scope.hostVariable(Jinja.str(try require(h)), Jinja.str(try require(v)))
        case .attribute(let base, let name):
            return try lookup(try eval(base), node(.string(name)))
        case .index(let base, let key):
            return try lookup(try eval(base), try require(key))
        case .unary(let op, let x):
            let v = try require(x)
            switch op {
            case "not": return node(.bool(!Jinja.truthy(v)))
            default: return try arithmetic(op == "-" ? "*" : "+", node(.int(op == "-" ? -1 : 0)), v, unary: op)
            }
        case .binary("and", let a, let b):
            let l = try require(a)
            return Jinja.truthy(l) ? try require(b) : l
        case .binary("or", let a, let b):
            let l = try require(a)
            return Jinja.truthy(l) ? l : try require(b)
        case .binary(let op, let a, let b):
            return try binary(op, try require(a), try require(b))
        case .conditional(let value, let condition, let otherwise):
            if Jinja.truthy(try require(condition)) { return try require(value) }
            guard let otherwise else { return nil }
            return try require(otherwise)
        case .filter(let base, let name, let args):
            return try filter(name, base, args)
        case .test(let base, let name, let args, let negated):
            let r = try test(name, try eval(base), args, described: Self.describe(base))
            return node(.bool(r != negated))
        }
    }

    private func lookup(_ base: YAMLNode?, _ key: YAMLNode) throws -> YAMLNode? {
        guard let base else { return nil }
        switch base.content {
        case .mapping(let pairs):
            return pairs.first { Self.equal($0.key, key) }?.value
        case .sequence(let items):
            guard case .int(var i)? = key.value else { return nil }
            if i < 0 { i += items.count }
            return items.indices.contains(i) ? items[i] : nil
        case .scalar(let s):
            guard case .string(let text) = s.value, case .int(var i)? = key.value else { return nil }
            let chars = Array(text)
            if i < 0 { i += chars.count }
            return chars.indices.contains(i) ? node(.string(String(chars[i]))) : nil
        }
    }

    // MARK: operators

    private func binary(_ op: String, _ a: YAMLNode, _ b: YAMLNode) throws -> YAMLNode {
        switch op {
        case "~": return node(.string(Jinja.str(a) + Jinja.str(b)))
        case "==": return node(.bool(Self.equal(a, b)))
        case "!=": return node(.bool(!Self.equal(a, b)))
        case "in", "not in":
            let found: Bool
            switch b.content {
            case .sequence(let items): found = items.contains { Self.equal($0, a) }
            case .mapping(let pairs): found = pairs.contains { Self.equal($0.key, a) }
            case .scalar:
                guard let hay = b.string, let needle = a.string else {
                    throw TemplateError("'in' needs a list, a dict or two strings, not \(a.kindWithArticle) in \(b.kindWithArticle)")
                }
                found = needle.isEmpty || hay.contains(needle)
            }
            return node(.bool(found == (op == "in")))
        case "<", "<=", ">", ">=":
            let order: Int
            if let x = Self.number(a), let y = Self.number(b) {
                order = x.asDouble < y.asDouble ? -1 : x.asDouble > y.asDouble ? 1 : 0
            } else if let x = a.string, let y = b.string {
                order = x.unicodeScalars.lexicographicallyPrecedes(y.unicodeScalars) ? -1 : x == y ? 0 : 1
            } else {
                throw TemplateError("cannot compare \(a.kindWithArticle) with \(b.kindWithArticle) using '\(op)'")
            }
            let r = op == "<" ? order < 0 : op == "<=" ? order <= 0 : op == ">" ? order > 0 : order >= 0
            return node(.bool(r))
        default:
            return try arithmetic(op, a, b, unary: nil)
        }
    }

    enum Number {
        case int(Int), float(Double)
        var asDouble: Double {
            switch self {
            case .int(let i): return Double(i)
            case .float(let d): return d
            }
        }
    }

    /// Python numbers: ints, floats and booleans (True is 1).
    static func number(_ n: YAMLNode) -> Number? {
        switch n.value {
        case .int(let i)?: return .int(i)
        case .float(let d)?: return .float(d)
        case .bool(let b)?: return .int(b ? 1 : 0)
        default: return nil
        }
    }

    private func arithmetic(_ op: String, _ a: YAMLNode, _ b: YAMLNode, unary: String?) throws -> YAMLNode {
        if op == "+", let x = a.string, let y = b.string { return node(.string(x + y)) }
        if op == "+", let x = a.sequence, let y = b.sequence { return list(x + y) }
        if op == "*", let s = a.string ?? b.string, case .int(let n)? = (a.string == nil ? a : b).value {
            guard n <= 100_000, s.utf8.count * max(n, 0) <= 1 << 20 else { throw TemplateError("string repetition too large") }
            return node(.string(n > 0 ? String(repeating: s, count: n) : ""))
        }
        guard let x = Self.number(a), let y = Self.number(b) else {
            let what = unary.map { "unary '\($0)' on \(b.kindWithArticle)" } ?? "'\(op)' between \(a.kindWithArticle) and \(b.kindWithArticle)"
            throw TemplateError("unsupported operand types: \(what)")
        }
        if case .int(let i) = x, case .int(let j) = y {
            func checked(_ r: (partialValue: Int, overflow: Bool)) throws -> YAMLNode {
                guard !r.overflow else { throw TemplateError("integer overflow in '\(op)'") }
                return node(.int(r.partialValue))
            }
            switch op {
            case "+": return try checked(i.addingReportingOverflow(j))
            case "-": return try checked(i.subtractingReportingOverflow(j))
            case "*": return try checked(i.multipliedReportingOverflow(by: j))
            case "/":
                guard j != 0 else { throw TemplateError("division by zero") }
                return node(.float(Double(i) / Double(j)))
            case "//", "%":
                guard j != 0 else { throw TemplateError(op == "//" ? "integer division by zero" : "modulo by zero") }
                guard !(i == Int.min && j == -1) else { throw TemplateError("integer overflow in '\(op)'") }
                var q = i / j, r = i % j
                if r != 0, (r < 0) != (j < 0) { q -= 1; r += j }
                return node(.int(op == "//" ? q : r))
            case "**":
                guard j >= 0 else { return node(.float(pow(Double(i), Double(j)))) }
                var result = 1
                for _ in 0..<min(j, 64) { result = try checked(result.multipliedReportingOverflow(by: i)).int ?? 0 }
                if j > 64, abs(i) > 1 { throw TemplateError("integer overflow in '**'") }
                return node(.int(result))
            default: break
            }
        }
        let p = x.asDouble, q = y.asDouble
        switch op {
        case "+": return node(.float(p + q))
        case "-": return node(.float(p - q))
        case "*": return node(.float(p * q))
        case "/":
            guard q != 0 else { throw TemplateError("division by zero") }
            return node(.float(p / q))
        case "//", "%":
            guard q != 0 else { throw TemplateError(op == "//" ? "float division by zero" : "float modulo") }
            let f = (p / q).rounded(.down)
            return node(.float(op == "//" ? f : p - f * q))
        case "**": return node(.float(pow(p, q)))
        default: throw TemplateError("unsupported operator '\(op)'")
        }
    }

    /// Python's `==`: numbers by value (True == 1), strings, lists and dicts by content.
    static func equal(_ a: YAMLNode, _ b: YAMLNode) -> Bool {
        switch (a.content, b.content) {
        case (.scalar(let x), .scalar(let y)):
            if let p = number(a), let q = number(b) { return p.asDouble == q.asDouble }
            switch (x.value, y.value) {
            case (.string(let s), .string(let t)), (.timestamp(let s), .timestamp(let t)): return s == t
            case (.null, .null): return true
            case (.bigInt(let s), .bigInt(let t)): return s == t
            default: return false
            }
        case (.sequence(let x), .sequence(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { equal($0, $1) }
        case (.mapping(let x), .mapping(let y)):
            return x.count == y.count && x.allSatisfy { p in y.contains { equal($0.key, p.key) && equal($0.value, p.value) } }
        default: return false
        }
    }
}

extension YAMLValue {
    var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }
}

