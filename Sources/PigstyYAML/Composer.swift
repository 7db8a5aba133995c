import CYAML
import PigstyDiagnostics

/// Limits that turn hostile input into diagnostics instead of exhausted memory or stack.
public struct YAMLLimits: Sendable {
    /// Largest accepted file in bytes.
    public var maxBytes: Int
    /// Deepest accepted nesting of collections.
    public var maxDepth: Int
    /// Largest number of nodes the document may stand for once aliases are expanded.
    public var maxExpandedNodes: Int

    public init(maxBytes: Int = 64 << 20, maxDepth: Int = 128, maxExpandedNodes: Int = 5_000_000) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxExpandedNodes = maxExpandedNodes
    }

    public static let standard = YAMLLimits()
}

public enum YAML {
    /// Parses one YAML document into a composed node tree. Problems go to `sink`; the result is
    /// nil when the text is not a well-formed single document within the limits.
    public static func parse(_ file: SourceFile, limits: YAMLLimits = .standard,
                             into sink: DiagnosticSink) -> YAMLNode? {
        sink.register(file)
        if file.bytes.count > limits.maxBytes {
            sink.report(.fileTooLarge,
                        "file is larger than the limit of \(limits.maxBytes) bytes",
                        at: SourceRange(file: file.path, start: SourcePosition(line: 1, column: 1)))
            return nil
        }
        var composer = Composer(file: file, limits: limits, sink: sink)
        return composer.run()
    }

    /// Convenience for tests and small inputs.
    public static func parse(_ text: String, path: String = "<input>", into sink: DiagnosticSink) -> YAMLNode? {
        parse(SourceFile(path: path, text: text), into: sink)
    }
}

/// Builds nodes from libyaml's event stream, keeping positions, resolving anchors, aliases and
/// `<<` merge keys, and typing scalars as PyYAML does.
struct Composer {
    let file: SourceFile
    let limits: YAMLLimits
    let sink: DiagnosticSink
    private var anchors: [String: YAMLNode] = [:]
    private var parser: UnsafeMutablePointer<yaml_parser_t>
    private var failed = false
    private var reportedExpansion = false
    /// Length of a leading UTF-8 byte order mark (0 or 3). PyYAML and Ansible accept one; libyaml
    /// told the encoding does not, so it is skipped and positions are shifted back by it.
    private let bom: Int

    init(file: SourceFile, limits: YAMLLimits, sink: DiagnosticSink) {
        self.file = file
        self.limits = limits
        self.sink = sink
        bom = file.bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    }

    private func position(_ mark: yaml_mark_t) -> SourcePosition {
        SourcePosition(line: Int(mark.line) + 1, column: Int(mark.column) + 1, offset: Int(mark.index) + bom)
    }

    private func range(_ start: yaml_mark_t, _ end: yaml_mark_t) -> SourceRange {
        SourceRange(file: file.path, start: position(start), end: position(end))
    }

    mutating func run() -> YAMLNode? {
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) != 0 else {
            sink.report(.yamlSyntax, "cannot initialise the YAML parser", at: nil)
            return nil
        }
        defer { yaml_parser_delete(parser) }
        let count = file.bytes.count - bom
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: max(count, 1))
        defer { buffer.deallocate() }
        file.bytes.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { buffer.initialize(from: base + bom, count: count) }
        }
        yaml_parser_set_input_string(parser, buffer, count)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)

        var event = yaml_event_t()
        // STREAM-START
        guard next(&event) else { return nil }
        yaml_event_delete(&event)
        guard next(&event) else { return nil }
        if event.type == YAML_STREAM_END_EVENT {
            yaml_event_delete(&event)
            sink.report(.emptyFile, "the inventory is empty",
                        at: SourceRange(file: file.path, start: SourcePosition(line: 1, column: 1)))
            return nil
        }
        // DOCUMENT-START
        yaml_event_delete(&event)
        guard let root = composeNode(depth: 0) else { return nil }
        guard next(&event) else { return nil } // DOCUMENT-END
        yaml_event_delete(&event)
        guard next(&event) else { return nil }
        if event.type == YAML_DOCUMENT_START_EVENT {
            sink.report(.multipleDocuments,
                        "an inventory holds exactly one YAML document; a second one starts here",
                        at: range(event.start_mark, event.end_mark))
            yaml_event_delete(&event)
            return nil
        }
        yaml_event_delete(&event)
        if root.expandedSize > limits.maxExpandedNodes, !reportedExpansion {
            sink.report(.aliasExpansion,
                        "the document expands to more than \(limits.maxExpandedNodes) nodes through aliases",
                        at: root.range)
            return nil
        }
        return failed ? nil : root
    }

    /// Pulls the next event, reporting a libyaml error as a diagnostic.
    private mutating func next(_ event: inout yaml_event_t) -> Bool {
        if yaml_parser_parse(parser, &event) != 0 { return true }
        reportParserError()
        failed = true
        return false
    }

    private func reportParserError() {
        let p = parser.pointee
        let problem = p.problem.map { String(cString: $0) } ?? "invalid YAML"
        if p.error == YAML_READER_ERROR {
            let pos = file.position(ofOffset: Int(p.problem_offset) + bom)
            sink.report(.invalidEncoding, "the file is not valid UTF-8 text (\(problem))",
                        at: SourceRange(file: file.path, start: pos))
            return
        }
        let pos = position(p.problem_mark)
        let at = SourceRange(file: file.path, start: pos)
        if pos.offset < file.bytes.count, file.bytes[pos.offset] == 0x09 {
            sink.report(.tabIndentation, "tab character where YAML expects indentation or a value",
                        at: at, notes: [DiagnosticNote("YAML indents with spaces only; replace the tab with spaces")])
            return
        }
        var notes: [DiagnosticNote] = []
        var message = problem
        if let ctx = p.context.map({ String(cString: $0) }) {
            notes.append(DiagnosticNote(ctx, at: SourceRange(file: file.path, start: position(p.context_mark))))
            message = "\(problem) (\(ctx))"
        }
        sink.report(.yamlSyntax, "YAML syntax error: \(message)", at: at, notes: notes)
    }

    private func string(_ ptr: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let ptr else { return nil }
        return String(cString: UnsafeRawPointer(ptr).assumingMemoryBound(to: CChar.self))
    }

    /// Composes the node whose first event comes next.
    private mutating func composeNode(depth: Int) -> YAMLNode? {
        var event = yaml_event_t()
        guard next(&event) else { return nil }
        defer { yaml_event_delete(&event) }
        return composeNode(from: &event, depth: depth)
    }

    private mutating func composeNode(from event: inout yaml_event_t, depth: Int) -> YAMLNode? {
        switch event.type {
        case YAML_ALIAS_EVENT:
            let name = string(event.data.alias.anchor) ?? ""
            let at = range(event.start_mark, event.end_mark)
            guard let found = anchors[name] else {
                sink.report(.undefinedAlias, "alias '*\(name)' refers to no anchor defined before it", at: at)
                failed = true
                return YAMLNode(scalar: .null, text: "", range: at)
            }
            if found.expandedSize > limits.maxExpandedNodes {
                if !reportedExpansion {
                    sink.report(.aliasExpansion,
                                "alias '*\(name)' expands to more than \(limits.maxExpandedNodes) nodes", at: at,
                                notes: [DiagnosticNote("nested aliases multiply; this looks like an alias bomb")])
                }
                reportedExpansion = true
                failed = true
                return YAMLNode(scalar: .null, text: "", range: at)
            }
            return found

        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: Int(s.length)), as: UTF8.self) } ?? ""
            let style: ScalarStyle
            switch s.style {
            case YAML_SINGLE_QUOTED_SCALAR_STYLE: style = .singleQuoted
            case YAML_DOUBLE_QUOTED_SCALAR_STYLE: style = .doubleQuoted
            case YAML_LITERAL_SCALAR_STYLE: style = .literal
            case YAML_FOLDED_SCALAR_STYLE: style = .folded
            default: style = .plain
            }
            let tag = string(s.tag)
            let value = ScalarResolver.resolve(text: text, style: style, tag: tag)
            let node = YAMLNode(content: .scalar(YAMLScalar(text: text, style: style, value: value)),
                                range: range(event.start_mark, event.end_mark), tag: tag)
            if let anchor = string(s.anchor) { anchors[anchor] = node }
            return node

        case YAML_SEQUENCE_START_EVENT:
            let start = event.start_mark
            let anchor = string(event.data.sequence_start.anchor)
            let tag = string(event.data.sequence_start.tag)
            if depth >= limits.maxDepth { return tooDeep(start) }
            var items: [YAMLNode] = []
            var child = yaml_event_t()
            while true {
                guard next(&child) else { return nil }
                if child.type == YAML_SEQUENCE_END_EVENT {
                    let end = child.end_mark
                    yaml_event_delete(&child)
                    let node = YAMLNode(content: .sequence(items), range: range(start, end), tag: tag)
                    if let anchor { anchors[anchor] = node }
                    return node
                }
                let item = composeNode(from: &child, depth: depth + 1)
                yaml_event_delete(&child)
                guard let item else { return nil }
                items.append(item)
            }

        case YAML_MAPPING_START_EVENT:
            let start = event.start_mark
            let anchor = string(event.data.mapping_start.anchor)
            let tag = string(event.data.mapping_start.tag)
            if depth >= limits.maxDepth { return tooDeep(start) }
            var explicit: [YAMLPair] = []
            var merged: [[YAMLPair]] = []
            var child = yaml_event_t()
            while true {
                guard next(&child) else { return nil }
                if child.type == YAML_MAPPING_END_EVENT {
                    let end = child.end_mark
                    yaml_event_delete(&child)
                    let pairs = buildMapping(explicit: explicit, merged: merged)
                    let node = YAMLNode(content: .mapping(pairs), range: range(start, end), tag: tag)
                    if let anchor { anchors[anchor] = node }
                    return node
                }
                let key = composeNode(from: &child, depth: depth + 1)
                yaml_event_delete(&child)
                guard let key, let value = composeNode(depth: depth + 1) else { return nil }
                if let s = key.scalar, s.style == .plain, s.text == "<<", key.tag == nil {
                    if let maps = mergeSources(value) { merged.append(contentsOf: maps) }
                    continue
                }
                explicit.append(YAMLPair(key: key, value: value))
            }

        default:
            sink.report(.yamlSyntax, "unexpected YAML event", at: range(event.start_mark, event.end_mark))
            failed = true
            return nil
        }
    }

    private mutating func tooDeep(_ mark: yaml_mark_t) -> YAMLNode? {
        sink.report(.tooDeep, "collections are nested deeper than \(limits.maxDepth) levels",
                    at: SourceRange(file: file.path, start: position(mark)))
        failed = true
        return nil
    }

    /// The mappings a `<<` value merges in: one mapping, or a list of mappings (earlier ones win).
    private mutating func mergeSources(_ value: YAMLNode) -> [[YAMLPair]]? {
        if let pairs = value.mapping { return [pairs] }
        if let items = value.sequence {
            var maps: [[YAMLPair]] = []
            for item in items {
                guard let pairs = item.mapping else {
                    sink.report(.badMerge, "a '<<' merge list may contain only mappings, found \(item.kindWithArticle)",
                                at: item.range)
                    failed = true
                    return nil
                }
                maps.append(pairs)
            }
            return maps
        }
        sink.report(.badMerge, "'<<' merges a mapping or a list of mappings, found \(value.kindWithArticle)",
                    at: value.range)
        failed = true
        return nil
    }

    /// Applies PyYAML's rules: merged keys come first (a later merge source loses to an earlier
    /// one), explicit keys override merged ones, and among explicit duplicates the last value
    /// wins at the first key's position — with a warning, as Ansible gives.
    private func buildMapping(explicit: [YAMLPair], merged: [[YAMLPair]]) -> [YAMLPair] {
        if merged.isEmpty, explicit.count < 2 { return explicit }
        if merged.isEmpty, explicit.count <= 16, !Self.hasDuplicateKeys(explicit) { return explicit }
        var result: [YAMLPair] = []
        var index: [KeyIdentity: Int] = [:]
        result.reserveCapacity(explicit.count)
        for source in merged.reversed() {
            for pair in source {
                let id = KeyIdentity(pair.key)
                if let i = index[id] { result[i].value = pair.value } else {
                    index[id] = result.count
                    result.append(pair)
                }
            }
        }
        var seenExplicit: [KeyIdentity: YAMLNode] = [:]
        for pair in explicit {
            let id = KeyIdentity(pair.key)
            if let first = seenExplicit[id] {
                let name = pair.key.keyName ?? "?"
                sink.report(.duplicateKey,
                            "duplicate key '\(name)'; the later value wins",
                            at: pair.key.range,
                            notes: [DiagnosticNote("first defined here", at: first.range)])
            } else {
                seenExplicit[id] = pair.key
            }
            if let i = index[id] {
                result[i].value = pair.value
                if seenExplicit[id]?.range == pair.key.range { result[i].key = pair.key }
            } else {
                index[id] = result.count
                result.append(pair)
            }
        }
        return result
    }
}

extension Composer {
    /// Pairwise comparison for small mappings: cheaper than hashing every key.
    static func hasDuplicateKeys(_ pairs: [YAMLPair]) -> Bool {
        for i in 1..<pairs.count {
            guard let a = pairs[i].key.scalar else { return true } // complex keys: take the slow path
            for j in 0..<i {
                guard let b = pairs[j].key.scalar else { return true }
                if a.value == b.value { return true }
            }
        }
        return false
    }
}

/// Equality of mapping keys as Python dict keys see them (1 == 1.0 == True is deliberately
/// not modelled; keys of inventories are strings and integers).
struct KeyIdentity: Hashable {
    let kind: Int
    let text: String

    init(_ node: YAMLNode) {
        switch node.content {
        case .scalar(let s):
            switch s.value {
            case .string(let v): kind = 0; text = v
            case .int(let i): kind = 1; text = String(i)
            case .bigInt(let b): kind = 1; text = b
            case .bool(let b): kind = 2; text = b ? "1" : "0"
            case .null: kind = 3; text = ""
            case .float(let d): kind = 4; text = String(d)
            case .timestamp(let t): kind = 5; text = t
            }
        default:
            kind = 6; text = "\(node.range.start.offset)"
        }
    }
}
