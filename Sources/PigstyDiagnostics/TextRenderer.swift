/// The human-readable format:
///
/// ```
/// pigsty.yml:12:5: error[PGS0301]: unknown parameter 'pg_verison'
///    |
/// 12 |     pg_verison: 18
///    |     ^^^^^^^^^^
///    = help: did you mean 'pg_version'?
/// 1 error, 0 warnings
/// ```
struct TextRenderer {
    var sources: [String: SourceFile]

    /// Lines longer than this (in Unicode scalars) are cut around the caret.
    static let maxLineLength = 200
    /// How many scalars of a cut line are shown, and how many of them precede the caret.
    static let cutWidth = 120
    static let cutLead = 40

    func render(_ diagnostics: [Diagnostic]) -> String {
        var out = ""
        for d in diagnostics {
            out += render(d)
            out += "\n"
        }
        out += DiagnosticRenderer.summary(errors: diagnostics.errorCount, warnings: diagnostics.warningCount)
        out += "\n"
        return out
    }

    /// One diagnostic, lines joined with LF, no trailing newline.
    func render(_ d: Diagnostic) -> String {
        var lines: [String] = []
        let label = "\(d.severity.rawValue)[\(d.id)]: \(d.message)"
        let gutterWidth: Int
        if let range = d.range {
            lines.append("\(location(range)): \(label)")
            gutterWidth = String(range.start.line).count
            if let snippet = snippet(for: range, gutterWidth: gutterWidth) { lines += snippet }
        } else {
            lines.append("pigstyc: \(label)")
            gutterWidth = 1
        }
        let pad = String(repeating: " ", count: gutterWidth)
        if let suggestion = d.suggestion {
            lines.append("\(pad) = help: \(suggestion)")
        }
        for note in d.notes {
            if let r = note.range {
                lines.append("\(pad) = note: \(location(r)): \(note.message)")
            } else {
                lines.append("\(pad) = note: \(note.message)")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `file:line:col`, or the label of a composed source's line (a CMDB row and key).
    func location(_ range: SourceRange) -> String {
        sources[range.file]?.location(of: range) ?? range.description
    }

    /// The quoted line with carets under the range, or nil when the line is not available.
    func snippet(for range: SourceRange, gutterWidth: Int) -> [String]? {
        guard let file = sources[range.file], let text = file.line(range.start.line) else { return nil }
        var scalars = text.unicodeScalars.map(Self.displayScalar)
        let length = scalars.count
        for span in file.redactions(onLine: range.start.line) {
            let r = span.clamped(to: 0..<length)
            for i in r { scalars[i] = "*" }
        }

        // 0-based caret columns [start, end).
        let start = min(max(range.start.column - 1, 0), length)
        var end: Int
        if range.end.line == range.start.line {
            end = min(start + max(range.end.column - range.start.column, 1), length)
        } else if range.end.line > range.start.line {
            end = length
        } else {
            end = start + 1
        }
        end = max(end, start + 1)

        var caretStart = start
        var caretEnd = end
        if length > Self.maxLineLength {
            var windowStart = max(0, start - Self.cutLead)
            let windowEnd = min(length, windowStart + Self.cutWidth)
            if windowEnd - windowStart < Self.cutWidth { windowStart = max(0, windowEnd - Self.cutWidth) }
            var cut = Array(scalars[windowStart..<windowEnd])
            caretStart = start - windowStart
            caretEnd = min(end, max(windowEnd, start + 1)) - windowStart
            if windowStart > 0 {
                cut.insert("…", at: 0)
                caretStart += 1
                caretEnd += 1
            }
            if windowEnd < length { cut.append("…") }
            scalars = cut
        }

        var quoted = String.UnicodeScalarView()
        quoted.append(contentsOf: scalars)
        let number = String(range.start.line)
        let pad = String(repeating: " ", count: gutterWidth)
        let numberColumn = String(repeating: " ", count: gutterWidth - number.count) + number
        return [
            "\(pad) |",
            quoted.isEmpty ? "\(numberColumn) |" : "\(numberColumn) | \(String(quoted))",
            "\(pad) | " + String(repeating: " ", count: caretStart)
                + String(repeating: "^", count: caretEnd - caretStart),
        ]
    }

    /// Tabs become single spaces so that carets line up; other control characters (which could
    /// drive the terminal) become U+FFFD. Either way one scalar stays one column.
    static func displayScalar(_ s: Unicode.Scalar) -> Unicode.Scalar {
        if s == "\t" { return " " }
        if s.value < 0x20 || (0x7F...0x9F).contains(s.value) { return "\u{FFFD}" }
        return s
    }
}
