/// How bad a finding is. Errors stop compilation; warnings are reported and allowed.
public enum Severity: String, Sendable, Codable, Comparable {
    case error, warning, note

    private var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A secondary message attached to a diagnostic, optionally pointing at another place
/// (for example "first defined here").
public struct DiagnosticNote: Hashable, Sendable, Codable {
    public var message: String
    public var range: SourceRange?

    public init(_ message: String, at range: SourceRange? = nil) {
        self.message = message
        self.range = range
    }
}

/// One finding about the user's input. `id` is stable across releases (`PGS0301`), so that
/// CI filters, documentation and editor integrations can rely on it.
public struct Diagnostic: Hashable, Sendable, Codable {
    public var id: String
    public var severity: Severity
    public var message: String
    public var range: SourceRange?
    /// The inventory key path the finding is about, e.g. `all.children.pg-meta.vars.pg_users[0].name`.
    public var path: String?
    public var notes: [DiagnosticNote]
    /// A short fix, e.g. "did you mean 'pg_version'?".
    public var suggestion: String?

    public init(
        id: String, severity: Severity, message: String, range: SourceRange?,
        path: String? = nil, notes: [DiagnosticNote] = [], suggestion: String? = nil
    ) {
        self.id = id
        self.severity = severity
        self.message = message
        self.range = range
        self.path = path
        self.notes = notes
        self.suggestion = suggestion
    }

    /// A diagnostic with `code`'s id and catalogue severity (or `severity`, when a call site
    /// deliberately reports it otherwise).
    public init(
        _ code: DiagnosticCode, severity: Severity? = nil, _ message: String, at range: SourceRange?,
        path: String? = nil, notes: [DiagnosticNote] = [], suggestion: String? = nil
    ) {
        self.init(id: code.rawValue, severity: severity ?? code.severity, message: message, range: range,
                  path: path, notes: notes, suggestion: suggestion)
    }

    /// The catalogue entry of `id`; nil only for an id that is not in `DiagnosticCode`.
    public var code: DiagnosticCode? { DiagnosticCode(rawValue: id) }
}

/// Collects diagnostics from every stage. Stages report and continue; the driver decides
/// whether to go on by looking at `hasErrors`.
public final class DiagnosticSink: @unchecked Sendable {
    public private(set) var diagnostics: [Diagnostic] = []
    /// Source files by path, for snippets.
    public private(set) var sources: [String: SourceFile] = [:]
    /// Warnings with these ids are reported as errors (`--strict` lists `.unknownParameter`).
    public var promotedToError: Set<DiagnosticCode> = []

    public init() {}

    public func register(_ file: SourceFile) { sources[file.path] = file }

    public func report(_ diagnostic: Diagnostic) {
        var d = diagnostic
        if d.severity == .warning, let code = d.code, promotedToError.contains(code) { d.severity = .error }
        diagnostics.append(d)
    }

    /// Reports `code` with its catalogue severity.
    public func report(_ code: DiagnosticCode, _ message: String, at range: SourceRange?, path: String? = nil,
                       notes: [DiagnosticNote] = [], suggestion: String? = nil) {
        report(Diagnostic(code, message, at: range, path: path, notes: notes, suggestion: suggestion))
    }

    /// Reports `code` with a severity other than the catalogue's, for the few call sites that mean
    /// to (e.g. PGS0405 is an error, but a replica following an outside address only a warning).
    public func report(_ code: DiagnosticCode, severity: Severity, _ message: String, at range: SourceRange?,
                       path: String? = nil, notes: [DiagnosticNote] = [], suggestion: String? = nil) {
        report(Diagnostic(code, severity: severity, message, at: range, path: path, notes: notes,
                          suggestion: suggestion))
    }

    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }
    public var errorCount: Int { diagnostics.filter { $0.severity == .error }.count }
    public var warningCount: Int { diagnostics.filter { $0.severity == .warning }.count }

    /// Diagnostics in a stable order: by file, line, column, then id and message.
    /// Diagnostics without a position come first.
    public var sorted: [Diagnostic] {
        diagnostics.enumerated().sorted { l, r in
            let a = l.element, b = r.element
            switch (a.range, b.range) {
            case (nil, nil): break
            case (nil, _): return true
            case (_, nil): return false
            case let (ra?, rb?):
                if ra.file != rb.file { return ra.file < rb.file }
                if ra.start != rb.start { return ra.start < rb.start }
            }
            if a.id != b.id { return a.id < b.id }
            if a.message != b.message { return a.message < b.message }
            return l.offset < r.offset
        }.map(\.element)
    }
}
