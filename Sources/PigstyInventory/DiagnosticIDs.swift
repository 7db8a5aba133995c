/// Stable ids of the inventory-level diagnostics. The full catalogue, with an example for each,
/// is in docs/diagnostics.md; ids are never reused for a different meaning.
public enum InventoryDiagnostic {
    // Structure (PGS02xx)
    public static let rootNotMapping = "PGS0104"
    public static let noAllGroup = "PGS0201"
    public static let sectionNotMapping = "PGS0202"
    public static let unknownGroupKey = "PGS0203"
    public static let hostNotIPv4 = "PGS0204"
    public static let hostVarsNotMapping = "PGS0205"
    public static let invalidVariableName = "PGS0207"
    public static let emptyGroup = "PGS0209"
    public static let groupCycle = "PGS0210"
    public static let invalidGroupName = "PGS0211"

    // Parameters (PGS03xx; PGS0302–PGS0307 are reported by the schema's value checker)
    public static let unknownParameter = "PGS0301"
    public static let instanceLevelInGlobal = "PGS0308"
    public static let clusterValueDiffers = "PGS0309"
    public static let forbiddenInAllVars = "PGS0310"

    // PGSQL identity (PGS04xx)
    public static let pgMissingIdentity = "PGS0401"
    public static let pgDuplicateSeq = "PGS0403"
    public static let pgPrimaryCount = "PGS0404"
    public static let pgUpstream = "PGS0405"
    public static let pgClusterNameMismatch = "PGS0406"
    public static let pgNoEtcd = "PGS0408"
    public static let pgBackrestMinio = "PGS0409"

    // Business objects and HBA (PGS05xx)
    public static let duplicateUser = "PGS0501"
    public static let duplicateDatabase = "PGS0502"
    public static let unknownRole = "PGS0503"
    public static let unknownOwner = "PGS0504"
    public static let hbaBadRole = "PGS0510"
    public static let hbaBadAddr = "PGS0511"
    public static let hbaBadAuth = "PGS0512"
    public static let hbaEmpty = "PGS0513"
    public static let pgbHbaReplication = "PGS0514"
    public static let hbaAddrWithoutMask = "PGS0516"

    // Services (PGS06xx)
    public static let serviceDuplicateName = "PGS0601"
    public static let serviceDuplicatePort = "PGS0602"
    public static let serviceReservedPort = "PGS0603"
    public static let serviceBadDest = "PGS0604"
    public static let serviceProviderGroup = "PGS0605"

    // Node VIP, pg VIP, infra, etcd, minio, redis, portal (PGS07xx)
    public static let vipInvalid = "PGS0701"
    public static let pgVipInvalid = "PGS0702"
    public static let infraSeq = "PGS0710"
    public static let adminIP = "PGS0711"
    public static let etcdSeq = "PGS0720"
    public static let etcdClusterGroup = "PGS0721"
    public static let etcdDuplicateSeq = "PGS0722"
    public static let minioIdentity = "PGS0730"
    public static let minioDuplicateSeq = "PGS0731"
    public static let redisIdentity = "PGS0740"
    public static let redisDuplicate = "PGS0741"
    public static let redisReplicaOf = "PGS0742"
    public static let redisFsMain = "PGS0744"
    public static let portalNoTarget = "PGS0750"
    public static let moduleGroupOverlap = "PGS0760"
    public static let portalCustomTemplate = "PGS0770"
    public static let portalUnsafeValue = "PGS0771"
    public static let nginxUserInvalid = "PGS0772"
    public static let haproxyNodenameClash = "PGS0773"
    public static let portalEnforceWithoutHTTPS = "PGS0774"
    public static let pgExporterInvalid = "PGS0780"
    public static let dnsSuffixInvalid = "PGS0781"
    public static let dnsTargetUnknown = "PGS0782"
    public static let dnsRecordInvalid = "PGS0783"

    // Safety of names that become file names, paths or shell words (PGS09xx)
    public static let unsafeName = "PGS0901"
}
