import Foundation
import PigstyDiagnostics

/// The inventory tables in PostgreSQL: Pigsty's CMDB tables (`pigsty.group`, `host`,
/// `global_var`, `group_var`, `host_var`, `default_var`) with the same columns, so Pigsty's
/// views work on them, plus what pigstyc keeps of its own: `ord` columns (order of groups,
/// hosts and variables), `yaml`/`yaml_of` (each value's exact YAML text and the `md5` of the
/// JSONB text it was written with), `pigsty.group_child` (nested groups) and `pigsty.revision`.
public enum CMDBStore {
    /// Our DDL, one statement each (libpq's extended protocol runs one statement per call).
    /// Every statement is idempotent: tables made by Pigsty's own `cmdb.sql` get the extra columns.
    static let schema: [String] = [
        "CREATE SCHEMA IF NOT EXISTS pigsty",
        """
        CREATE TABLE IF NOT EXISTS pigsty."group" (
            cls   text        PRIMARY KEY,
            ctime timestamptz NOT NULL DEFAULT now(),
            mtime timestamptz NOT NULL DEFAULT now())
        """,
        """
        CREATE TABLE IF NOT EXISTS pigsty.host (
            cls   text        NOT NULL,
            ip    inet        NOT NULL,
            ctime timestamptz NOT NULL DEFAULT now(),
            mtime timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (cls, ip))
        """,
        """
        CREATE TABLE IF NOT EXISTS pigsty.default_var (
            id      integer       NOT NULL,
            key     text          PRIMARY KEY CHECK (key <> ''),
            value   jsonb,
            module  varchar(16)   NOT NULL,
            section varchar(64)   NOT NULL,
            type    varchar(16)   NOT NULL,
            level   varchar(16)   NOT NULL,
            summary varchar(512)  NOT NULL,
            detail  varchar(2048))
        """,
        """
        CREATE TABLE IF NOT EXISTS pigsty.global_var (
            key   text  PRIMARY KEY CHECK (key <> ''),
            value jsonb,
            mtime timestamptz DEFAULT now())
        """,
        """
        CREATE TABLE IF NOT EXISTS pigsty.group_var (
            cls   text  NOT NULL,
            key   text  NOT NULL CHECK (key <> ''),
            value jsonb,
            mtime timestamptz DEFAULT now(),
            PRIMARY KEY (cls, key))
        """,
        """
        CREATE TABLE IF NOT EXISTS pigsty.host_var (
            cls   text  NOT NULL,
            ip    inet  NOT NULL,
            key   text  NOT NULL CHECK (key <> ''),
            value jsonb,
            mtime timestamptz DEFAULT now(),
            PRIMARY KEY (cls, ip, key))
        """,
        #"ALTER TABLE pigsty."group" ADD COLUMN IF NOT EXISTS ord integer"#,
        "ALTER TABLE pigsty.host ADD COLUMN IF NOT EXISTS ord integer",
        "ALTER TABLE pigsty.global_var ADD COLUMN IF NOT EXISTS ord integer, ADD COLUMN IF NOT EXISTS yaml text, ADD COLUMN IF NOT EXISTS yaml_of text",
        "ALTER TABLE pigsty.group_var ADD COLUMN IF NOT EXISTS ord integer, ADD COLUMN IF NOT EXISTS yaml text, ADD COLUMN IF NOT EXISTS yaml_of text",
        "ALTER TABLE pigsty.host_var ADD COLUMN IF NOT EXISTS ord integer, ADD COLUMN IF NOT EXISTS yaml text, ADD COLUMN IF NOT EXISTS yaml_of text",
        """
        CREATE TABLE IF NOT EXISTS pigsty.group_child (
            parent text NOT NULL,
            cls    text NOT NULL,
            ord    integer,
            PRIMARY KEY (parent, cls))
        """,
        """
        CREATE TABLE IF NOT EXISTS pigsty.revision (
            rev      integer     PRIMARY KEY,
            author   text        NOT NULL,
            ctime    timestamptz NOT NULL DEFAULT now(),
            added    text[]      NOT NULL,
            removed  text[]      NOT NULL,
            changed  text[]      NOT NULL,
            snapshot jsonb       NOT NULL)
        """,
    ]

    public static func createSchema(_ c: PQConnection) throws {
        for statement in schema { try c.exec(statement) }
    }

    // MARK: reading

    /// The inventory tables' rows as they are now (run it inside a transaction for one snapshot).
    public static func read(_ c: PQConnection) throws -> CMDBRows {
        guard try c.exec(#"SELECT to_regclass('pigsty."group"') IS NOT NULL"#).scalar == "t" else {
            throw CMDBError("the database has no inventory (no table pigsty.group); load one with 'pigstyc cmdb load'")
        }
        // Tables written by Pigsty's own tools may lack our columns: then no order and no exact text.
        let extras = try c.exec("""
            SELECT count(*) FROM information_schema.columns
            WHERE table_schema = 'pigsty' AND table_name IN ('group', 'host', 'global_var', 'group_var', 'host_var')
              AND column_name IN ('ord', 'yaml', 'yaml_of')
            """).scalar == "11" && (try c.exec("SELECT to_regclass('pigsty.group_child') IS NOT NULL").scalar == "t")
        let ord = extras ? "ord" : "NULL::integer"
        let value = "coalesce(value::text, 'null')"
        let yaml = extras
            ? "CASE WHEN yaml IS NOT NULL AND yaml_of = md5(\(value)) AND strpos(yaml, chr(10)) = 0 THEN yaml ELSE \(value) END"
            : value
        var rows = CMDBRows()
        for r in try c.exec(#"SELECT cls, \#(ord) FROM pigsty."group" ORDER BY 2 NULLS LAST, 1"#).rows {
            rows.groups.append(.init(cls: r[0]!, ord: r[1].flatMap(Int.init)))
        }
        if extras {
            for r in try c.exec("SELECT parent, cls, ord FROM pigsty.group_child ORDER BY parent, ord NULLS LAST, cls").rows {
                rows.children.append(.init(parent: r[0]!, cls: r[1]!, ord: r[2].flatMap(Int.init)))
            }
        }
        for r in try c.exec("SELECT cls, host(ip), \(ord) FROM pigsty.host ORDER BY cls, 3 NULLS LAST, ip").rows {
            rows.hosts.append(.init(cls: r[0]!, ip: r[1]!, ord: r[2].flatMap(Int.init)))
        }
        for r in try c.exec("SELECT key, \(value), \(yaml), \(ord) FROM pigsty.global_var ORDER BY 4 NULLS LAST, 1").rows {
            rows.globalVars.append(.init(cls: nil, ip: nil, key: r[0]!, value: r[1]!, yaml: r[2]!, ord: r[3].flatMap(Int.init)))
        }
        for r in try c.exec("SELECT cls, key, \(value), \(yaml), \(ord) FROM pigsty.group_var ORDER BY 1, 5 NULLS LAST, 2").rows {
            rows.groupVars.append(.init(cls: r[0]!, ip: nil, key: r[1]!, value: r[2]!, yaml: r[3]!, ord: r[4].flatMap(Int.init)))
        }
        for r in try c.exec("SELECT cls, host(ip), key, \(value), \(yaml), \(ord) FROM pigsty.host_var ORDER BY 1, ip, 6 NULLS LAST, 3").rows {
            rows.hostVars.append(.init(cls: r[0]!, ip: r[1]!, key: r[2]!, value: r[3]!, yaml: r[4]!, ord: r[5].flatMap(Int.init)))
        }
        return rows
    }

    /// The rows of revision `rev` (its snapshot).
    public static func rows(ofRevision rev: Int, _ c: PQConnection) throws -> CMDBRows {
        guard try c.exec("SELECT to_regclass('pigsty.revision') IS NOT NULL").scalar == "t",
              let text = try c.exec("SELECT snapshot::text FROM pigsty.revision WHERE rev = $1", [String(rev)]).scalar else {
            throw CMDBError("there is no revision \(rev) (see 'pigstyc cmdb log')")
        }
        do {
            return try JSONDecoder().decode(CMDBRows.self, from: Data(text.utf8))
        } catch {
            throw CMDBError("the snapshot of revision \(rev) cannot be read: \(error)")
        }
    }

    /// The inventory a location names (the tables now, or a revision), in one read-only snapshot.
    public static func rows(at location: CMDBLocation) throws -> CMDBRows {
        let c = try location.connect()
        defer { c.close() }
        return try c.transaction(isolation: "REPEATABLE READ", readOnly: true) {
            if let rev = location.revision { return (true, try rows(ofRevision: rev, c)) }
            return (true, try read(c))
        }
    }

    // MARK: loading

    public enum LoadOutcome: Sendable, Equatable {
        /// The tables already held this inventory: nothing written, no revision.
        case unchanged
        case revision(number: Int, added: [String], removed: [String], changed: [String])
    }

    /// Replaces the inventory tables' rows with `rows` in one transaction, creating the schema
    /// when absent, and records a revision when anything changed. Any failure (a constraint, a
    /// trigger, a lost connection) leaves the tables as they were.
    public static func load(_ rows: CMDBRows, into c: PQConnection, author: String?) throws -> LoadOutcome {
        try c.transaction {
            try createSchema(c)
            // One load at a time; readers go on reading the previous content until the commit.
            try c.exec("LOCK TABLE pigsty.revision IN EXCLUSIVE MODE")
            let before = try read(c)
            for table in ["pigsty.host_var", "pigsty.group_var", "pigsty.global_var", "pigsty.host", "pigsty.group_child", #"pigsty."group""#] {
                try c.exec("DELETE FROM \(table)")
            }
            try insert(rows, c)
            let after = try read(c)
            if after == before { return (false, .unchanged) }
            let (added, removed, changed) = after.changes(since: before)
            let number = Int(try c.exec("SELECT coalesce(max(rev), 0) + 1 FROM pigsty.revision").scalar ?? "1") ?? 1
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let snapshot = String(decoding: try encoder.encode(after), as: UTF8.self)
            try c.exec("""
                INSERT INTO pigsty.revision (rev, author, added, removed, changed, snapshot)
                VALUES ($1, coalesce($2, current_user), $3::text[], $4::text[], $5::text[], $6::jsonb)
                """, [String(number), author, array(added), array(removed), array(changed), snapshot])
            return (true, .revision(number: number, added: added, removed: removed, changed: changed))
        }
    }

    static func insert(_ rows: CMDBRows, _ c: PQConnection) throws {
        if !rows.groups.isEmpty {
            try c.exec(#"INSERT INTO pigsty."group" (cls, ord) SELECT * FROM unnest($1::text[], $2::integer[])"#,
                       [array(rows.groups.map(\.cls)), array(rows.groups.map(\.ord))])
        }
        if !rows.children.isEmpty {
            try c.exec("INSERT INTO pigsty.group_child (parent, cls, ord) SELECT * FROM unnest($1::text[], $2::text[], $3::integer[])",
                       [array(rows.children.map(\.parent)), array(rows.children.map(\.cls)), array(rows.children.map(\.ord))])
        }
        if !rows.hosts.isEmpty {
            try c.exec("INSERT INTO pigsty.host (cls, ip, ord) SELECT c, i::inet, o FROM unnest($1::text[], $2::text[], $3::integer[]) AS t(c, i, o)",
                       [array(rows.hosts.map(\.cls)), array(rows.hosts.map(\.ip)), array(rows.hosts.map(\.ord))])
        }
        if !rows.globalVars.isEmpty {
            let v = rows.globalVars
            try c.exec("""
                INSERT INTO pigsty.global_var (key, value, ord, yaml, yaml_of)
                SELECT k, j::jsonb, o, y, md5(j::jsonb::text) FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[]) AS t(k, j, o, y)
                """, [array(v.map(\.key)), array(v.map(\.value)), array(v.map(\.ord)), array(v.map(\.yaml))])
        }
        if !rows.groupVars.isEmpty {
            let v = rows.groupVars
            try c.exec("""
                INSERT INTO pigsty.group_var (cls, key, value, ord, yaml, yaml_of)
                SELECT c, k, j::jsonb, o, y, md5(j::jsonb::text) FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[]) AS t(c, k, j, o, y)
                """, [array(v.map { $0.cls }), array(v.map(\.key)), array(v.map(\.value)), array(v.map(\.ord)), array(v.map(\.yaml))])
        }
        if !rows.hostVars.isEmpty {
            let v = rows.hostVars
            try c.exec("""
                INSERT INTO pigsty.host_var (cls, ip, key, value, ord, yaml, yaml_of)
                SELECT c, i::inet, k, j::jsonb, o, y, md5(j::jsonb::text)
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::text[]) AS t(c, i, k, j, o, y)
                """, [array(v.map { $0.cls }), array(v.map { $0.ip }), array(v.map(\.key)), array(v.map(\.value)),
                      array(v.map(\.ord)), array(v.map(\.yaml))])
        }
    }

    /// A PostgreSQL array literal of text (`{"a","b\"c",NULL}`), passed as a parameter.
    static func array(_ items: [String?]) -> String {
        "{" + items.map { item in
            guard let item else { return "NULL" }
            return "\"" + item.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }

    static func array(_ items: [String]) -> String { array(items.map { Optional($0) }) }
    static func array(_ items: [Int?]) -> String { array(items.map { $0.map(String.init) }) }

    // MARK: history

    public struct Revision: Sendable {
        public let number: Int
        public let author: String
        /// UTC, `YYYY-MM-DD HH:MM:SS`.
        public let time: String
        public let added: [String]
        public let removed: [String]
        public let changed: [String]
    }

    /// Every revision, oldest first (none when the schema has no history yet).
    public static func revisions(_ c: PQConnection) throws -> [Revision] {
        guard try c.exec("SELECT to_regclass('pigsty.revision') IS NOT NULL").scalar == "t" else { return [] }
        let result = try c.exec("""
            SELECT rev, author, to_char(ctime AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'),
                   array_to_json(added)::text, array_to_json(removed)::text, array_to_json(changed)::text
            FROM pigsty.revision ORDER BY rev
            """)
        func list(_ s: String?) -> [String] {
            (try? JSONDecoder().decode([String].self, from: Data((s ?? "[]").utf8))) ?? []
        }
        return result.rows.map { r in
            Revision(number: Int(r[0]!) ?? 0, author: r[1] ?? "", time: r[2] ?? "",
                     added: list(r[3]), removed: list(r[4]), changed: list(r[5]))
        }
    }
}

/// The CMDB as an inventory source for every command that takes INVENTORY.
public enum CMDBSource {
    /// The inventory a location names, composed as YAML whose lines are labelled with their rows;
    /// rows no inventory can hold are reported into `sink` (PGS0213).
    public static func source(_ location: CMDBLocation, sink: DiagnosticSink) throws -> SourceFile {
        let rows = try CMDBStore.rows(at: location)
        return rows.compose(.exact).source(named: location.display, sink: sink)
    }
}
