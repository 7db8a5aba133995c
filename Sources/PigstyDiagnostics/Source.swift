/// A position in a source file. `line` and `column` are 1-based; `column` counts Unicode scalars,
/// as libyaml does. `offset` is the 0-based byte offset (used to order and to slice snippets).
public struct SourcePosition: Hashable, Comparable, Sendable, Codable {
    public var line: Int
    public var column: Int
    public var offset: Int

    public init(line: Int, column: Int, offset: Int = 0) {
        self.line = line
        self.column = column
        self.offset = offset
    }

    public static func < (a: SourcePosition, b: SourcePosition) -> Bool {
        (a.line, a.column) < (b.line, b.column)
    }
}

/// A range of text in a named file. `file` is the path as the user gave it.
public struct SourceRange: Hashable, Sendable, Codable {
    public var file: String
    public var start: SourcePosition
    public var end: SourcePosition

    public init(file: String, start: SourcePosition, end: SourcePosition? = nil) {
        self.file = file
        self.start = start
        self.end = end ?? start
    }

    /// `file:line:col`, the form editors and terminals turn into links.
    public var description: String { "\(file):\(start.line):\(start.column)" }
}

/// The text of one input file, kept so that diagnostics can quote the offending line.
public final class SourceFile: @unchecked Sendable {
    public let path: String
    public let bytes: [UInt8]
    private lazy var lineStarts: [Int] = {
        var starts = [0]
        for (i, b) in bytes.enumerated() where b == 0x0A { starts.append(i + 1) }
        return starts
    }()

    /// Column spans (0-based, in Unicode scalars) per line that hold secrets; snippets print them as `*`.
    private var redactions: [Int: [Range<Int>]] = [:]

    /// Marks a range as secret so that no snippet quotes it. Lines inside a multi-line range are
    /// hidden whole.
    public func redact(_ range: SourceRange) {
        let (a, b) = (range.start, range.end)
        if a.line == b.line {
            redactions[a.line, default: []].append((a.column - 1)..<max(b.column - 1, a.column))
            return
        }
        redactions[a.line, default: []].append((a.column - 1)..<Int.max)
        if b.line > a.line + 1 { for l in (a.line + 1)..<b.line { redactions[l, default: []].append(0..<Int.max) } }
        redactions[b.line, default: []].append(0..<max(b.column - 1, 0))
    }

    /// What a line stands for when the file is not a file the user wrote: an inventory read from
    /// PostgreSQL is composed as YAML whose lines are table rows and keys
    /// (`pigsty.host_var(pg-test, 10.10.10.11).pg_seq`). Renderers print the label as the location.
    public private(set) var lineLabels: [Int: String] = [:]

    /// Sets the labels of lines (1-based), before any diagnostic is rendered.
    public func setLineLabels(_ labels: [Int: String]) { lineLabels = labels }

    /// Where a range is, for messages: its line's label when it has one, else `file:line:col`.
    public func location(of range: SourceRange) -> String {
        lineLabels[range.start.line].map { "\(path): \($0)" } ?? range.description
    }

    /// The secret spans of a 1-based line.
    public func redactions(onLine line: Int) -> [Range<Int>] { redactions[line] ?? [] }

    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }

    public convenience init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }

    public var lineCount: Int { lineStarts.count }

    /// The text of a 1-based line without its line terminator, or nil when out of range.
    public func line(_ number: Int) -> String? {
        guard number >= 1, number <= lineStarts.count else { return nil }
        let start = lineStarts[number - 1]
        var end = number < lineStarts.count ? lineStarts[number] : bytes.count
        while end > start, bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }

    /// The position of a byte offset (line and scalar column), for tools that report offsets only.
    public func position(ofOffset offset: Int) -> SourcePosition {
        let clamped = max(0, min(offset, bytes.count))
        var lo = 0, hi = lineStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if lineStarts[mid] <= clamped { lo = mid } else { hi = mid - 1 }
        }
        let lineStart = lineStarts[lo]
        let column = String(decoding: bytes[lineStart..<clamped], as: UTF8.self).unicodeScalars.count + 1
        return SourcePosition(line: lo + 1, column: column, offset: clamped)
    }
}
