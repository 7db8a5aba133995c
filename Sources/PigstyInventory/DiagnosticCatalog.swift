import PigstyDiagnostics

/// Every diagnostic pigstyc reports, with its default severity and a one-line summary. The
/// catalogue drives `docs/diagnostics.md` (a test keeps it current) and the check that each id
/// has a golden case.
public enum DiagnosticCatalog {
    public struct Entry: Sendable {
        public let id: String
        public let severity: Severity
        public let summary: String
    }

    private static func e(_ id: String, _ s: Severity, _ text: String) -> Entry { Entry(id: id, severity: s, summary: text) }

    public static let all: [Entry] = [
        e("PGS0101", .error, "YAML syntax error"),
        e("PGS0102", .error, "tab character used where YAML expects indentation"),
        e("PGS0103", .warning, "duplicate mapping key; the later value wins, as in Ansible"),
        e("PGS0104", .error, "the document root is not a mapping of groups"),
        e("PGS0105", .error, "the inventory file is empty"),
        e("PGS0106", .error, "alias refers to an undefined anchor"),
        e("PGS0107", .error, "aliases expand beyond the node limit (alias bomb)"),
        e("PGS0108", .error, "collections nested beyond the depth limit"),
        e("PGS0109", .error, "file larger than the size limit"),
        e("PGS0110", .error, "more than one YAML document in the file"),
        e("PGS0111", .error, "'<<' merge key with a value that is not a mapping or list of mappings"),
        e("PGS0112", .error, "file is not valid UTF-8"),
        e("PGS0201", .error, "no 'all' group"),
        e("PGS0202", .error, "a group, 'hosts', 'children' or 'vars' section is not a mapping"),
        e("PGS0203", .error, "unexpected key in a group (only hosts, vars and children are read)"),
        e("PGS0204", .error, "host name is not an IPv4 address"),
        e("PGS0205", .error, "host variables are not a mapping"),
        e("PGS0207", .error, "invalid variable name"),
        e("PGS0209", .warning, "group without hosts"),
        e("PGS0210", .error, "group hierarchy cycle"),
        e("PGS0211", .error, "invalid group name"),
        e("PGS0301", .warning, "unknown parameter (error with --strict)"),
        e("PGS0302", .error, "value has the wrong type"),
        e("PGS0303", .error, "value is not one of the allowed values"),
        e("PGS0304", .error, "number out of range"),
        e("PGS0306", .error, "unknown field in a structured record"),
        e("PGS0307", .error, "required field missing from a structured record"),
        e("PGS0308", .error, "instance identity parameter set in all.vars for several hosts"),
        e("PGS0309", .warning, "cluster-level parameter with different values on members of one cluster"),
        e("PGS0310", .error, "parameter that must not be set in all.vars (minio_cluster)"),
        e("PGS0401", .error, "PostgreSQL member without pg_seq or pg_role, or a cluster named 'root'"),
        e("PGS0403", .error, "pg_seq used twice in one cluster"),
        e("PGS0404", .error, "cluster without exactly one primary"),
        e("PGS0405", .error, "pg_upstream points at the instance itself, or a replica's upstream is outside its cluster"),
        e("PGS0406", .warning, "group vars set a pg_cluster different from the group name"),
        e("PGS0408", .warning, "PostgreSQL clusters without an 'etcd' group"),
        e("PGS0409", .warning, "pgbackrest_method is minio but no MinIO cluster exists"),
        e("PGS0501", .error, "user defined twice in one list"),
        e("PGS0502", .error, "database defined twice in one list"),
        e("PGS0503", .warning, "granted role not defined in the cluster"),
        e("PGS0504", .warning, "database owner not defined in the cluster"),
        e("PGS0510", .error, "HBA rule role is not one of default, common, primary, replica, offline, standby, delayed"),
        e("PGS0511", .error, "HBA rule addr is neither an alias nor an IPv4 address or CIDR"),
        e("PGS0512", .error, "HBA rule auth method unknown"),
        e("PGS0513", .error, "HBA rule without addr and without raw rules"),
        e("PGS0514", .error, "pgbouncer HBA rule for db 'replication'"),
        e("PGS0516", .warning, "HBA rule addr is an IPv4 address without a prefix length (PostgreSQL rejects it)"),
        e("PGS0601", .error, "service name used twice in a cluster or list"),
        e("PGS0602", .error, "service port used twice in a cluster or list"),
        e("PGS0603", .error, "service port taken by a PostgreSQL-node component"),
        e("PGS0604", .error, "service dest is not default, postgres, pgbouncer or a port"),
        e("PGS0605", .error, "pg_service_provider names an undefined group"),
        e("PGS0701", .error, "node VIP enabled without vip_address or vip_vrid"),
        e("PGS0702", .error, "pg VIP enabled without a pg_vip_address"),
        e("PGS0710", .error, "infra host without a valid, unique infra_seq"),
        e("PGS0720", .error, "etcd host without a valid etcd_seq"),
        e("PGS0721", .error, "etcd_cluster does not name the group holding the etcd members"),
        e("PGS0722", .error, "etcd_seq used twice"),
        e("PGS0730", .error, "MinIO identity missing or invalid (minio_cluster, minio_seq)"),
        e("PGS0731", .error, "minio_seq used twice in one cluster"),
        e("PGS0740", .error, "Redis identity missing or invalid (redis_node, redis_instances)"),
        e("PGS0741", .error, "redis_node used twice in one cluster"),
        e("PGS0742", .error, "redis replica_of is not '<ip> <port>'"),
        e("PGS0744", .error, "redis_fs_main is /data itself"),
        e("PGS0750", .error, "portal entry with a domain but no endpoint, path or conf"),
        e("PGS0760", .error, "host in two groups of the same module"),
        e("PGS0770", .warning, "portal conf names a template pigstyc does not have; no nginx file is written for the entry"),
        e("PGS0771", .error, "portal value that would break the nginx configuration or the certificate scripts"),
        e("PGS0772", .error, "nginx_users name or password that cannot be written to .htpasswd"),
        e("PGS0773", .error, "two nodes with HAProxy share a node name; their nginx registrations collide"),
        e("PGS0774", .warning, "portal entry enforces HTTPS while nginx_sslmode is disable"),
        e("PGS0780", .error, "pg_exporters entry: key not a port, unsafe cluster name or host"),
        e("PGS0781", .error, "pg_dns_suffix or vip_dns_suffix is not a DNS name suffix"),
        e("PGS0782", .warning, "pg_dns_target is none of auto, primary, vip, none or an IPv4 address"),
        e("PGS0783", .warning, "dns_records item is not '<address> <name> [<name>…]'"),
        e("PGS0901", .error, "name or path that would reach a file name, path or shell line is unsafe"),
    ]

    /// Diagnostics of `compile` (facts file, back ends), covered by unit tests rather than the
    /// check-stage golden cases.
    public static let compileStage: [Entry] = [
        e("PGS0801", .error, "facts file: invalid value or host"),
        e("PGS0802", .error, "facts file: unknown key"),
        e("PGS0810", .error, "two back ends generate the same file with different content"),
        e("PGS0820", .error, "service selector or backup is not a supported JMESPath expression"),
        e("PGS0821", .warning, "pg_conf names a Patroni template pigstyc does not have; no Patroni file is written"),
        e("PGS0830", .error, "the cross-node apply order has a cycle (standby clusters or cascading replicas following each other)"),
        e("PGS0831", .error, "a generated file's path, owner or group cannot be carried in an apply bundle"),
    ]

    /// The Markdown table for docs/diagnostics.md.
    public static var markdownTable: String {
        var out = "| id | severity | meaning |\n|---|---|---|\n"
        for entry in all + compileStage { out += "| `\(entry.id)` | \(entry.severity.rawValue) | \(entry.summary) |\n" }
        return out
    }
}
