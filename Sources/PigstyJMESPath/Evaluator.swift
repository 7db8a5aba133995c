// Evaluation of a parsed `Expr` against a `JSONValue`, and the supported functions.

extension JMESPath {
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
}
