/// Every diagnostic pigstyc can report, declared once: its stable id (the raw value), its
/// default severity and a one-line summary. Ids never change meaning and are never reused.
///
/// Because the id is the raw value, two cases with the same id do not compile; because
/// `severity`, `summary` and `stage` come from one exhaustive switch, a case without them does not
/// compile either. `docs/diagnostics.md` holds `markdownTable` (a test keeps it current).
///
/// Report with `DiagnosticSink.report(_:_:at:…)`, which takes the severity from here.
public enum DiagnosticCode: String, CaseIterable, Sendable, Codable, Comparable {
    // Schema data (PGS00xx)
    case schemaData = "PGS0001"

    // YAML (PGS01xx)
    case yamlSyntax = "PGS0101"
    case tabIndentation = "PGS0102"
    case duplicateKey = "PGS0103"
    case rootNotMapping = "PGS0104"
    case emptyFile = "PGS0105"
    case undefinedAlias = "PGS0106"
    case aliasExpansion = "PGS0107"
    case tooDeep = "PGS0108"
    case fileTooLarge = "PGS0109"
    case multipleDocuments = "PGS0110"
    case badMerge = "PGS0111"
    case invalidEncoding = "PGS0112"

    // Inventory structure (PGS02xx)
    case noAllGroup = "PGS0201"
    case sectionNotMapping = "PGS0202"
    case unknownGroupKey = "PGS0203"
    case hostNotIPv4 = "PGS0204"
    case hostVarsNotMapping = "PGS0205"
    case invalidVariableName = "PGS0207"
    case emptyGroup = "PGS0209"
    case groupCycle = "PGS0210"
    case invalidGroupName = "PGS0211"
    case connectionInvalid = "PGS0212"
    case cmdbBadRow = "PGS0213"

    // Parameters (PGS03xx)
    case unknownParameter = "PGS0301"
    case typeMismatch = "PGS0302"
    case notAllowedValue = "PGS0303"
    case outOfRange = "PGS0304"
    case patternMismatch = "PGS0305"
    case unknownField = "PGS0306"
    case missingField = "PGS0307"
    case instanceLevelInGlobal = "PGS0308"
    case clusterValueDiffers = "PGS0309"
    case forbiddenInAllVars = "PGS0310"
    case templateError = "PGS0311"
    case templateRecursion = "PGS0312"
    case vaultNoPassword = "PGS0313"
    case vaultDecrypt = "PGS0314"
    case controlCharacter = "PGS0315"

    // PGSQL identity (PGS04xx)
    case pgMissingIdentity = "PGS0401"
    case pgDuplicateSeq = "PGS0403"
    case pgPrimaryCount = "PGS0404"
    case pgUpstream = "PGS0405"
    case pgClusterNameMismatch = "PGS0406"
    case pgNoEtcd = "PGS0408"
    case pgBackrestMinio = "PGS0409"
    case pgBackrestMethod = "PGS0410"
    case pgsodiumKey = "PGS0411"
    case oneLineValue = "PGS0412"
    case defaultPrivilege = "PGS0413"

    // Business objects and HBA (PGS05xx)
    case duplicateUser = "PGS0501"
    case duplicateDatabase = "PGS0502"
    case unknownRole = "PGS0503"
    case unknownOwner = "PGS0504"
    case hbaBadRole = "PGS0510"
    case hbaBadAddr = "PGS0511"
    case hbaBadAuth = "PGS0512"
    case hbaEmpty = "PGS0513"
    case pgbHbaReplication = "PGS0514"
    case hbaAddrWithoutMask = "PGS0516"
    case hbaWorldTrust = "PGS0517"

    // Services (PGS06xx)
    case serviceDuplicateName = "PGS0601"
    case serviceDuplicatePort = "PGS0602"
    case serviceReservedPort = "PGS0603"
    case serviceBadDest = "PGS0604"
    case serviceProviderGroup = "PGS0605"

    // Node VIP, pg VIP, infra, etcd, MinIO, Redis, portal, DNS, exporters (PGS07xx)
    case vipInvalid = "PGS0701"
    case pgVipInvalid = "PGS0702"
    case pgVipConflict = "PGS0703"
    case infraSeq = "PGS0710"
    case etcdSeq = "PGS0720"
    case etcdClusterGroup = "PGS0721"
    case etcdDuplicateSeq = "PGS0722"
    case minioIdentity = "PGS0730"
    case minioDuplicateSeq = "PGS0731"
    case redisIdentity = "PGS0740"
    case redisDuplicate = "PGS0741"
    case redisReplicaOf = "PGS0742"
    case redisFsMain = "PGS0744"
    case portalNoTarget = "PGS0750"
    case moduleGroupOverlap = "PGS0760"
    case portalCustomTemplate = "PGS0770"
    case portalUnsafeValue = "PGS0771"
    case nginxUserInvalid = "PGS0772"
    case haproxyNodenameClash = "PGS0773"
    case portalEnforceWithoutHTTPS = "PGS0774"
    case pgExporterInvalid = "PGS0780"
    case dnsSuffixInvalid = "PGS0781"
    case dnsTargetUnknown = "PGS0782"
    case dnsRecordInvalid = "PGS0783"
    case portConflict = "PGS0790"

    // Compile stage: facts, back ends, apply plan (PGS08xx)
    case factsInvalid = "PGS0801"
    case factsUnknownKey = "PGS0802"
    case fileConflict = "PGS0810"
    case unsupportedJMESPath = "PGS0820"
    case patroniUnknownTemplate = "PGS0821"
    case pgParameterName = "PGS0822"
    case applyCycle = "PGS0830"
    case unbundleable = "PGS0831"

    // Safety of names that become file names, paths or shell words (PGS09xx)
    case unsafeName = "PGS0901"

    /// The stage that reports it, which decides how it is tested: `check` ids have golden cases
    /// (golden/), `compile` and `schema` ids unit tests.
    public enum Stage: String, Sendable { case schema, check, compile }

    /// The severity a diagnostic with this id has unless its call site overrides it on purpose
    /// (`DiagnosticSink.report(_:severity:_:at:…)`) or `DiagnosticSink.promotedToError` lists it.
    public var severity: Severity { entry.severity }
    /// What the id means, in one line (the docs/diagnostics.md table).
    public var summary: String { entry.summary }
    public var stage: Stage { entry.stage }

    public static func < (a: DiagnosticCode, b: DiagnosticCode) -> Bool { a.rawValue < b.rawValue }

    private var entry: (severity: Severity, stage: Stage, summary: String) {
        switch self {
        case .schemaData: (.error, .schema, "the parameter schema (schema/*.yml) is malformed; reported while loading it, a pigstyc build problem")
        case .yamlSyntax: (.error, .check, "YAML syntax error")
        case .tabIndentation: (.error, .check, "tab character used where YAML expects indentation")
        case .duplicateKey: (.warning, .check, "duplicate mapping key; the later value wins, as in Ansible")
        case .rootNotMapping: (.error, .check, "the document root is not a mapping of groups")
        case .emptyFile: (.error, .check, "the inventory file is empty")
        case .undefinedAlias: (.error, .check, "alias refers to an undefined anchor")
        case .aliasExpansion: (.error, .check, "aliases expand beyond the node limit (alias bomb)")
        case .tooDeep: (.error, .check, "collections nested beyond the depth limit")
        case .fileTooLarge: (.error, .check, "file larger than the size limit")
        case .multipleDocuments: (.error, .check, "more than one YAML document in the file")
        case .badMerge: (.error, .check, "'<<' merge key with a value that is not a mapping or list of mappings")
        case .invalidEncoding: (.error, .check, "file is not valid UTF-8")
        case .noAllGroup: (.error, .check, "no 'all' group")
        case .sectionNotMapping: (.error, .check, "a group, 'hosts', 'children' or 'vars' section is not a mapping")
        case .unknownGroupKey: (.error, .check, "unexpected key in a group (only hosts, vars and children are read)")
        case .hostNotIPv4: (.error, .check, "host name is not an IPv4 address")
        case .hostVarsNotMapping: (.error, .check, "host variables are not a mapping")
        case .invalidVariableName: (.error, .check, "invalid variable name")
        case .emptyGroup: (.warning, .check, "group without hosts")
        case .groupCycle: (.error, .check, "group hierarchy cycle")
        case .invalidGroupName: (.error, .check, "invalid group name")
        case .connectionInvalid: (.error, .check, "ansible_host, ansible_user or ansible_port (or an ansible_ssh_ alias) that is not a host name or address, an account name or a port")
        case .cmdbBadRow: (.error, .check, "a row of an inventory read from PostgreSQL that no inventory can hold: a host in no group, a group reference to no group, a group not reachable from all")
        case .unknownParameter: (.warning, .check, "unknown parameter (error with --strict)")
        case .typeMismatch: (.error, .check, "value has the wrong type")
        case .notAllowedValue: (.error, .check, "value is not one of the allowed values")
        case .outOfRange: (.error, .check, "number out of range")
        case .patternMismatch: (.error, .check, "value does not match the parameter's pattern")
        case .unknownField: (.error, .check, "unknown field in a structured record")
        case .missingField: (.error, .check, "required field missing from a structured record")
        case .instanceLevelInGlobal: (.error, .check, "instance identity parameter set in all.vars for several hosts")
        case .clusterValueDiffers: (.warning, .check, "cluster-level parameter with different values on members of one cluster")
        case .forbiddenInAllVars: (.error, .check, "parameter that must not be set in all.vars (minio_cluster)")
        case .templateError: (.error, .check, "Jinja template outside the supported subset, undefined variable or failing expression")
        case .templateRecursion: (.error, .check, "Jinja templates that refer to each other in a cycle or nest too deeply")
        case .vaultNoPassword: (.error, .check, "!vault value without a vault password (--vault-password-file, ANSIBLE_VAULT_PASSWORD_FILE)")
        case .vaultDecrypt: (.error, .check, "!vault value that cannot be decrypted (wrong password, HMAC mismatch or malformed vault text)")
        case .controlCharacter: (.error, .check, "line break or other control character in a string value (only raw text fields such as HBA `rules`, HAProxy `options` and portal `config` may span lines)")
        case .pgMissingIdentity: (.error, .check, "PostgreSQL member without pg_seq or pg_role, or a cluster named 'root'")
        case .pgDuplicateSeq: (.error, .check, "pg_seq used twice in one cluster")
        case .pgPrimaryCount: (.error, .check, "cluster without exactly one primary")
        case .pgUpstream: (.error, .check, "pg_upstream points at the instance itself, or a replica's upstream is outside its cluster")
        case .pgClusterNameMismatch: (.warning, .check, "group vars set a pg_cluster different from the group name")
        case .pgNoEtcd: (.warning, .check, "PostgreSQL clusters without an 'etcd' group")
        case .pgBackrestMinio: (.warning, .check, "pgbackrest_method is minio but no MinIO cluster exists")
        case .pgBackrestMethod: (.error, .check, "pgbackrest_method names no entry of pgbackrest_repo")
        case .pgsodiumKey: (.error, .check, "pgsodium_key is not 64 hexadecimal digits")
        case .defaultPrivilege: (.error, .check, "pg_default_privileges entry is not a default privilege clause")
        case .oneLineValue: (.error, .check, "value written on one line of pgbackrest.conf, a libpq file or a crontab holds a line break, or is no option name")
        case .duplicateUser: (.error, .check, "user defined twice in one list")
        case .duplicateDatabase: (.error, .check, "database defined twice in one list")
        case .unknownRole: (.warning, .check, "granted role not defined in the cluster")
        case .unknownOwner: (.warning, .check, "database owner not defined in the cluster")
        case .hbaBadRole: (.error, .check, "HBA rule role is not one of default, common, primary, replica, offline, standby, delayed")
        case .hbaBadAddr: (.error, .check, "HBA rule addr is neither an alias nor an IPv4 address or CIDR")
        case .hbaBadAuth: (.error, .check, "HBA rule auth method unknown")
        case .hbaEmpty: (.error, .check, "HBA rule without addr and without raw rules")
        case .pgbHbaReplication: (.error, .check, "pgbouncer HBA rule for db 'replication'")
        case .hbaAddrWithoutMask: (.warning, .check, "HBA rule addr is an IPv4 address without a prefix length (PostgreSQL rejects it)")
        case .hbaWorldTrust: (.warning, .check, "HBA rule lets any address in without a password (addr world or all with auth trust)")
        case .serviceDuplicateName: (.error, .check, "service name used twice in a cluster or list")
        case .serviceDuplicatePort: (.error, .check, "service port used twice in a cluster or list")
        case .serviceReservedPort: (.error, .check, "service port taken by a PostgreSQL-node component")
        case .serviceBadDest: (.error, .check, "service dest is not default, postgres, pgbouncer or a port")
        case .serviceProviderGroup: (.error, .check, "pg_service_provider names an undefined group")
        case .vipInvalid: (.error, .check, "node VIP enabled without vip_address or vip_vrid")
        case .pgVipInvalid: (.error, .check, "pg VIP enabled without a pg_vip_address")
        case .pgVipConflict: (.error, .check, "pg_vip_address shared by two clusters, or equal to a node's own address")
        case .infraSeq: (.error, .check, "infra host without a valid, unique infra_seq")
        case .etcdSeq: (.error, .check, "etcd host without a valid etcd_seq")
        case .etcdClusterGroup: (.error, .check, "etcd_cluster does not name the group holding the etcd members")
        case .etcdDuplicateSeq: (.error, .check, "etcd_seq used twice")
        case .minioIdentity: (.error, .check, "MinIO identity missing or invalid (minio_cluster, minio_seq)")
        case .minioDuplicateSeq: (.error, .check, "minio_seq used twice in one cluster")
        case .redisIdentity: (.error, .check, "Redis identity missing or invalid (redis_node, redis_instances)")
        case .redisDuplicate: (.error, .check, "redis_node used twice in one cluster")
        case .redisReplicaOf: (.error, .check, "redis replica_of is not '<ip> <port>'")
        case .redisFsMain: (.error, .check, "redis_fs_main is /data itself")
        case .portalNoTarget: (.error, .check, "portal entry with a domain but no endpoint, path or conf")
        case .moduleGroupOverlap: (.error, .check, "host in two groups of the same module")
        case .portalCustomTemplate: (.warning, .check, "portal conf names a template pigstyc does not have; no nginx file is written for the entry")
        case .portalUnsafeValue: (.error, .check, "portal value that would break the nginx configuration or the certificate scripts")
        case .nginxUserInvalid: (.error, .check, "nginx_users name or password that cannot be written to .htpasswd")
        case .haproxyNodenameClash: (.error, .check, "two nodes with HAProxy share a node name; their nginx registrations collide")
        case .portalEnforceWithoutHTTPS: (.warning, .check, "portal entry enforces HTTPS while nginx_sslmode is disable")
        case .pgExporterInvalid: (.error, .check, "pg_exporters entry: key not a port, unsafe cluster name or host")
        case .dnsSuffixInvalid: (.error, .check, "pg_dns_suffix or vip_dns_suffix is not a DNS name suffix")
        case .dnsTargetUnknown: (.warning, .check, "pg_dns_target is none of auto, primary, vip, none or an IPv4 address")
        case .dnsRecordInvalid: (.warning, .check, "dns_records item is not '<address> <name> [<name>…]'")
        case .portConflict: (.error, .check, "two services on one node listen on the same port")
        case .factsInvalid: (.error, .compile, "facts file: invalid value or host")
        case .factsUnknownKey: (.error, .compile, "facts file: unknown key")
        case .fileConflict: (.error, .compile, "two back ends generate the same file with different content")
        case .unsupportedJMESPath: (.error, .compile, "service selector or backup is not a supported JMESPath expression")
        case .patroniUnknownTemplate: (.warning, .compile, "pg_conf names a Patroni template pigstyc does not have; no Patroni file is written")
        case .pgParameterName: (.warning, .compile, "pg_parameters key is not a PostgreSQL parameter name; it is left out of postgresql.auto.conf")
        case .applyCycle: (.error, .compile, "the cross-node apply order has a cycle (standby clusters or cascading replicas following each other)")
        case .unbundleable: (.error, .compile, "a generated file's path, owner or group cannot be carried in an apply bundle")
        case .unsafeName: (.error, .check, "name or path that would reach a file name, path or shell line is unsafe")
        }
    }

    /// The Markdown table of docs/diagnostics.md: every id in id order.
    public static var markdownTable: String {
        var out = "| id | severity | meaning |\n|---|---|---|\n"
        for code in allCases.sorted() { out += "| `\(code.rawValue)` | \(code.severity.rawValue) | \(code.summary) |\n" }
        return out
    }
}
