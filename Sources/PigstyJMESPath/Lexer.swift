// Tokens of an expression and the lexer that produces them.

extension JMESPath {
    enum Token: Equatable {
        case identifier(String)
        case quotedIdentifier(String)
        case literal(JSONValue)
        case number(Int)
        case dot, star, flatten, filter, lbracket, rbracket, lparen, rparen, comma, colon
        case pipe, or, and, not, current, lbrace, rbrace, ampersand
        case comparator(Comparator)
        case eof

        static func == (a: Token, b: Token) -> Bool { a.kind == b.kind }

        var kind: String {
            switch self {
            case .identifier: return "identifier"
            case .quotedIdentifier: return "quoted identifier"
            case .literal: return "literal"
            case .number: return "number"
            case .dot: return "'.'"
            case .star: return "'*'"
            case .flatten: return "'[]'"
            case .filter: return "'[?'"
            case .lbracket: return "'['"
            case .rbracket: return "']'"
            case .lparen: return "'('"
            case .rparen: return "')'"
            case .comma: return "','"
            case .colon: return "':'"
            case .pipe: return "'|'"
            case .or: return "'||'"
            case .and: return "'&&'"
            case .not: return "'!'"
            case .current: return "'@'"
            case .lbrace: return "'{'"
            case .rbrace: return "'}'"
            case .ampersand: return "'&'"
            case .comparator(let c): return "'\(c.rawValue)'"
            case .eof: return "end of expression"
            }
        }

        /// Left binding power (jmespath's precedence table).
        var bindingPower: Int {
            switch self {
            case .pipe: return 1
            case .or: return 2
            case .and: return 3
            case .comparator: return 5
            case .flatten: return 9
            case .star: return 20
            case .filter: return 21
            case .dot: return 40
            case .not: return 45
            case .lbrace: return 50
            case .lbracket: return 55
            case .lparen: return 60
            default: return 0
            }
        }
    }

    struct Lexer {
        let chars: [Character]
        var pos = 0

        init(_ text: String) { chars = Array(text) }

        func error(_ message: String, at offset: Int? = nil) -> ParseError {
            ParseError(message: message, offset: offset ?? pos)
        }

        mutating func tokenize() throws -> [(Token, Int)] {
            var out: [(Token, Int)] = []
            while pos < chars.count {
                let c = chars[pos]
                let start = pos
                if c == " " || c == "\t" || c == "\n" || c == "\r" { pos += 1; continue }
                if c.isASCII && (c.isLetter || c == "_") {
                    var s = ""
                    while pos < chars.count, chars[pos].isASCII, chars[pos].isLetter || chars[pos].isNumber || chars[pos] == "_" {
                        s.append(chars[pos]); pos += 1
                    }
                    out.append((.identifier(s), start))
                    continue
                }
                if c.isASCII && (c.isNumber || c == "-") {
                    var s = String(c); pos += 1
                    while pos < chars.count, chars[pos].isASCII, chars[pos].isNumber { s.append(chars[pos]); pos += 1 }
                    guard let n = Int(s) else { throw error("'\(s)' is not a number", at: start) }
                    out.append((.number(n), start))
                    continue
                }
                pos += 1
                let next: Character? = pos < chars.count ? chars[pos] : nil
                switch c {
                case ".": out.append((.dot, start))
                case "*": out.append((.star, start))
                case "]": out.append((.rbracket, start))
                case "(": out.append((.lparen, start))
                case ")": out.append((.rparen, start))
                case ",": out.append((.comma, start))
                case ":": out.append((.colon, start))
                case "@": out.append((.current, start))
                case "{": out.append((.lbrace, start))
                case "}": out.append((.rbrace, start))
                case "[":
                    if next == "]" { pos += 1; out.append((.flatten, start)) }
                    else if next == "?" { pos += 1; out.append((.filter, start)) }
                    else { out.append((.lbracket, start)) }
                case "|":
                    if next == "|" { pos += 1; out.append((.or, start)) } else { out.append((.pipe, start)) }
                case "&":
                    if next == "&" { pos += 1; out.append((.and, start)) } else { out.append((.ampersand, start)) }
                case "!":
                    if next == "=" { pos += 1; out.append((.comparator(.ne), start)) } else { out.append((.not, start)) }
                case "=":
                    guard next == "=" else { throw error("'=' is not an operator; use '==' to compare", at: start) }
                    pos += 1; out.append((.comparator(.eq), start))
                case "<":
                    if next == "=" { pos += 1; out.append((.comparator(.le), start)) } else { out.append((.comparator(.lt), start)) }
                case ">":
                    if next == "=" { pos += 1; out.append((.comparator(.ge), start)) } else { out.append((.comparator(.gt), start)) }
                case "`":
                    let body = try until("`", from: start, what: "literal")
                    out.append((.literal(try literal(body.replacingOccurrences(of: "\\`", with: "`"), at: start)), start))
                case "'":
                    let body = try until("'", from: start, what: "raw string")
                    out.append((.literal(.string(body.replacingOccurrences(of: "\\'", with: "'"))), start))
                case "\"":
                    let body = try until("\"", from: start, what: "quoted identifier")
                    var p = JSONText(Array("\"" + body + "\""))
                    guard case .string(let name)? = try? p.parseDocument() else {
                        throw error("invalid quoted identifier \"\(body)\"", at: start)
                    }
                    out.append((.quotedIdentifier(name), start))
                default:
                    throw error("unexpected character '\(c)'", at: start)
                }
            }
            out.append((.eof, chars.count))
            return out
        }

        /// The text up to the closing delimiter (a backslash escapes the next character).
        mutating func until(_ end: Character, from start: Int, what: String) throws -> String {
            var s = ""
            while pos < chars.count {
                let c = chars[pos]
                if c == "\\", pos + 1 < chars.count {
                    s.append(c); s.append(chars[pos + 1]); pos += 2; continue
                }
                pos += 1
                if c == end { return s }
                s.append(c)
            }
            throw error("unterminated \(what)", at: start)
        }

        /// A backtick literal: JSON, or else (jmespath.py's legacy rule) the text as a string.
        func literal(_ body: String, at start: Int) throws -> JSONValue {
            var p = JSONText(Array(body))
            if let v = try? p.parseDocument() { return v }
            let trimmed = String(body.drop { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" })
            var q = JSONText(Array("\"" + trimmed + "\""))
            if let v = try? q.parseDocument() { return v }
            throw error("invalid literal `\(body)`", at: start)
        }
    }
}
