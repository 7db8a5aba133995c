import CLibPQ
import Foundation

/// A PostgreSQL error: connecting, a statement, or a lost connection. The message is libpq's
/// (or the server's) without the password the connection string may hold.
public struct PQError: Error, CustomStringConvertible, Sendable {
    public let message: String
    /// The SQLSTATE of a server error (`23505`, `57P01`, …), nil for client-side failures.
    public let sqlState: String?

    public var description: String { message }
}

/// One statement's rows, read out of libpq's result at once (as text, NULL as nil).
public struct PQRows: Sendable {
    public let columns: [String]
    public let rows: [[String?]]
    /// The number of rows an INSERT, UPDATE or DELETE touched.
    public let affected: Int

    public var count: Int { rows.count }

    /// The first row's first column.
    public var scalar: String? { rows.first?.first ?? nil }
}

/// A connection through libpq. Statements are sent with `PQexecParams`: parameters always travel
/// apart from the SQL text, as text values, so no value is ever quoted into a statement.
public final class PQConnection {
    private var conn: OpaquePointer?
    /// Removed from every message (libpq does not print passwords, but a server or a future libpq might).
    private let secrets: [String]

    /// Connects with a libpq connection string: a `postgres://` / `postgresql://` URI or
    /// `key=value` pairs. `secrets` are scrubbed from error messages (the URI's password).
    public init(_ conninfo: String, secrets: [String] = []) throws {
        self.secrets = secrets.filter { !$0.isEmpty }
        conn = PQconnectdb(conninfo)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let message = conn.map { String(cString: PQerrorMessage($0)) } ?? "out of memory"
            if let c = self.conn { PQfinish(c) }
            self.conn = nil
            throw PQError(message: Self.scrub(Self.trim(message), self.secrets), sqlState: nil)
        }
        // Our own statements never depend on the session's search_path; quieten notices.
        _ = PQsetNoticeProcessor(conn, { _, _ in }, nil)
    }

    deinit { close() }

    public func close() {
        if let conn { PQfinish(conn) }
        conn = nil
    }

    /// Runs one statement; `$1`, `$2`, … are `params` (nil is SQL NULL).
    @discardableResult
    public func exec(_ sql: String, _ params: [String?] = []) throws -> PQRows {
        guard let conn else { throw PQError(message: "the connection is closed", sqlState: nil) }
        // Keep every parameter's C string alive for the duration of the call.
        let copies: [UnsafeMutablePointer<CChar>?] = params.map { $0.map { strdup($0) } }
        defer { for p in copies { free(p) } }
        let result: OpaquePointer? = copies.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: UnsafePointer<CChar>?.self, capacity: max(buffer.count, 1)) { values in
                PQexecParams(conn, sql, Int32(params.count), nil, params.isEmpty ? nil : values, nil, nil, 0)
            }
        }
        guard let result else {
            throw PQError(message: Self.scrub(Self.trim(String(cString: PQerrorMessage(conn))), secrets), sqlState: nil)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            let message = String(cString: PQresultErrorMessage(result))
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            throw PQError(message: Self.scrub(Self.trim(message), secrets), sqlState: state)
        }
        let nfields = Int(PQnfields(result)), ntuples = Int(PQntuples(result))
        var columns: [String] = []
        for c in 0..<nfields { columns.append(String(cString: PQfname(result, Int32(c)))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(ntuples)
        for r in 0..<ntuples {
            var row: [String?] = []
            row.reserveCapacity(nfields)
            for c in 0..<nfields {
                if PQgetisnull(result, Int32(r), Int32(c)) == 1 { row.append(nil); continue }
                let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                let bytes = UnsafeRawBufferPointer(start: PQgetvalue(result, Int32(r), Int32(c)), count: length)
                row.append(String(decoding: bytes, as: UTF8.self))
            }
            rows.append(row)
        }
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PQRows(columns: columns, rows: rows, affected: affected)
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws (or
    /// when it returns false: nothing to keep). A lost connection rolls back on the server.
    @discardableResult
    public func transaction<T>(isolation: String = "READ COMMITTED", readOnly: Bool = false,
                               _ body: () throws -> (keep: Bool, value: T)) throws -> T {
        try exec("BEGIN ISOLATION LEVEL \(isolation)\(readOnly ? " READ ONLY" : "")")
        let outcome: (keep: Bool, value: T)
        do {
            outcome = try body()
        } catch {
            _ = try? exec("ROLLBACK")
            throw error
        }
        try exec(outcome.keep ? "COMMIT" : "ROLLBACK")
        return outcome.value
    }

    /// The server's process id for this session (`pg_backend_pid()`).
    public var backendPID: Int32 { conn.map { PQbackendPID($0) } ?? 0 }

    private static func trim(_ s: String) -> String {
        s.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: "; ")
            .replacingOccurrences(of: "\t", with: "")
    }

    static func scrub(_ s: String, _ secrets: [String]) -> String {
        var out = s
        for secret in secrets { out = out.replacingOccurrences(of: secret, with: "********") }
        return out
    }
}
