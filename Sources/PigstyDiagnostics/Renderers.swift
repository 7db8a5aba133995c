/// The output formats `pigstyc` can print its findings in.
public enum DiagnosticFormat: String, CaseIterable, Sendable {
    /// Human-readable, with the offending line quoted and underlined (like rustc and swiftc).
    case text
    /// One JSON object with sorted keys, for editors and scripts.
    case json
    /// JUnit XML, for CI test reports. Errors are failures; warnings are passing test cases.
    case junit
    /// Checkstyle XML, for code-review bots and CI annotations.
    case checkstyle
}

/// Turns diagnostics into one of the `DiagnosticFormat`s.
///
/// Renderers print diagnostics in the order given (pass `DiagnosticSink.sorted`), and their
/// output is deterministic, uses LF line endings and ends with a newline. They print only the
/// message, notes, suggestion and (for text) the quoted source line of each diagnostic.
public struct DiagnosticRenderer: Sendable {
    public var format: DiagnosticFormat
    /// Source files by path, used to quote the offending line in text output.
    public var sources: [String: SourceFile]

    public init(format: DiagnosticFormat, sources: [String: SourceFile] = [:]) {
        self.format = format
        self.sources = sources
    }

    /// Renders `diagnostics` (in the order given). `inputs` are the files that were checked;
    /// JUnit and checkstyle output lists each of them even when it has no findings.
    public func render(_ diagnostics: [Diagnostic], inputs: [String] = []) -> String {
        switch format {
        case .text:
            return TextRenderer(sources: sources).render(diagnostics)
        case .json:
            return JSONRenderer(sources: sources).render(diagnostics)
        case .junit:
            return JUnitRenderer(sources: sources).render(diagnostics, inputs: inputs)
        case .checkstyle:
            return CheckstyleRenderer().render(diagnostics, inputs: inputs)
        }
    }

    /// The text rendering of one diagnostic (header, snippet, help and notes), without a
    /// trailing newline and without the summary line.
    public func renderText(_ diagnostic: Diagnostic) -> String {
        TextRenderer(sources: sources).render(diagnostic)
    }

    /// `"2 errors, 1 warning"`, or `"no problems found"` when both counts are zero.
    public static func summary(errors: Int, warnings: Int) -> String {
        if errors == 0, warnings == 0 { return "no problems found" }
        func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }
        return "\(plural(errors, "error")), \(plural(warnings, "warning"))"
    }
}

extension Array where Element == Diagnostic {
    var errorCount: Int { filter { $0.severity == .error }.count }
    var warningCount: Int { filter { $0.severity == .warning }.count }
}
