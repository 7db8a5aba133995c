import PigstyDiagnostics

/// The Jinja subset pigstyc evaluates: a template is split into text and `{{ … }}` expressions,
/// and an expression into tokens. Anything else (`{% … %}` blocks) is outside the subset.
struct TemplateError: Error {
    let message: String
    /// A cycle or nesting too deep (`PGS0312`) rather than an unsupported or failing template.
    var recursion = false
    /// A specific id (the vault errors); nil for `PGS0311`/`PGS0312`.
    var code: DiagnosticCode?
    /// Already reported where it happened (a variable the template reads failed).
    var quiet = false

    init(_ message: String, recursion: Bool = false, code: DiagnosticCode? = nil, quiet: Bool = false) {
        self.message = message
        self.recursion = recursion
        self.code = code
        self.quiet = quiet
    }
}

enum TemplatePart {
    case text(String)
    case expression(String)
}

enum TemplateLexer {
    /// Whether a string holds Jinja markup at all.
    static func isTemplate(_ s: String) -> Bool {
        var copy = s
        return copy.withUTF8 { b in
            guard b.count >= 2 else { return false }
            for i in 0..<(b.count - 1) where b[i] == 0x7B {
                let c = b[i + 1]
                if c == 0x7B || c == 0x25 || c == 0x23 { return true }
            }
            return false
        }
    }

    /// Splits a template into literal text and expression sources; comments are dropped.
    static func split(_ s: String) throws -> [TemplatePart] {
        var parts: [TemplatePart] = []
        let chars = Array(s.unicodeScalars)
        var text = String.UnicodeScalarView()
        var i = 0
        func flush() {
            if !text.isEmpty { parts.append(.text(String(text))); text = String.UnicodeScalarView() }
        }
        while i < chars.count {
            if chars[i] == "{", i + 1 < chars.count, ["{", "%", "#"].contains(chars[i + 1]) {
                let open = chars[i + 1]
                let close: Unicode.Scalar = open == "{" ? "}" : open
                var j = i + 2
                var found = -1
                var quote: Unicode.Scalar? = nil
                while j + 1 < chars.count {
                    let c = chars[j]
                    if let q = quote {
                        if c == "\\" { j += 2; continue }
                        if c == q { quote = nil }
                    } else if open == "{" && (c == "'" || c == "\"") {
                        quote = c
                    } else if c == close && chars[j + 1] == "}" {
                        found = j
                        break
                    }
                    j += 1
                }
                guard found >= 0 else {
                    throw TemplateError("unterminated '\(Character(chars[i]))\(Character(open))' in the template")
                }
                switch open {
                case "%":
                    let body = String(String.UnicodeScalarView(chars[(i + 2)..<found])).trimmingBlanks
                    let word = body.split(separator: " ").first.map(String.init) ?? ""
                    throw TemplateError("'{% \(word) %}' blocks are outside the Jinja subset pigstyc evaluates (only '{{ … }}' expressions)")
                case "#":
                    break
                default:
                    flush()
                    parts.append(.expression(String(String.UnicodeScalarView(chars[(i + 2)..<found]))))
                }
                i = found + 2
                continue
            }
            text.append(chars[i])
            i += 1
        }
        flush()
        return parts
    }
}

enum Token: Equatable {
    case name(String)
    case int(Int)
    case float(Double)
    case string(String)
    /// An operator or punctuation: `(`, `//`, `==`, `|`, `~`, …
    case op(String)
    case end
}

struct ExpressionLexer {
    private static let twoChar: Set<String> = ["//", "**", "==", "!=", "<=", ">="]
    private static let oneChar: Set<Character> = ["(", ")", "[", "]", "{", "}", ",", ":", ".", "|", "~",
                                                  "+", "-", "*", "/", "%", "<", ">", "="]

    static func tokens(_ source: String) throws -> [Token] {
        let c = Array(source)
        var out: [Token] = []
        var i = 0
        while i < c.count {
            let ch = c[i]
            if ch == " " || ch == "\t" || ch == "\n" || ch == "\r" { i += 1; continue }
            if ch.isLetter || ch == "_" {
                var j = i
                while j < c.count, c[j].isLetter || c[j].isNumber || c[j] == "_" { j += 1 }
                out.append(.name(String(c[i..<j])))
                i = j
            } else if ch.isASCII && ch.isNumber {
                var j = i
                while j < c.count, c[j].isASCII && (c[j].isNumber || c[j] == "_") { j += 1 }
                var isFloat = false
                if j + 1 < c.count, c[j] == ".", c[j + 1].isASCII && c[j + 1].isNumber {
                    isFloat = true
                    j += 1
                    while j < c.count, c[j].isASCII && c[j].isNumber { j += 1 }
                }
                if j < c.count, c[j] == "e" || c[j] == "E" {
                    var k = j + 1
                    if k < c.count, c[k] == "+" || c[k] == "-" { k += 1 }
                    if k < c.count, c[k].isASCII && c[k].isNumber {
                        isFloat = true
                        j = k
                        while j < c.count, c[j].isASCII && c[j].isNumber { j += 1 }
                    }
                }
                let text = String(c[i..<j]).replacingUnderscores
                if isFloat {
                    guard let d = Double(text) else { throw TemplateError("bad number '\(text)'") }
                    out.append(.float(d))
                } else {
                    guard let n = Int(text) else { throw TemplateError("integer '\(text)' is too large") }
                    out.append(.int(n))
                }
                i = j
            } else if ch == "'" || ch == "\"" {
                var j = i + 1
                var s = ""
                while j < c.count, c[j] != ch {
                    if c[j] == "\\", j + 1 < c.count {
                        j += 1
                        switch c[j] {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "r": s.append("\r")
                        default: s.append(c[j])
                        }
                    } else {
                        s.append(c[j])
                    }
                    j += 1
                }
                guard j < c.count else { throw TemplateError("unterminated string literal in the template") }
                out.append(.string(s))
                i = j + 1
            } else if i + 1 < c.count, twoChar.contains(String(c[i...(i + 1)])) {
                out.append(.op(String(c[i...(i + 1)])))
                i += 2
            } else if oneChar.contains(ch) {
                out.append(.op(String(ch)))
                i += 1
            } else {
                throw TemplateError("unexpected character '\(ch)' in the template")
            }
        }
        out.append(.end)
        return out
    }
}

extension String {
    var trimmingBlanks: String { Jinja.strip(self) }
    fileprivate var replacingUnderscores: String { String(filter { $0 != "_" }) }
}
