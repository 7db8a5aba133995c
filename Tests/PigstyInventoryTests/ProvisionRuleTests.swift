import Foundation
import Testing
import PigstyDiagnostics
@testable import PigstyInventory

/// ProvisionRules: `pg_default_privileges` clauses reach the provisioning SQL as SQL text.
struct ProvisionRuleTests {
    private func ids(_ privileges: String) -> [String] {
        summary(check(inventory(children: """
            pg-meta:
              hosts: { 10.10.10.10: { pg_seq: 1, pg_role: primary } }
              vars: { pg_cluster: pg-meta, pg_default_privileges: \(privileges) }
        """))).map { String($0.prefix(7)) }
    }

    @Test func defaultPrivilegeClausesHaveTheirShape() {
        #expect(ids("[ 'GRANT USAGE      ON SCHEMAS    TO  dbrole_readonly', 'grant select, insert on tables to app, \"Odd Role\"' ]").isEmpty)
        #expect(ids("[ 'IN SCHEMA app GRANT ALL PRIVILEGES ON SEQUENCES TO dbrole_admin WITH GRANT OPTION' ]").isEmpty)
        #expect(ids("[ 'REVOKE GRANT OPTION FOR EXECUTE ON FUNCTIONS FROM PUBLIC CASCADE' ]").isEmpty)
        #expect(ids("[ 'GRANT SELECT ON TABLES TO x; DROP ROLE postgres' ]") == ["PGS0413"])
        #expect(ids("[ 'GRANT SELECT ON TABLES TO x -- comment' ]") == ["PGS0413"])
        #expect(ids(#"[ "GRANT SELECT ON TABLES TO x\nDROP TABLE t" ]"#).contains("PGS0413"))
        #expect(ids("[ 'GRANT SELECT ON TABLES TO \"x\"\"; DROP\"' ]").isEmpty, "a quoted name with a doubled quote is one name")
        #expect(ids("[ 'GRANT SELECT ON TABLES TO \"x\"; DROP\"' ]") == ["PGS0413"])
        #expect(ids("[ 'ALTER ROLE x SUPERUSER' ]") == ["PGS0413"])
    }

    @Test func clauseMatcher() {
        #expect(PgDefaultPrivilege.isClause("GRANT TRIGGER    ON TABLES     TO  dbrole_admin"))
        #expect(!PgDefaultPrivilege.isClause(""))
        #expect(!PgDefaultPrivilege.isClause("GRANT SELECT ON TABLES TO"))
    }
}
