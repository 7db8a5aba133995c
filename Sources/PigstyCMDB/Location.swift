import Foundation

/// A CMDB named by a `postgres://` or `postgresql://` URL, optionally with `#rev=N` (a past
/// revision). What libpq gets is the URL without its fragment; what messages print is
/// `display`, the URL without its password.
public struct CMDBLocation: Sendable, Equatable {
    /// The URL as given, without the fragment (libpq's connection string).
    public let conninfo: String
    /// The revision asked for with `#rev=N`; nil means the tables as they are now.
    public let revision: Int?
    /// The URL with the password left out (`postgres://user@host/db`), for messages and as the
    /// diagnostics' source name.
    public let display: String
    /// Text that must never reach a message (the password, raw and percent-decoded).
    public let secrets: [String]

    public struct Invalid: Error, CustomStringConvertible {
        public let description: String
    }

    /// Whether `s` names a CMDB at all (the scheme), whatever else it holds.
    public static func isURL(_ s: String) -> Bool {
        let lower = s.lowercased()
        return lower.hasPrefix("postgres://") || lower.hasPrefix("postgresql://")
    }

    public init(_ s: String) throws {
        guard Self.isURL(s) else { throw Invalid(description: "'\(s)' is not a postgres:// or postgresql:// URL") }
        var url = s
        var revision: Int?
        if let hash = s.firstIndex(of: "#") {
            url = String(s[..<hash])
            let fragment = String(s[s.index(after: hash)...])
            if !fragment.isEmpty {
                guard fragment.hasPrefix("rev="), let n = Int(fragment.dropFirst(4)), n >= 1 else {
                    throw Invalid(description: "the fragment '#\(fragment)' is not '#rev=N' (a revision number, 1 or more)")
                }
                revision = n
            }
        }
        var secrets: [String] = []
        var display = url
        // userinfo: between "://" and the first "@" before the path.
        let schemeEnd = url.range(of: "://")!.upperBound
        let pathStart = url[schemeEnd...].firstIndex(where: { $0 == "/" || $0 == "?" }) ?? url.endIndex
        let authority = url[schemeEnd..<pathStart]
        if let at = authority.lastIndex(of: "@") {
            let userinfo = authority[..<at]
            if let colon = userinfo.firstIndex(of: ":") {
                let password = String(userinfo[userinfo.index(after: colon)...])
                secrets.append(password)
                if let decoded = password.removingPercentEncoding { secrets.append(decoded) }
                display = String(url[..<schemeEnd]) + String(userinfo[..<colon]) + String(url[at...])
            }
        }
        // A password in the query (?password=…) is dropped from the display too.
        if let q = display.firstIndex(of: "?") {
            let base = String(display[..<q])
            let items = display[display.index(after: q)...].split(separator: "&", omittingEmptySubsequences: false)
            var kept: [Substring] = []
            for item in items {
                if item.lowercased().hasPrefix("password=") {
                    let value = String(item.dropFirst("password=".count))
                    secrets.append(value)
                    if let decoded = value.removingPercentEncoding { secrets.append(decoded) }
                } else {
                    kept.append(item)
                }
            }
            display = kept.isEmpty ? base : base + "?" + kept.joined(separator: "&")
        }
        self.conninfo = url
        self.revision = revision
        self.display = display + (revision.map { "#rev=\($0)" } ?? "")
        self.secrets = secrets.filter { !$0.isEmpty }
    }

    /// Connects (errors carry no password).
    public func connect() throws -> PQConnection {
        try PQConnection(conninfo, secrets: secrets)
    }
}
