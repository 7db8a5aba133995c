import Foundation
import PigstyDiagnostics
import PigstyYAML

/// The level at which a Pigsty parameter is meant to be set: all.vars (global), a group's vars
/// (cluster), a host's vars (instance), or on the command line (ad hoc, `-e`).
public enum Level: String, Sendable, CaseIterable, Hashable {
    case global = "G"
    case cluster = "C"
    case instance = "I"
    case adhoc = "A"
}

/// One Pigsty parameter, as declared in `schema/<module>.yml`.
public struct ParameterSpec: Sendable {
    public let name: String
    /// Module name (`PGSQL`, `NODE`, …): the parameter's own `module:`, else its file's.
    public let module: String
    public let section: String
    /// Pigsty's type word (`string`, `port`, `user[]`, `dict`, …).
    public let type: String
    public let levels: [Level]
    /// The level as written (`G/C/I`).
    public let levelText: String
    /// An identity parameter: no default, required on the hosts of its module.
    public let required: Bool
    /// No default, may be absent.
    public let optional: Bool
    /// The default, when the schema declares one (a node whose value may be null).
    public let defaultValue: YAMLNode?
    /// Allowed values of an `enum`, as written in the schema.
    public let values: [String]?
    public let min: Int?
    public let max: Int?
    public let pattern: String?
    /// Record (or type) of a list's items.
    public let items: String?
    /// Record (or type) of a dict's values.
    public let entries: String?
    public let description: String
    /// Where the parameter is declared in the schema data.
    public let range: SourceRange

    /// The value nodes of `values`, kept to export typed enums.
    let valueNodes: [YAMLNode]?
    /// `empty: true`: an empty string is accepted besides the type's values (Pigsty gives it a
    /// meaning, e.g. `redis_bind_address: ''` binds the node's own address).
    public var allowsEmpty: Bool = false
    /// `multiline: true`: the value may hold line breaks and other control characters (text
    /// inserted as written, such as HBA rule lines); any other string-like value may not.
    public var multiline: Bool = false

    /// Passwords are never echoed in messages or exports.
    public var isSecret: Bool { type == "password" }
    public var hasDefault: Bool { defaultValue != nil }
    /// A null value is acceptable: the default is null, or the parameter has no default at all.
    public var acceptsNull: Bool { required || optional || defaultValue?.isNull == true }
}

/// One field of a record (a structured item such as a `pg_users` entry).
public struct FieldSpec: Sendable {
    public let name: String
    public let type: String
    public let required: Bool
    public let optional: Bool
    public let defaultValue: YAMLNode?
    public let values: [String]?
    public let min: Int?
    public let max: Int?
    public let pattern: String?
    public let items: String?
    public let entries: String?
    /// The record of a `type: record` field.
    public let record: String?
    public let description: String
    public let range: SourceRange

    let valueNodes: [YAMLNode]?
    /// As `ParameterSpec.multiline`.
    public var multiline: Bool = false

    public var isSecret: Bool { type == "password" }
    /// Fields that are not required may be null.
    public var acceptsNull: Bool { !required }
}

/// A structured value (a mapping with known fields), declared in `schema/records.yml`.
public struct RecordSpec: Sendable {
    public let name: String
    public let description: String
    /// Unknown fields are allowed.
    public let open: Bool
    /// Fields in file order.
    public let fields: [FieldSpec]
    /// A bare scalar in place of the record stands for `{<shorthand>: scalar}` (`[postgis, {name: x}]`).
    public let shorthand: String?
    /// The value is a list read by position (field i is item i), not a mapping.
    public let tuple: Bool
    private let index: [String: Int]

    init(name: String, description: String, open: Bool, fields: [FieldSpec], shorthand: String? = nil,
         tuple: Bool = false) {
        self.name = name
        self.description = description
        self.open = open
        self.fields = fields
        self.shorthand = shorthand
        self.tuple = tuple
        var index: [String: Int] = [:]
        for (i, f) in fields.enumerated() where index[f.name] == nil { index[f.name] = i }
        self.index = index
    }

    public func field(_ name: String) -> FieldSpec? {
        index[name].map { fields[$0] }
    }

    public var requiredFields: [FieldSpec] { fields.filter(\.required) }
}

/// The Pigsty parameter schema: every parameter of every module, and the records that describe
/// structured values. `Schema.pigsty` is compiled into the binary (see `scripts/embed-schema`).
public final class Schema: @unchecked Sendable {
    /// The schema of Pigsty v4.5, loaded once from the embedded data.
    public static let pigsty = Schema(files: EmbeddedSchema.files)

    /// All parameters: files in file-name order, parameters in file order.
    public let parameters: [ParameterSpec]
    public let records: [String: RecordSpec]
    /// Record names, sorted.
    public let recordNames: [String]
    /// Module names in the order their first parameter appears.
    public let modules: [String]
    /// Problems in the schema data (empty for the embedded schema; tests make sure).
    public let loadDiagnostics: [Diagnostic]
    /// The distinct text before the first `_` of every parameter name (`pg`, `node`, …), sorted,
    /// without `ansible`. A variable with one of these prefixes is taken for a Pigsty parameter.
    public let parameterPrefixes: [String]

    private let byName: [String: Int]
    /// Role defaults by parameter name, for the resolver's hot path (no copy of a whole spec).
    private let defaults: [String: YAMLNode]
    private let prefixSet: Set<String>
    /// Compiled `pattern`s, by pattern text.
    let regexes: [String: NSRegularExpression]

    /// Loads a schema from `(file name, text)` pairs (files are read in file-name order).
    public init(files: [(name: String, text: String)]) {
        let sink = DiagnosticSink()
        var loader = SchemaLoader(sink: sink)
        for file in files.sorted(by: { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }) {
            loader.load(name: file.name, text: file.text)
        }
        loader.finish()
        parameters = loader.parameters
        records = loader.records
        recordNames = loader.records.keys.sorted()
        modules = loader.modules
        regexes = loader.regexes
        var byName: [String: Int] = [:]
        for (i, p) in parameters.enumerated() where byName[p.name] == nil { byName[p.name] = i }
        self.byName = byName
        var defaults: [String: YAMLNode] = [:]
        for (name, i) in byName { if let d = parameters[i].defaultValue { defaults[name] = d } }
        self.defaults = defaults
        var prefixes = Set<String>()
        for p in parameters {
            guard let underscore = p.name.firstIndex(of: "_"), underscore != p.name.startIndex else { continue }
            let prefix = String(p.name[..<underscore])
            if prefix != "ansible" { prefixes.insert(prefix) }
        }
        prefixSet = prefixes
        parameterPrefixes = prefixes.sorted()
        loadDiagnostics = sink.sorted
    }

    public func parameter(_ name: String) -> ParameterSpec? {
        byName[name].map { parameters[$0] }
    }

    /// The role default of a parameter, when the schema declares one.
    public func defaultValue(_ name: String) -> YAMLNode? { defaults[name] }

    public func record(_ name: String) -> RecordSpec? { records[name] }

    public var parameterNames: [String] { parameters.map(\.name) }

    public func parameters(inModule module: String) -> [ParameterSpec] {
        parameters.filter { $0.module.caseInsensitiveCompare(module) == .orderedSame }
    }

    /// Whether `name` starts with a Pigsty parameter prefix (`pg_…`, `node_…`), so that an unknown
    /// variable of that shape is most likely a misspelled parameter rather than a user variable.
    public func hasParameterPrefix(_ name: String) -> Bool {
        guard let underscore = name.firstIndex(of: "_") else { return false }
        return prefixSet.contains(String(name[..<underscore]))
    }

    /// The parameter closest to a misspelled name, if any is close enough.
    public func suggestParameter(for name: String) -> String? {
        Suggest.closest(to: name, among: parameters.lazy.map(\.name))
    }

    /// Checks every declared default against its own spec. The diagnostics point into the schema
    /// data; an empty result means the schema is self-consistent.
    public func validateDefaults() -> [Diagnostic] {
        let sink = DiagnosticSink()
        let checker = ValueChecker(schema: self, sink: sink)
        for p in parameters {
            if let d = p.defaultValue { checker.check(d, parameter: p, path: p.name) }
        }
        for name in recordNames {
            guard let r = records[name] else { continue }
            for f in r.fields {
                if let d = f.defaultValue { checker.check(d, field: f, path: "\(name).\(f.name)") }
            }
        }
        return sink.sorted
    }
}

// MARK: - Loading

/// Reads the schema files, reporting every problem in the data instead of stopping at the first.
struct SchemaLoader {
    let sink: DiagnosticSink
    var parameters: [ParameterSpec] = []
    var records: [String: RecordSpec] = [:]
    var modules: [String] = []
    var regexes: [String: NSRegularExpression] = [:]
    private var seen: [String: SourceRange] = [:]

    static let parameterKeys: Set<String> = [
        "section", "type", "level", "required", "optional", "default", "values", "min", "max",
        "pattern", "items", "entries", "description", "module", "empty", "multiline",
    ]
    static let fieldKeys: Set<String> = [
        "type", "required", "optional", "default", "values", "min", "max", "pattern", "items",
        "entries", "record", "description", "multiline",
    ]

    init(sink: DiagnosticSink) { self.sink = sink }

    private func problem(_ message: String, at range: SourceRange?) {
        sink.report(.schemaData, message, at: range)
    }

    mutating func load(name: String, text: String) {
        let path = "schema/\(name)"
        guard let root = YAML.parse(SourceFile(path: path, text: text), into: sink) else { return }
        guard let pairs = root.mapping else {
            problem("\(path): the top level must be a mapping", at: root.range)
            return
        }
        var module: String?
        if let m = root["module"] {
            if let s = m.string, !s.isEmpty { module = s } else { problem("'module' must be a non-empty string", at: m.range) }
        }
        for pair in pairs {
            switch pair.key.keyName {
            case "module":
                break
            case "parameters":
                guard let params = pair.value.mapping else {
                    if !pair.value.isNull { problem("'parameters' must be a mapping", at: pair.value.range) }
                    continue
                }
                guard let module else {
                    problem("a file with 'parameters' must declare its 'module'", at: pair.key.range)
                    continue
                }
                for p in params { loadParameter(p, module: module) }
            case "records":
                guard let recs = pair.value.mapping else {
                    if !pair.value.isNull { problem("'records' must be a mapping", at: pair.value.range) }
                    continue
                }
                for r in recs { loadRecord(r) }
            default:
                problem("unknown top-level key '\(pair.key.keyName ?? "?")' (expected module, parameters, records)",
                        at: pair.key.range)
            }
        }
    }

    /// Common attributes of parameters and fields.
    private struct Attributes {
        var type = ""
        var required = false
        var optional = false
        var defaultValue: YAMLNode?
        var values: [String]?
        var valueNodes: [YAMLNode]?
        var min: Int?
        var max: Int?
        var pattern: String?
        var items: String?
        var entries: String?
        var record: String?
        var description = ""
        var section = ""
        var level = ""
        var module: String?
        var empty = false
        var multiline = false
    }

    private mutating func attributes(of pair: YAMLPair, allowed: Set<String>, label: String) -> Attributes? {
        guard let map = pair.value.mapping else {
            problem("\(label) must be a mapping of attributes", at: pair.value.range)
            return nil
        }
        var a = Attributes()
        func string(_ node: YAMLNode, _ key: String) -> String? {
            if let s = node.string { return s }
            problem("'\(key)' of \(label) must be a string", at: node.range)
            return nil
        }
        func bool(_ node: YAMLNode, _ key: String) -> Bool {
            if let b = node.bool { return b }
            problem("'\(key)' of \(label) must be true or false", at: node.range)
            return false
        }
        func int(_ node: YAMLNode, _ key: String) -> Int? {
            if let i = node.int { return i }
            problem("'\(key)' of \(label) must be an integer", at: node.range)
            return nil
        }
        for attr in map {
            let key = attr.key.keyName ?? "?"
            let v = attr.value
            guard allowed.contains(key) else {
                var suggestion: String?
                if let s = Suggest.closest(to: key, among: allowed.sorted()) { suggestion = "did you mean '\(s)'?" }
                sink.report(.schemaData, "unknown attribute '\(key)' of \(label)",
                            at: attr.key.range, suggestion: suggestion)
                continue
            }
            switch key {
            case "type": a.type = string(v, key) ?? ""
            case "section": a.section = string(v, key) ?? ""
            case "level": a.level = string(v, key) ?? ""
            case "module": a.module = string(v, key)
            case "description": a.description = string(v, key) ?? ""
            case "required": a.required = bool(v, key)
            case "optional": a.optional = bool(v, key)
            case "empty": a.empty = bool(v, key)
            case "multiline": a.multiline = bool(v, key)
            case "default": a.defaultValue = v
            case "min": a.min = int(v, key)
            case "max": a.max = int(v, key)
            case "pattern":
                if let p = string(v, key) {
                    a.pattern = p
                    if regexes[p] == nil {
                        do {
                            regexes[p] = try NSRegularExpression(pattern: p)
                        } catch {
                            problem("pattern of \(label) is not a valid regular expression", at: v.range)
                        }
                    }
                }
            case "items": a.items = string(v, key)
            case "entries": a.entries = string(v, key)
            case "record": a.record = string(v, key)
            case "values":
                guard let list = v.sequence else {
                    problem("'values' of \(label) must be a list", at: v.range)
                    continue
                }
                var texts: [String] = []
                for item in list {
                    guard let s = item.scalar, item.value != .null else {
                        problem("'values' of \(label) must hold scalars", at: item.range)
                        continue
                    }
                    texts.append(s.text)
                }
                a.values = texts
                a.valueNodes = list.filter { $0.scalar != nil && $0.value != .null }
            default: break
            }
        }
        if a.type.isEmpty { problem("\(label) has no 'type'", at: pair.key.range) }
        if a.description.isEmpty { problem("\(label) has no 'description'", at: pair.key.range) }
        if a.required && a.optional {
            problem("\(label) cannot be both required and optional", at: pair.key.range)
        }
        if let min = a.min, let max = a.max, min > max {
            problem("\(label) has min \(min) greater than max \(max)", at: pair.key.range)
        }
        // An enum without `values` is open (Pigsty's catalogue calls pg_version an enum): any scalar.
        if a.values != nil, a.type != "enum", !a.type.hasSuffix("[]") {
            problem("\(label) has 'values' but is not an enum", at: pair.key.range)
        }
        return a
    }

    private mutating func loadParameter(_ pair: YAMLPair, module: String) {
        guard let name = pair.key.keyName, !name.isEmpty else {
            problem("parameter names must be strings", at: pair.key.range)
            return
        }
        guard let a = attributes(of: pair, allowed: Self.parameterKeys, label: "parameter '\(name)'") else { return }
        if let first = seen[name] {
            sink.report(.schemaData, "parameter '\(name)' is declared twice", at: pair.key.range,
                        notes: [DiagnosticNote("first declared here", at: first)])
            return
        }
        seen[name] = pair.key.range
        if a.section.isEmpty { problem("parameter '\(name)' has no 'section'", at: pair.key.range) }
        var levels: [Level] = []
        if a.level.isEmpty {
            problem("parameter '\(name)' has no 'level'", at: pair.key.range)
        } else {
            for part in a.level.split(separator: "/", omittingEmptySubsequences: false) {
                let t = part.trimmingCharacters(in: .whitespaces)
                if let l = Level(rawValue: t) {
                    if !levels.contains(l) { levels.append(l) }
                } else {
                    problem("parameter '\(name)' has an unknown level '\(t)' (expected G, C, I or A joined by '/')",
                            at: pair.value["level"]?.range ?? pair.key.range)
                }
            }
        }
        if !a.required && !a.optional && a.defaultValue == nil {
            problem("parameter '\(name)' has no 'default'; mark it 'required: true' or 'optional: true'",
                    at: pair.key.range)
        }
        if a.required && a.defaultValue != nil {
            problem("required parameter '\(name)' must not have a default", at: pair.key.range)
        }
        if a.record != nil { problem("parameter '\(name)' cannot use 'record'", at: pair.key.range) }
        // A file of assorted parameters (extras.yml) names each one's module.
        let module = a.module.flatMap { $0.isEmpty ? nil : $0 } ?? module
        if !modules.contains(module) { modules.append(module) }
        parameters.append(ParameterSpec(
            name: name, module: module, section: a.section, type: a.type, levels: levels,
            levelText: a.level, required: a.required, optional: a.optional, defaultValue: a.defaultValue,
            values: a.values, min: a.min, max: a.max, pattern: a.pattern, items: a.items, entries: a.entries,
            description: a.description, range: pair.key.range, valueNodes: a.valueNodes, allowsEmpty: a.empty,
            multiline: a.multiline))
    }

    private mutating func loadRecord(_ pair: YAMLPair) {
        guard let name = pair.key.keyName, !name.isEmpty else {
            problem("record names must be strings", at: pair.key.range)
            return
        }
        guard let map = pair.value.mapping else {
            problem("record '\(name)' must be a mapping", at: pair.value.range)
            return
        }
        if records[name] != nil {
            problem("record '\(name)' is declared twice", at: pair.key.range)
            return
        }
        var description = ""
        var open = false
        var tuple = false
        var shorthand: String?
        var fields: [FieldSpec] = []
        for entry in map {
            switch entry.key.keyName {
            case "description":
                if let s = entry.value.string { description = s } else {
                    problem("description of record '\(name)' must be a string", at: entry.value.range)
                }
            case "open":
                if let b = entry.value.bool { open = b } else {
                    problem("'open' of record '\(name)' must be true or false", at: entry.value.range)
                }
            case "tuple":
                if let b = entry.value.bool { tuple = b } else {
                    problem("'tuple' of record '\(name)' must be true or false", at: entry.value.range)
                }
            case "shorthand":
                if let f = entry.value.string { shorthand = f } else {
                    problem("'shorthand' of record '\(name)' must be a field name", at: entry.value.range)
                }
            case "fields":
                guard let fs = entry.value.mapping else {
                    problem("'fields' of record '\(name)' must be a mapping", at: entry.value.range)
                    continue
                }
                for f in fs {
                    guard let fname = f.key.keyName, !fname.isEmpty else {
                        problem("field names of record '\(name)' must be strings", at: f.key.range)
                        continue
                    }
                    guard let a = attributes(of: f, allowed: Self.fieldKeys, label: "field '\(name).\(fname)'")
                    else { continue }
                    if a.required && a.defaultValue != nil {
                        problem("required field '\(name).\(fname)' must not have a default", at: f.key.range)
                    }
                    fields.append(FieldSpec(
                        name: fname, type: a.type, required: a.required, optional: a.optional,
                        defaultValue: a.defaultValue, values: a.values, min: a.min, max: a.max, pattern: a.pattern,
                        items: a.items, entries: a.entries, record: a.record, description: a.description,
                        range: f.key.range, valueNodes: a.valueNodes, multiline: a.multiline))
                }
            default:
                problem("unknown key '\(entry.key.keyName ?? "?")' in record '\(name)' "
                        + "(expected description, open, shorthand, tuple, fields)",
                        at: entry.key.range)
            }
        }
        if description.isEmpty { problem("record '\(name)' has no 'description'", at: pair.key.range) }
        if fields.isEmpty && !open { problem("record '\(name)' has no fields", at: pair.key.range) }
        if let shorthand, !fields.contains(where: { $0.name == shorthand }) {
            problem("shorthand of record '\(name)' names '\(shorthand)', which is not one of its fields",
                    at: pair.value["shorthand"]?.range ?? pair.key.range)
        }
        if tuple, open { problem("record '\(name)' cannot be both tuple and open", at: pair.key.range) }
        if tuple, shorthand != nil { problem("record '\(name)' cannot be both tuple and shorthand", at: pair.key.range) }
        if tuple, let firstOptional = fields.firstIndex(where: { !$0.required }),
           fields[firstOptional...].contains(where: \.required) {
            problem("tuple record '\(name)' has a required field after an optional one", at: pair.key.range)
        }
        records[name] = RecordSpec(name: name, description: description, open: open, fields: fields,
                                   shorthand: shorthand, tuple: tuple)
    }

    /// Checks types and references once every file is read.
    mutating func finish() {
        let names = Set(records.keys)
        for p in parameters {
            for message in ValueType.problems(type: p.type, items: p.items, entries: p.entries, record: nil, records: names) {
                problem("parameter '\(p.name)': \(message)", at: p.range)
            }
        }
        for r in records.values.sorted(by: { $0.name < $1.name }) {
            for f in r.fields {
                for message in ValueType.problems(type: f.type, items: f.items, entries: f.entries, record: f.record,
                                                  records: names) {
                    problem("field '\(r.name).\(f.name)': \(message)", at: f.range)
                }
            }
        }
    }
}
