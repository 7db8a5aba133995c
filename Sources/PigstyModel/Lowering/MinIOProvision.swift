import PigstyInventory
import PigstyYAML

/// What Pigsty's MinIO role provisions on the first member of each MinIO cluster once the
/// cluster runs: the buckets of `minio_buckets`, each with a same-named access policy.
public struct MinIOProvisionModel: Sendable {
    public let clusters: [MinIOProvisionConfig]

    static func lower(_ graph: ResourceGraph) -> MinIOProvisionModel {
        MinIOProvisionModel(clusters: graph.minioClusters.compactMap { cluster in
            // `minio_cluster_members`: the members' inventory names, sorted as strings (Ansible's
            // `sort`), and provisioning runs on the first.
            guard let first = cluster.members.sorted().first, let node = graph.node(first) else { return nil }
            let buckets = (node.host.value("minio_buckets")?.sequence ?? []).compactMap { b -> MinIOBucket? in
                guard let name = b["name"].map({ Jinja.text($0) }), !name.isEmpty else { return nil }
                return MinIOBucket(name: name, versioning: Jinja.bool(b["versioning"]), lock: Jinja.bool(b["lock"]))
            }
            return MinIOProvisionConfig(cluster: cluster.name, ip: first, buckets: buckets)
        })
    }
}

public struct MinIOProvisionConfig: Sendable, Equatable {
    public let cluster: String
    /// The member that provisions (the first of the sorted members).
    public let ip: String
    public let buckets: [MinIOBucket]
}

public struct MinIOBucket: Sendable, Equatable {
    /// The bucket and its policy's name (an S3 bucket name: check enforces it).
    public let name: String
    public let versioning: Bool
    public let lock: Bool
}
