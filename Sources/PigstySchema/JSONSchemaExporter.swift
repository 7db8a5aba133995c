import PigstyYAML

/// Exports the schema as a JSON Schema (draft-07) for editors: YAML language servers use it to
/// complete and check Pigsty inventories. The output is byte-stable: keys sorted, two-space
/// indentation, a final newline.
public enum JSONSchemaExporter {
    public static let id = "https://pigsty.io/schema/pigstyc/pigsty.schema.json"

    public static func export(_ schema: Schema) -> String {
        let names = Set(schema.records.keys)
        func type(_ t: String, _ items: String?, _ entries: String?, _ record: String?) -> ValueType {
            ValueType.resolve(type: t, items: items, entries: entries, record: record) { names.contains($0) }
        }

        var properties: [String: JSON] = [:]
        for p in schema.parameters where properties[p.name] == nil {
            var s = templatable(valueSchema(type(p.type, p.items, p.entries, nil), values: p.valueNodes, min: p.min, max: p.max,
                                            pattern: p.pattern, nullable: p.acceptsNull))
            var description = p.description
            description += " (level \(p.levelText)"
            if p.required {
                description += ", required identity"
            } else if p.optional {
                description += ", optional"
            } else if p.isSecret {
                description += ", secret"
            } else if let d = p.defaultValue {
                description += ", default \(short(d))"
            }
            description += ")"
            s = annotate(s, description: description, default: p.isSecret ? nil : p.defaultValue.map(json))
            properties[p.name] = .object(s)
        }

        var definitions: [String: JSON] = [:]
        for name in schema.recordNames {
            guard let r = schema.records[name] else { continue }
            func fieldSchema(_ f: FieldSpec, nullable: Bool) -> [String: JSON] {
                let s = templatable(valueSchema(type(f.type, f.items, f.entries, f.record), values: f.valueNodes, min: f.min,
                                                max: f.max, pattern: f.pattern, nullable: nullable))
                let d = f.isSecret ? nil : f.defaultValue.map(json)
                return annotate(s, description: f.description, default: d)
            }
            if r.tuple {
                // A list read by position.
                let required = r.fields.filter(\.required).count
                definitions["record_\(name)"] = .object([
                    "type": .string("array"),
                    "description": .string(r.description + " Items in order: "
                                           + r.fields.map(\.name).joined(separator: ", ") + "."),
                    "items": .array(r.fields.map { JSON.object(fieldSchema($0, nullable: !$0.required)) }),
                    "additionalItems": .bool(false),
                    "minItems": .int(required),
                    "maxItems": .int(r.fields.count),
                ])
                continue
            }
            var fields: [String: JSON] = [:]
            for f in r.fields where fields[f.name] == nil {
                fields[f.name] = .object(fieldSchema(f, nullable: f.acceptsNull))
            }
            var object: [String: JSON] = [
                "type": .string("object"),
                "properties": .object(fields),
            ]
            let required = r.fields.filter(\.required).map(\.name)
            if !required.isEmpty { object["required"] = .array(required.map(JSON.string)) }
            if !r.open { object["additionalProperties"] = .bool(false) }
            if let shorthand = r.shorthand, let f = r.field(shorthand) {
                // A bare scalar stands for {<shorthand>: scalar}.
                var scalar = fieldSchema(f, nullable: false)
                scalar["description"] = .string("Shorthand for {\(shorthand): <value>}.")
                definitions["record_\(name)"] = .object([
                    "description": .string(r.description),
                    "anyOf": .array([.object(scalar), .object(object)]),
                ])
            } else {
                object["description"] = .string(r.description)
                definitions["record_\(name)"] = .object(object)
            }
        }

        let prefixes = schema.parameterPrefixes.map(escapeRegex).joined(separator: "|")
        var propertyNames: [String: JSON] = [:]
        if !prefixes.isEmpty {
            propertyNames = ["anyOf": .array([
                .object(["enum": .array(schema.parameters.map { JSON.string($0.name) })]),
                .object(["not": .object(["pattern": .string("^(\(prefixes))_")])]),
            ])]
        }
        var vars: [String: JSON] = [
            "type": .array([.string("object"), .string("null")]),
            "description": .string("Variables: Pigsty parameters and user variables. Names with a Pigsty "
                                   + "prefix (pg_, node_, …) must be known parameters."),
            "properties": .object(properties),
        ]
        if !propertyNames.isEmpty { vars["propertyNames"] = .object(propertyNames) }
        definitions["vars"] = .object(vars)
        definitions["template"] = .object([
            "type": .string("string"),
            "description": .string("A Jinja template ('{{ … }}') or an Ansible Vault value: pigstyc evaluates it "
                                   + "and checks the result."),
            "pattern": .string(#"\{\{|^\$ANSIBLE_VAULT;"#),
        ])
        definitions["group"] = .object([
            "type": .array([.string("object"), .string("null")]),
            "description": .string("An Ansible inventory group: hosts, vars and child groups."),
            "properties": .object([
                "hosts": .object([
                    "type": .array([.string("object"), .string("null")]),
                    "description": .string("Hosts of the group (IPv4 address or name) with their variables."),
                    "additionalProperties": ref("vars"),
                ]),
                "vars": ref("vars"),
                "children": .object([
                    "type": .array([.string("object"), .string("null")]),
                    "description": .string("Child groups by name."),
                    "additionalProperties": ref("group"),
                ]),
            ]),
            "additionalProperties": .bool(false),
        ])

        let root: JSON = .object([
            "$schema": .string("http://json-schema.org/draft-07/schema#"),
            "$id": .string(id),
            "title": .string("Pigsty inventory"),
            "description": .string("Ansible YAML inventory of a Pigsty v4.5 deployment, as checked by pigstyc "
                                   + "(\(schema.parameters.count) parameters)."),
            "type": .string("object"),
            "required": .array([.string("all")]),
            "properties": .object(["all": ref("group")]),
            "additionalProperties": ref("group"),
            "definitions": .object(definitions),
        ])
        var out = ""
        root.write(to: &out, indent: 0)
        out += "\n"
        return out
    }

    // MARK: - Pieces

    /// A value that may also be written as a template (or a vault value): typed schemas get a
    /// template alternative; a plain string schema already accepts one.
    private static func templatable(_ s: [String: JSON]) -> [String: JSON] {
        if s.isEmpty { return s }
        if case .string("string")? = s["type"], s["pattern"] == nil, s["format"] == nil, s["enum"] == nil { return s }
        return ["anyOf": .array([.object(s), ref("template")])]
    }

    private static func ref(_ name: String) -> JSON { .object(["$ref": .string("#/definitions/\(name)")]) }

    private static func valueSchema(_ type: ValueType, values: [YAMLNode]?, min: Int?, max: Int?,
                                    pattern: String?, nullable: Bool) -> [String: JSON] {
        var s: [String: JSON] = [:]
        var types: [String] = []
        func scalarEnum() {
            guard let values, !values.isEmpty else { return }
            var seen = Set<String>()
            var list: [JSON] = []
            for v in values {
                var forms = [json(v)]
                if let scalar = v.scalar, v.string == nil { forms.append(.string(scalar.text)) }
                for f in forms {
                    var key = ""
                    f.write(to: &key, indent: 0)
                    if seen.insert(key).inserted { list.append(f) }
                }
            }
            if nullable { list.append(.null) }
            s["enum"] = .array(list)
        }
        switch type {
        case .any:
            return [:]
        case .bool:
            types = ["boolean"]
        case .int:
            types = ["integer"]
            if let min { s["minimum"] = .int(min) }
            if let max { s["maximum"] = .int(max) }
        case .port:
            types = ["integer"]
            s["minimum"] = .int(Swift.max(min ?? 0, 0))
            s["maximum"] = .int(Swift.min(max ?? 65535, 65535))
        case .float:
            types = ["number"]
            if let min { s["minimum"] = .int(min) }
            if let max { s["maximum"] = .int(max) }
        case .text:
            types = ["string", "number"]
            if let pattern, isPortablePattern(pattern) { s["pattern"] = .string(pattern) }
            scalarEnum()
        case .ip:
            types = ["string"]
            s["format"] = .string("ipv4")
        case .cidr4:
            types = ["string"]
            s["pattern"] = .string(#"^(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}/(3[0-2]|[12]?[0-9])$"#)
        case .enumeration:
            scalarEnum()
            if s["enum"] != nil { return s }
            types = ["string", "number"] // an open enum
        case .list(let element):
            types = ["array"]
            s["items"] = .object(valueSchema(element, values: values, min: min, max: max, pattern: pattern,
                                             nullable: false))
        case .dict(let entry):
            types = ["object"]
            if let entry {
                s["additionalProperties"] = .object(valueSchema(entry, values: nil, min: nil, max: nil, pattern: nil,
                                                                nullable: false))
            }
        case .record(let name):
            let r = ["$ref": JSON.string("#/definitions/record_\(name)")]
            return nullable ? ["anyOf": .array([.object(r), .object(["type": .string("null")])])] : r
        case .recordOrText(let name):
            var options: [JSON] = [.object(["type": .string("string")]), ref("record_\(name)")]
            if nullable { options.append(.object(["type": .string("null")])) }
            return ["anyOf": .array(options)]
        }
        if nullable { types.append("null") }
        s["type"] = types.count == 1 ? .string(types[0]) : .array(types.map(JSON.string))
        if s["enum"] != nil { s["type"] = nil }
        return s
    }

    /// Adds a description and default; a bare `$ref` is wrapped, since draft-07 ignores its siblings.
    private static func annotate(_ s: [String: JSON], description: String, default value: JSON?) -> [String: JSON] {
        var out = s
        if out["$ref"] != nil { out = ["allOf": .array([.object(s)])] }
        if !description.isEmpty { out["description"] = .string(description) }
        if let value { out["default"] = value }
        return out
    }

    /// Patterns that mean the same in ECMA-262 (what JSON Schema validators use) as in ICU.
    private static func isPortablePattern(_ p: String) -> Bool {
        !["(?P", "(?i", "(?x", "(?s", "(?m", "\\A", "\\Z", "\\z", "(?#", "*+", "++", "?+", "(?>"].contains { p.contains($0) }
    }

    private static func escapeRegex(_ s: String) -> String {
        var out = ""
        for ch in s {
            if "\\^$.|?*+()[]{}".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// A default in a few characters, for descriptions.
    static func short(_ node: YAMLNode) -> String {
        switch node.content {
        case .sequence(let items):
            return items.isEmpty ? "[]" : "[…] (\(items.count) item\(items.count == 1 ? "" : "s"))"
        case .mapping(let pairs):
            return pairs.isEmpty ? "{}" : "{…} (\(pairs.count) key\(pairs.count == 1 ? "" : "s"))"
        case .scalar(let s):
            if s.value == .null { return "null" }
            var text = ""
            json(node).write(to: &text, indent: 0)
            return text.count > 40 ? String(text.prefix(39)) + "…" : text
        }
    }

    static func json(_ node: YAMLNode) -> JSON {
        switch node.content {
        case .sequence(let items): return .array(items.map(json))
        case .mapping(let pairs):
            var object: [String: JSON] = [:]
            for p in pairs {
                let key = p.key.keyName ?? p.key.scalar.map { YAMLNode.describe($0.value) } ?? "?"
                object[key] = json(p.value)
            }
            return .object(object)
        case .scalar(let s):
            switch s.value {
            case .null: return .null
            case .bool(let b): return .bool(b)
            case .int(let i): return .int(i)
            case .bigInt(let digits): return .number(digits)
            case .float(let d):
                return d.isFinite ? .number(YAMLNode.pythonFloatString(d)) : .string(YAMLNode.pythonFloatString(d))
            case .string(let t), .timestamp(let t): return .string(t)
            }
        }
    }
}

/// A minimal JSON value with a deterministic writer.
enum JSON {
    case null
    case bool(Bool)
    case int(Int)
    /// A number already in JSON syntax.
    case number(String)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    func write(to out: inout String, indent: Int) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let n): out += JSON.validNumber(n) ? n : JSON.quoted(n)
        case .string(let s): out += JSON.quoted(s)
        case .array(let items):
            if items.isEmpty { out += "[]"; return }
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += String(repeating: " ", count: indent + 2)
                item.write(to: &out, indent: indent + 2)
                out += i + 1 < items.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "]"
        case .object(let members):
            if members.isEmpty { out += "{}"; return }
            out += "{\n"
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (i, key) in keys.enumerated() {
                out += String(repeating: " ", count: indent + 2) + JSON.quoted(key) + ": "
                members[key]?.write(to: &out, indent: indent + 2)
                out += i + 1 < keys.count ? ",\n" : "\n"
            }
            out += String(repeating: " ", count: indent) + "}"
        }
    }

    static func quoted(_ s: String) -> String { Quoting.json(s) }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    static func validNumber(_ s: String) -> Bool {
        var b = Array(s.utf8)[...]
        func digits() -> Int {
            var n = 0
            while let c = b.first, c >= 48, c <= 57 { b = b.dropFirst(); n += 1 }
            return n
        }
        if b.first == UInt8(ascii: "-") { b = b.dropFirst() }
        guard let first = b.first else { return false }
        if first == UInt8(ascii: "0") { b = b.dropFirst() } else if digits() == 0 { return false }
        if b.first == UInt8(ascii: ".") {
            b = b.dropFirst()
            if digits() == 0 { return false }
        }
        if let e = b.first, e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            b = b.dropFirst()
            if let sign = b.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { b = b.dropFirst() }
            if digits() == 0 { return false }
        }
        return b.isEmpty
    }
}
