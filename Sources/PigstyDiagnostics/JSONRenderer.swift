import Foundation

/// The JSON format: `{"diagnostics": [...], "summary": {"errors": N, "warnings": M}}`,
/// keys sorted, two-space indentation, absent values omitted rather than null.
struct JSONRenderer {
    var sources: [String: SourceFile] = [:]

    struct Report: Encodable {
        var diagnostics: [Entry]
        var summary: Summary
    }

    struct Summary: Encodable {
        var errors: Int
        var warnings: Int
    }

    struct Entry: Encodable {
        var id: String
        var severity: String
        var message: String
        var file: String?
        /// The row and key of an inventory read from PostgreSQL (`pigsty.group_var(pg-test).pg_version`).
        var location: String?
        var line: Int?
        var column: Int?
        var endLine: Int?
        var endColumn: Int?
        var path: String?
        var notes: [Note]
        var suggestion: String?
    }

    struct Note: Encodable {
        var message: String
        var file: String?
        var line: Int?
        var column: Int?
    }

    func render(_ diagnostics: [Diagnostic]) -> String {
        let report = Report(
            diagnostics: diagnostics.map { d in
                Entry(
                    id: d.id, severity: d.severity.rawValue, message: d.message,
                    file: d.range?.file, location: d.range.flatMap { sources[$0.file]?.lineLabels[$0.start.line] },
                    line: d.range?.start.line, column: d.range?.start.column,
                    endLine: d.range?.end.line, endColumn: d.range?.end.column,
                    path: d.path,
                    notes: d.notes.map {
                        Note(message: $0.message, file: $0.range?.file,
                             line: $0.range?.start.line, column: $0.range?.start.column)
                    },
                    suggestion: d.suggestion)
            },
            summary: Summary(errors: diagnostics.errorCount, warnings: diagnostics.warningCount))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(report) else {
            // Unreachable: the report holds only strings and integers.
            return "{}\n"
        }
        var text = String(decoding: data, as: UTF8.self)
        // Some Foundation versions print an empty array as "[\n\n  ]". JSON strings never hold a
        // raw newline, so a bracket followed by a newline is always structure.
        text = text.replacingOccurrences(of: "\\[\\n\\s*\\]", with: "[]", options: .regularExpression)
        return text.hasSuffix("\n") ? text : text + "\n"
    }
}
