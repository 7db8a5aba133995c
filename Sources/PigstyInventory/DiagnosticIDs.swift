import PigstyDiagnostics

/// Transitional: string ids for code that still calls the string-based `DiagnosticSink.error`/
/// `warning` shims (the back ends, while they are rewritten). Each is the raw value of its
/// `DiagnosticCode`, the one catalogue; new code reports `DiagnosticCode` cases directly.
public enum InventoryDiagnostic {
    public static let rootNotMapping = DiagnosticCode.rootNotMapping.rawValue
    public static let noAllGroup = DiagnosticCode.noAllGroup.rawValue
    public static let sectionNotMapping = DiagnosticCode.sectionNotMapping.rawValue
    public static let unknownGroupKey = DiagnosticCode.unknownGroupKey.rawValue
    public static let hostNotIPv4 = DiagnosticCode.hostNotIPv4.rawValue
    public static let hostVarsNotMapping = DiagnosticCode.hostVarsNotMapping.rawValue
    public static let invalidVariableName = DiagnosticCode.invalidVariableName.rawValue
    public static let emptyGroup = DiagnosticCode.emptyGroup.rawValue
    public static let groupCycle = DiagnosticCode.groupCycle.rawValue
    public static let invalidGroupName = DiagnosticCode.invalidGroupName.rawValue
    public static let unknownParameter = DiagnosticCode.unknownParameter.rawValue
    public static let instanceLevelInGlobal = DiagnosticCode.instanceLevelInGlobal.rawValue
    public static let clusterValueDiffers = DiagnosticCode.clusterValueDiffers.rawValue
    public static let forbiddenInAllVars = DiagnosticCode.forbiddenInAllVars.rawValue
    public static let pgMissingIdentity = DiagnosticCode.pgMissingIdentity.rawValue
    public static let pgDuplicateSeq = DiagnosticCode.pgDuplicateSeq.rawValue
    public static let pgPrimaryCount = DiagnosticCode.pgPrimaryCount.rawValue
    public static let pgUpstream = DiagnosticCode.pgUpstream.rawValue
    public static let pgClusterNameMismatch = DiagnosticCode.pgClusterNameMismatch.rawValue
    public static let pgNoEtcd = DiagnosticCode.pgNoEtcd.rawValue
    public static let pgBackrestMinio = DiagnosticCode.pgBackrestMinio.rawValue
    public static let duplicateUser = DiagnosticCode.duplicateUser.rawValue
    public static let duplicateDatabase = DiagnosticCode.duplicateDatabase.rawValue
    public static let unknownRole = DiagnosticCode.unknownRole.rawValue
    public static let unknownOwner = DiagnosticCode.unknownOwner.rawValue
    public static let hbaBadRole = DiagnosticCode.hbaBadRole.rawValue
    public static let hbaBadAddr = DiagnosticCode.hbaBadAddr.rawValue
    public static let hbaBadAuth = DiagnosticCode.hbaBadAuth.rawValue
    public static let hbaEmpty = DiagnosticCode.hbaEmpty.rawValue
    public static let pgbHbaReplication = DiagnosticCode.pgbHbaReplication.rawValue
    public static let hbaAddrWithoutMask = DiagnosticCode.hbaAddrWithoutMask.rawValue
    public static let serviceDuplicateName = DiagnosticCode.serviceDuplicateName.rawValue
    public static let serviceDuplicatePort = DiagnosticCode.serviceDuplicatePort.rawValue
    public static let serviceReservedPort = DiagnosticCode.serviceReservedPort.rawValue
    public static let serviceBadDest = DiagnosticCode.serviceBadDest.rawValue
    public static let serviceProviderGroup = DiagnosticCode.serviceProviderGroup.rawValue
    public static let vipInvalid = DiagnosticCode.vipInvalid.rawValue
    public static let pgVipInvalid = DiagnosticCode.pgVipInvalid.rawValue
    public static let infraSeq = DiagnosticCode.infraSeq.rawValue
    public static let etcdSeq = DiagnosticCode.etcdSeq.rawValue
    public static let etcdClusterGroup = DiagnosticCode.etcdClusterGroup.rawValue
    public static let etcdDuplicateSeq = DiagnosticCode.etcdDuplicateSeq.rawValue
    public static let minioIdentity = DiagnosticCode.minioIdentity.rawValue
    public static let minioDuplicateSeq = DiagnosticCode.minioDuplicateSeq.rawValue
    public static let redisIdentity = DiagnosticCode.redisIdentity.rawValue
    public static let redisDuplicate = DiagnosticCode.redisDuplicate.rawValue
    public static let redisReplicaOf = DiagnosticCode.redisReplicaOf.rawValue
    public static let redisFsMain = DiagnosticCode.redisFsMain.rawValue
    public static let portalNoTarget = DiagnosticCode.portalNoTarget.rawValue
    public static let moduleGroupOverlap = DiagnosticCode.moduleGroupOverlap.rawValue
    public static let portalCustomTemplate = DiagnosticCode.portalCustomTemplate.rawValue
    public static let portalUnsafeValue = DiagnosticCode.portalUnsafeValue.rawValue
    public static let nginxUserInvalid = DiagnosticCode.nginxUserInvalid.rawValue
    public static let haproxyNodenameClash = DiagnosticCode.haproxyNodenameClash.rawValue
    public static let portalEnforceWithoutHTTPS = DiagnosticCode.portalEnforceWithoutHTTPS.rawValue
    public static let pgExporterInvalid = DiagnosticCode.pgExporterInvalid.rawValue
    public static let dnsSuffixInvalid = DiagnosticCode.dnsSuffixInvalid.rawValue
    public static let dnsTargetUnknown = DiagnosticCode.dnsTargetUnknown.rawValue
    public static let dnsRecordInvalid = DiagnosticCode.dnsRecordInvalid.rawValue
    public static let unsafeName = DiagnosticCode.unsafeName.rawValue
}
