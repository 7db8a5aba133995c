import Foundation
import PigstyDiagnostics
import PigstyYAML

/// Checks values against parameter and record specs, reporting PGS0302–PGS0307 into a sink.
/// It never stops at the first problem, never crashes on odd input, and never prints a password.
public struct ValueChecker {
    public let schema: Schema
    public let sink: DiagnosticSink

    private let typeTable: TypeTable

    public init(schema: Schema, sink: DiagnosticSink) {
        self.schema = schema
        self.sink = sink
        typeTable = Self.tables.table(for: schema)
    }

    /// Constraints of one value, gathered from a parameter or field spec.
    struct Constraints {
        var values: [String]?
        var valueNodes: [YAMLNode]?
        var min: Int?
        var max: Int?
        var pattern: String?
        var secret: Bool
        var allowsEmpty = false
        var multiline = false
    }

    /// Where a value sits: `label` names it in messages (`pg_users[0].name`), `path` is the full
    /// inventory path given by the caller, extended the same way. Built lazily: the strings are
    /// only formatted when a diagnostic needs them, which keeps clean inputs fast.
    indirect enum Place {
        case root(label: String, path: String)
        case key(Place, String)
        case index(Place, Int)
        case renamed(Place, label: String)

        func appending(key: String) -> Place { .key(self, key) }
        func appending(index: Int) -> Place { .index(self, index) }

        var label: String {
            switch self {
            case .root(let label, _): return label
            case .key(let parent, let key):
                let l = parent.label
                return l.isEmpty ? key : "\(l).\(key)"
            case .index(let parent, let i): return "\(parent.label)[\(i)]"
            case .renamed(_, let label): return label
            }
        }

        var path: String {
            switch self {
            case .root(_, let path): return path
            case .key(let parent, let key):
                let p = parent.path
                return p.isEmpty ? key : "\(p).\(key)"
            case .index(let parent, let i): return "\(parent.path)[\(i)]"
            case .renamed(let inner, _): return inner.path
            }
        }
    }

    /// Resolved types of every parameter and record field, computed once per schema.
    final class TypeTable: @unchecked Sendable {
        private var cache: [String: ValueType] = [:]
        private let lock = NSLock()

        func type(_ key: String, _ make: () -> ValueType) -> ValueType {
            lock.lock()
            defer { lock.unlock() }
            if let t = cache[key] { return t }
            let t = make()
            cache[key] = t
            return t
        }
    }

    private static let tables = TypeTables()

    final class TypeTables: @unchecked Sendable {
        private var tables: [ObjectIdentifier: TypeTable] = [:]
        private let lock = NSLock()

        func table(for schema: Schema) -> TypeTable {
            lock.lock()
            defer { lock.unlock() }
            if let t = tables[ObjectIdentifier(schema)] { return t }
            let t = TypeTable()
            tables[ObjectIdentifier(schema)] = t
            return t
        }
    }

    private func resolve(_ type: String, items: String?, entries: String?, record: String?) -> ValueType {
        let key = "\(type)|\(items ?? "")|\(entries ?? "")|\(record ?? "")"
        return typeTable.type(key) {
            ValueType.resolve(type: type, items: items, entries: entries, record: record) { schema.records[$0] != nil }
        }
    }

    // MARK: - Entry points

    /// Checks the value of a parameter; `path` is where it is in the inventory (for the diagnostic).
    /// `secret` masks the value in messages even when the parameter is not a password.
    public func check(_ node: YAMLNode, parameter: ParameterSpec, path: String, secret: Bool = false) {
        let type = resolve(parameter.type, items: parameter.items, entries: parameter.entries, record: nil)
        let c = Constraints(values: parameter.values, valueNodes: parameter.valueNodes, min: parameter.min,
                            max: parameter.max, pattern: parameter.pattern, secret: parameter.isSecret || secret,
                            allowsEmpty: parameter.allowsEmpty, multiline: parameter.multiline)
        check(node, type: type, constraints: c, acceptsNull: parameter.acceptsNull,
              at: .root(label: parameter.name, path: path))
    }

    /// Checks one record field's value.
    public func check(_ node: YAMLNode, field: FieldSpec, path: String) {
        let label = path.split(separator: ".").last.map(String.init) ?? field.name
        check(node, field: field, at: .root(label: label, path: path))
    }

    /// Checks a mapping against a record (unknown and missing fields, then each field's value).
    public func check(_ node: YAMLNode, record: RecordSpec, path: String) {
        checkRecord(node, record: record, secret: false, at: .root(label: path.isEmpty ? record.name : path, path: path))
    }

    // MARK: - Walk

    private func check(_ node: YAMLNode, field: FieldSpec, at place: Place) {
        let type = resolve(field.type, items: field.items, entries: field.entries, record: field.record)
        let c = Constraints(values: field.values, valueNodes: field.valueNodes, min: field.min, max: field.max,
                            pattern: field.pattern, secret: field.isSecret, multiline: field.multiline)
        check(node, type: type, constraints: c, acceptsNull: field.acceptsNull, at: place)
    }

    private func check(_ node: YAMLNode, type: ValueType, constraints c: Constraints?, acceptsNull: Bool,
                       at place: Place) {
        if case .any = type { return }
        let secret = c?.secret ?? false
        if node.isNull {
            if !acceptsNull { mismatch(node, type, secret: secret, at: place) }
            return
        }
        switch type {
        case .any:
            return
        case .bool:
            guard node.bool != nil else { return mismatch(node, type, secret: secret, at: place) }
        case .int:
            switch node.value {
            case .int(let i)?: checkRange(node, Double(i), c, at: place)
            case .bigInt?: outOfRange(node, c, bigInt: true, at: place)
            default: return mismatch(node, type, secret: secret, at: place)
            }
        case .port:
            var portRange = c ?? Constraints(secret: secret)
            portRange.min = Swift.max(portRange.min ?? 0, 0)
            portRange.max = Swift.min(portRange.max ?? 65535, 65535)
            switch node.value {
            case .int(let i)?: checkRange(node, Double(i), portRange, at: place)
            case .bigInt?: outOfRange(node, portRange, bigInt: true, at: place)
            default: return mismatch(node, type, secret: secret, at: place)
            }
        case .float:
            switch node.value {
            case .int(let i)?: checkRange(node, Double(i), c, at: place)
            case .float(let d)?: checkRange(node, d, c, at: place)
            case .bigInt(let s)?: checkRange(node, Double(s) ?? 0, c, at: place)
            default: return mismatch(node, type, secret: secret, at: place)
            }
        case .text:
            guard let value = node.value else { return mismatch(node, type, secret: secret, at: place) }
            switch value {
            case .int, .bigInt, .float:
                if let s = node.scalar, s.style == .plain, let read = Self.numberText(value), read != s.text {
                    return numberChangedText(node, type, read: read, secret: secret, at: place)
                }
                checkValues(node, c, at: place)
                checkPattern(node, c, at: place)
            case .string(let s):
                checkControl(node, s, c, at: place)
                checkValues(node, c, at: place)
                checkPattern(node, c, at: place)
            case .timestamp:
                checkValues(node, c, at: place)
                checkPattern(node, c, at: place)
            case .bool, .null:
                return mismatch(node, type, secret: secret, at: place)
            }
        case .ip:
            if node.string == "", c?.allowsEmpty == true { return }
            guard let s = node.string, Self.isIPv4(s) else { return mismatch(node, type, secret: secret, at: place) }
            checkValues(node, c, at: place)
            checkPattern(node, c, at: place)
        case .cidr4:
            guard let s = node.string, Self.isCIDR4(s) else { return mismatch(node, type, secret: secret, at: place) }
            checkPattern(node, c, at: place)
        case .enumeration:
            guard node.scalar != nil else {
                let values = c?.values ?? []
                return mismatch(node, type, secret: secret, at: place,
                                expectation: values.isEmpty ? "a single value" : "one of \(Self.list(values))")
            }
            checkValues(node, c, at: place)
            checkPattern(node, c, at: place)
        case .list(let element):
            guard let items = node.sequence else { return mismatch(node, type, secret: secret, at: place) }
            // Scalar constraints (values, range, pattern) apply to each item.
            for (i, item) in items.enumerated() {
                check(item, type: element, constraints: c, acceptsNull: false, at: place.appending(index: i))
            }
        case .dict(let entry):
            guard let pairs = node.mapping else { return mismatch(node, type, secret: secret, at: place) }
            guard let entry else { return }
            for pair in pairs {
                let key = pair.key.keyName ?? "?"
                check(pair.value, type: entry, constraints: c, acceptsNull: false, at: place.appending(key: key))
            }
        case .record(let name):
            guard let record = schema.records[name] else { return }
            checkRecord(node, record: record, secret: secret, at: place)
        case .recordOrText(let name):
            if let record = schema.records[name], record.shorthand != nil {
                return checkRecord(node, record: record, secret: secret, at: place)
            }
            if let s = node.scalar {
                switch s.value {
                case .string: return
                default: return mismatch(node, type, secret: secret, at: place)
                }
            }
            guard let record = schema.records[name] else { return }
            checkRecord(node, record: record, secret: secret, at: place)
        }
    }

    private func checkRecord(_ node: YAMLNode, record: RecordSpec, secret: Bool, at place: Place) {
        if record.tuple { return checkTuple(node, record: record, secret: secret, at: place) }
        if let shorthand = record.shorthand, let field = record.field(shorthand), node.scalar != nil, !node.isNull {
            // `postgis` stands for `{name: postgis}`.
            return check(node, field: field, at: place)
        }
        guard let pairs = node.mapping else {
            let type: ValueType = record.shorthand != nil ? .recordOrText(record.name) : .record(record.name)
            return mismatch(node, type, secret: secret, at: place)
        }
        var present = Set<String>()
        for pair in pairs {
            guard let key = pair.key.keyName else {
                if !record.open {
                    sink.report(.unknownField,
                                "'\(place.label)' has a \(pair.key.kindName) key; \(record.name) fields are names",
                                at: pair.key.range, path: place.path)
                }
                continue
            }
            present.insert(key)
            if let field = record.field(key) {
                check(pair.value, field: field, at: place.appending(key: key))
            } else if !record.open {
                var notes: [DiagnosticNote] = []
                if record.fields.count <= 24 {
                    notes.append(DiagnosticNote("valid fields of \(record.name): "
                                                + record.fields.map(\.name).joined(separator: ", ")))
                }
                let suggestion = Suggest.closest(to: key, among: record.fields.lazy.map(\.name))
                    .map { "did you mean '\($0)'?" }
                sink.report(.unknownField,
                            "unknown field '\(Self.clip(key))' in '\(place.label)' (\(record.name))",
                            at: pair.key.range, path: place.appending(key: key).path, notes: notes,
                            suggestion: suggestion)
            }
        }
        for field in record.fields where field.required && !present.contains(field.name) {
            sink.report(.missingField,
                        "'\(place.label)' is missing required field '\(field.name)' (\(record.name))",
                        at: node.range, path: place.path,
                        notes: field.description.isEmpty ? [] : [DiagnosticNote("\(field.name): \(field.description)")])
        }
    }

    /// A record written as a list read by position (`pg_rto_plan` presets).
    private func checkTuple(_ node: YAMLNode, record: RecordSpec, secret: Bool, at place: Place) {
        let names = record.fields.map(\.name).joined(separator: ", ")
        guard let items = node.sequence else {
            return mismatch(node, .record(record.name), secret: secret, at: place,
                            expectation: "a list of \(record.fields.count) values (\(record.name): \(names))")
        }
        for (i, item) in items.enumerated() {
            let itemPlace = place.appending(index: i)
            if i < record.fields.count {
                let field = record.fields[i]
                check(item, field: field, at: .renamed(itemPlace, label: "\(itemPlace.label) (\(field.name))"))
            } else {
                sink.report(.unknownField,
                            "'\(place.label)' has \(items.count) items; \(record.name) takes \(record.fields.count) "
                            + "(\(names))",
                            at: item.range, path: itemPlace.path)
                break
            }
        }
        let missing = record.fields.dropFirst(items.count).filter(\.required).map(\.name)
        if !missing.isEmpty {
            sink.report(.missingField,
                        "'\(place.label)' has \(items.count) items; \(record.name) needs "
                        + "\(record.fields.filter(\.required).count) (missing \(missing.joined(separator: ", ")))",
                        at: node.range, path: place.path,
                        notes: [DiagnosticNote("\(record.name) items, in order: \(names)")])
        }
    }

    // MARK: - Scalar constraints

    private func checkRange(_ node: YAMLNode, _ value: Double, _ c: Constraints?, at place: Place) {
        guard let c else { return }
        if value.isNaN || (c.min.map { value < Double($0) } ?? false) || (c.max.map { value > Double($0) } ?? false) {
            outOfRange(node, c, bigInt: false, at: place)
        }
    }

    private func outOfRange(_ node: YAMLNode, _ c: Constraints?, bigInt: Bool, at place: Place) {
        let bounds: String
        switch (c?.min, c?.max) {
        case let (lo?, hi?): bounds = "between \(lo) and \(hi)"
        case let (lo?, nil): bounds = "at least \(lo)"
        case let (nil, hi?): bounds = "at most \(hi)"
        case (nil, nil): bounds = "a 64-bit integer"
        }
        let secret = c?.secret ?? false
        let shown = secret ? "a password value" : Self.clip(node.scalar?.text ?? "")
        let extra = bigInt && c?.min == nil && c?.max == nil ? " (too large)" : ""
        sink.report(.outOfRange, "'\(place.label)' must be \(bounds), found \(shown)\(extra)",
                    at: node.range, path: place.path)
    }

    private func checkValues(_ node: YAMLNode, _ c: Constraints?, at place: Place) {
        guard let c, let values = c.values, !values.isEmpty, let s = node.scalar else { return }
        var allowed = Set(values)
        for v in c.valueNodes ?? [] {
            if let value = v.value { allowed.insert(YAMLNode.describe(value)) }
        }
        if allowed.contains(s.text) || allowed.contains(YAMLNode.describe(s.value)) { return }
        let list = Self.list(values)
        if c.secret {
            sink.report(.notAllowedValue,
                        "'\(place.label)' must be one of \(list); a password value is not", at: node.range,
                        path: place.path)
            return
        }
        let shown = s.value == .null ? "null" : s.text
        var guess = Suggest.closest(to: shown, among: values)
        if guess == nil, !shown.isEmpty {
            // `oltp` for `oltp.yml`: the one value that starts with what was written.
            let extended = values.filter { $0.hasPrefix(shown) }
            if extended.count == 1 { guess = extended[0] }
        }
        let suggestion = guess.map { "did you mean '\($0)'?" }
        sink.report(.notAllowedValue,
                    "'\(place.label)' must be one of \(list); found '\(Self.clip(shown))'",
                    at: node.range, path: place.path, suggestion: suggestion)
    }

    static func list(_ values: [String]) -> String {
        values.count <= 20
            ? values.joined(separator: ", ")
            : values.prefix(20).joined(separator: ", ") + ", … (\(values.count) in all)"
    }

    /// A line break or other control character in a string-like value that is not `multiline`:
    /// no file format carries it as itself everywhere, and in most it would start a new line.
    private func checkControl(_ node: YAMLNode, _ s: String, _ c: Constraints?, at place: Place) {
        guard c?.multiline != true, s.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else { return }
        let secret = c?.secret ?? false
        let message = secret
            ? "'\(place.label)' holds a line break or another control character; the password value does"
            : "'\(place.label)' holds a line break or another control character: '\(Self.clip(s))'"
        sink.report(.controlCharacter, message, at: node.range, path: place.path,
                    notes: [DiagnosticNote("only text inserted as written (such as HBA rule lines) may span lines")])
    }

    private func checkPattern(_ node: YAMLNode, _ c: Constraints?, at place: Place) {
        guard let c, let pattern = c.pattern, let regex = schema.regexes[pattern], let value = node.value else { return }
        let text: String
        if case .string(let s) = value { text = s } else { text = YAMLNode.describe(value) }
        let ns = text as NSString
        if regex.firstMatch(in: text, options: [], range: NSRange(location: 0, length: ns.length)) != nil { return }
        let message = c.secret
            ? "'\(place.label)' must match \(pattern); the password value does not"
            : "'\(place.label)' must match \(pattern), found '\(Self.clip(text))'"
        sink.report(.patternMismatch, message, at: node.range, path: place.path)
    }

    // MARK: - Type mismatch

    private func mismatch(_ node: YAMLNode, _ type: ValueType, secret: Bool, at place: Place,
                          expectation: String? = nil) {
        var notes: [DiagnosticNote] = []
        var suggestion: String?
        let found = Self.found(node, secret: secret)
        if let s = node.scalar {
            switch (type, s.value) {
            case (.text, .bool), (.ip, .bool), (.cidr4, .bool), (.recordOrText, .bool), (.list(.text), .bool):
                if s.style == .plain {
                    notes.append(DiagnosticNote(
                        "YAML 1.1 (which Ansible uses) reads unquoted yes/no/on/off/true/false as booleans"))
                    suggestion = secret ? "quote the value" : "quote it: '\(Self.clip(s.text))'"
                }
            case (.int, .string(let t)), (.port, .string(let t)), (.float, .string(let t)):
                if s.style != .plain, Self.isNumber(ScalarResolver.resolvePlain(t)) {
                    notes.append(DiagnosticNote("a quoted number is a string"))
                    suggestion = "remove the quotes"
                }
            case (.bool, .string(let t)):
                if s.style != .plain, case .bool = ScalarResolver.resolvePlain(t) {
                    notes.append(DiagnosticNote("a quoted boolean is a string"))
                    suggestion = "remove the quotes"
                }
            case (.list, _):
                suggestion = "write a list, e.g. [ \(secret ? "…" : Self.clip(s.text, limit: 30)) ]"
            default:
                break
            }
        }
        sink.report(.typeMismatch, "'\(place.label)' expects \(expectation ?? type.expectation), found \(found)",
                    at: node.range, path: place.path, notes: notes, suggestion: suggestion)
    }

    /// A string-typed value that YAML 1.1 read as a number whose decimal form is not what was
    /// written (`0123` is octal 83, `1_000` is 1000, `0x1F` is 31, `1:20` is sexagesimal 80): Ansible
    /// passes on the number, so the string the user meant is lost.
    private func numberChangedText(_ node: YAMLNode, _ type: ValueType, read: String, secret: Bool, at place: Place) {
        let found = secret ? "a password value that YAML 1.1 reads as a number, not as written"
            : "'\(Self.clip(node.scalar?.text ?? ""))', which YAML 1.1 reads as the number \(read)"
        sink.report(.typeMismatch,
                    "'\(place.label)' expects \(type.expectation), found \(found)",
                    at: node.range, path: place.path,
                    notes: [DiagnosticNote("YAML 1.1 (which Ansible uses) reads unquoted octal (0123), hexadecimal (0x1F), "
                                           + "underscored (1_000) and sexagesimal (1:20) numbers; the string becomes its decimal value")],
                    suggestion: secret ? "quote the value" : "quote it: '\(Self.clip(node.scalar?.text ?? ""))'")
    }

    /// How Ansible (Python) prints a number read from YAML: `str(int)` / `repr(float)`.
    static func numberText(_ v: YAMLValue) -> String? {
        switch v {
        case .int(let i): return String(i)
        case .bigInt(let s): return s
        case .float(let d):
            if d.isNaN { return "nan" }
            if d.isInfinite { return d < 0 ? "-inf" : "inf" }
            return "\(d)"
        default: return nil
        }
    }

    private static func isNumber(_ v: YAMLValue) -> Bool {
        switch v {
        case .int, .bigInt, .float: return true
        default: return false
        }
    }

    /// "string 'abc'", "integer 5432", "a list", … — or "a password value".
    public static func found(_ node: YAMLNode, secret: Bool) -> String {
        switch node.content {
        case .sequence: return secret ? "a password value (a list)" : "a list"
        case .mapping: return secret ? "a password value (a mapping)" : "a mapping"
        case .scalar(let s):
            if secret { return s.value == .null ? "null" : "a password value (\(node.kindName))" }
            switch s.value {
            case .null: return "null"
            case .bool: return "boolean '\(clip(s.text))'"
            case .int, .bigInt: return "integer \(clip(s.text))"
            case .float: return "float \(clip(s.text))"
            case .string(let t): return "string '\(clip(t))'"
            case .timestamp(let t): return "timestamp '\(clip(t))'"
            }
        }
    }

    /// Shortens a value for a message and makes control characters visible.
    static func clip(_ text: String, limit: Int = 60) -> String {
        var out = ""
        var count = 0
        for ch in text.unicodeScalars {
            if count >= limit { out += "…"; break }
            switch ch {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if ch.value < 0x20 || ch.value == 0x7F {
                    out += String(format: "\\x%02X", ch.value)
                } else {
                    out.unicodeScalars.append(ch)
                }
            }
            count += 1
        }
        return out
    }

    // MARK: - Addresses

    /// A dotted-quad IPv4 address (`10.10.10.10`).
    public static func isIPv4(_ s: String) -> Bool {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for p in parts {
            guard (1...3).contains(p.utf8.count), p.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let v = Int(p), v <= 255 else { return false }
        }
        return true
    }

    /// An IPv4 CIDR block (`10.10.10.0/24`).
    public static func isCIDR4(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, isIPv4(String(parts[0])),
              (1...2).contains(parts[1].utf8.count), parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
              let bits = Int(parts[1]), bits <= 32 else { return false }
        return true
    }
}
