import Foundation
import PigstySchema
import PigstyYAML

/// The filters and tests of the subset, with Ansible's (Jinja's) behaviour.
extension ExpressionEvaluator {
    static let filterNames: [String] = ["bool", "count", "d", "default", "first", "float", "int", "join", "last",
                                        "length", "list", "lower", "reject", "replace", "select", "string", "trim", "upper"]
    static let testNames: [String] = ["defined", "eq", "equalto", "false", "in", "mapping", "ne", "none", "number",
                                      "sameas", "sequence", "string", "true", "undefined", "=="]

    private func arity(_ name: String, _ args: [JinjaExpr], _ range: ClosedRange<Int>) throws {
        guard range.contains(args.count) else {
            throw TemplateError("filter '\(name)' takes \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound) to \(range.upperBound)") argument(s), not \(args.count)")
        }
    }

    func filter(_ name: String, _ base: JinjaExpr, _ args: [JinjaExpr]) throws -> YAMLNode? {
        switch name {
        case "default", "d":
            try arity(name, args, 0...2)
            let v = try eval(base)
            let fallback = args.isEmpty ? node(.string("")) : try require(args[0])
            let boolean = args.count > 1 ? Jinja.truthy(try require(args[1])) : false
            guard let v else { return fallback }
            return boolean && !Jinja.truthy(v) ? fallback : v
        default: break
        }
        guard Self.filterNames.contains(name) else {
            let hint = Suggest.closest(to: name, among: Self.filterNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw TemplateError("filter '\(name)' is outside the Jinja subset pigstyc evaluates\(hint)")
        }
        let v = try require(base)
        switch name {
        case "int":
            try arity(name, args, 0...1)
            // `x | int` of a non-number is 0 (or the given default), as in Ansible.
            if args.count == 1, !Self.isIntLike(v) { return try require(args[0]) }
            return node(.int(Jinja.int(v)))
        case "float":
            try arity(name, args, 0...1)
            return node(.float(Jinja.float(v)))
        case "bool":
            try arity(name, args, 0...0)
            return node(.bool(Jinja.bool(v)))
        case "string":
            try arity(name, args, 0...0)
            return node(.string(Jinja.str(v)))
        case "lower", "upper", "trim":
            try arity(name, args, 0...0)
            let s = Jinja.str(v)
            return node(.string(name == "lower" ? s.lowercased() : name == "upper" ? s.uppercased() : Jinja.strip(s)))
        case "replace":
            try arity(name, args, 2...2)
            let old = Jinja.str(try require(args[0])), new = Jinja.str(try require(args[1]))
            let s = Jinja.str(v)
            return node(.string(old.isEmpty ? s : s.replacingAll(old, with: new)))
        case "join":
            try arity(name, args, 0...1)
            let sep = args.isEmpty ? "" : Jinja.str(try require(args[0]))
            return node(.string(try items(v, for: name).map(Jinja.str).joined(separator: sep)))
        case "list":
            try arity(name, args, 0...0)
            return list(try items(v, for: name))
        case "length", "count":
            try arity(name, args, 0...0)
            return node(.int(try items(v, for: name).count))
        case "first", "last":
            try arity(name, args, 0...0)
            let all = try items(v, for: name)
            return name == "first" ? all.first : all.last
        case "select", "reject":
            guard let first = args.first else {
                return list(try items(v, for: name).filter { Jinja.truthy($0) == (name == "select") })
            }
            guard case .literal(.string(let testName)) = first else { throw TemplateError("'\(name)' needs the name of a test as a string") }
            let rest = Array(args.dropFirst())
            return list(try items(v, for: name).filter { try test(testName, $0, rest, described: "item") == (name == "select") })
        default:
            throw TemplateError("filter '\(name)' is outside the Jinja subset pigstyc evaluates")
        }
    }

    /// What iterating a value gives: a list's items, a dict's keys, a string's characters.
    private func items(_ v: YAMLNode, for filter: String) throws -> [YAMLNode] {
        switch v.content {
        case .sequence(let items): return items
        case .mapping(let pairs): return pairs.map(\.key)
        case .scalar(let s):
            if case .string(let t) = s.value { return t.map { node(.string(String($0))) } }
            throw TemplateError("filter '\(filter)' needs a list, a dict or a string, not \(v.kindWithArticle)")
        }
    }

    private static func isIntLike(_ v: YAMLNode) -> Bool {
        switch v.value {
        case .int?, .float?, .bool?: return true
        case .string(let s)?: return Int(Jinja.strip(s)) != nil || Double(Jinja.strip(s)) != nil
        default: return false
        }
    }

    func test(_ name: String, _ v: YAMLNode?, _ args: [JinjaExpr], described: String) throws -> Bool {
        switch name {
        case "defined": return v != nil
        case "undefined": return v == nil
        default: break
        }
        guard let v else { throw TemplateError("'\(described)' is undefined") }
        switch name {
        case "none": return v.isNull
        case "equalto", "eq", "==", "sameas", "ne", "in":
            guard args.count == 1 else { throw TemplateError("test '\(name)' takes one argument") }
            let other = try require(args[0])
            if name == "in" { return try binaryIn(v, other) }
            return Self.equal(v, other) != (name == "ne")
        case "string": return v.string != nil
        case "number": return Self.number(v) != nil && v.bool == nil
        case "mapping": return v.mapping != nil
        case "sequence": return v.mapping != nil || v.sequence != nil || v.string != nil
        case "true": return v.bool == true
        case "false": return v.bool == false
        default:
            let hint = Suggest.closest(to: name, among: Self.testNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw TemplateError("test '\(name)' is outside the Jinja subset pigstyc evaluates\(hint)")
        }
    }

    private func binaryIn(_ a: YAMLNode, _ b: YAMLNode) throws -> Bool {
        switch b.content {
        case .sequence(let items): return items.contains { Self.equal($0, a) }
        case .mapping(let pairs): return pairs.contains { Self.equal($0.key, a) }
        case .scalar: return (b.string.map { hay in a.string.map { hay.contains($0) } ?? false }) ?? false
        }
    }
}

extension String {
    func replacingAll(_ old: String, with new: String) -> String {
        var out = ""
        var rest = Substring(self)
        while let r = rest.range(of: old) {
            out += rest[..<r.lowerBound]
            out += new
            rest = rest[r.upperBound...]
        }
        return out + rest
    }
}
