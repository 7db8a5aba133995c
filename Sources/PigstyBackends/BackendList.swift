/// The back ends `compile` runs, in this order. Add a new back end here.
enum BackendList {
    static let all: [any Backend] = [
        EtcdBackend(),
        HBABackend(),
        PgbouncerBackend(),
        PostgresAutoConfBackend(),
        VIPBackend(),
        RedisBackend(),
        PatroniBackend(),
        HAProxyBackend(),
        NginxBackend(),
        DnsmasqBackend(),
        MetricsBackend(),
        AlertRulesBackend(),
        GrafanaBackend(),
        PgNodeBackend(),
        AdminEnvBackend(),
        VectorBackend(),
        ExporterConfigBackend(),
        MinIOProvisionBackend(),
        SystemdBackend(),
        PgProvisionBackend(),
        NodeBaseBackend(),
        LifecycleBackend(),
        CertificateBackend(),
    ]
}
