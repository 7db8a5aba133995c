import PigstyFormats
import PigstyModel

/// The four tuned profiles of Pigsty's node role (`oltp`, `olap`, `crit`, `tiny`): the same
/// settings in the same sections and order, with pigstyc's comments. Only the shared memory limits
/// (from the node's memory) and the overcommit policy (`node_overcommit_ratio`) vary by node.
enum TunedProfiles {
    /// What one profile sets where the four differ.
    struct Profile {
        let name: String
        let summary: String
        /// The stock profile it builds on (none for `tiny`).
        let include: String?
        /// `[cpu]`, `[scheduler]` and the System V message queue and semaphore limits (not for `tiny`).
        let server: Bool
        let swappiness: Int
        /// `vm.overcommit_memory=0` with this ratio when `node_overcommit_ratio` is unset (`olap`
        /// leaves the kernel's default alone).
        let defaultOvercommitRatio: Int?
        let dirtyBackground: Int
        let dirty: Int
        /// `vm.dirty_expire_centisecs` and `vm.dirty_writeback_centisecs`, when not the kernel's.
        let dirtyExpire: Int?
        let dirtyWriteback: Int?
        let fileMax: Int
        let somaxconn: Int
        let netdevBacklog: Int
        let socketBufferMax: Int
        /// The maximum of `tcp_rmem`, `tcp_wmem` and `udp_mem`.
        let tcpMemMax: Int
        let syncookies: Int
        let twReuse: Int
        let synRetries: Int
        let keepalive: (time: Int, interval: Int, probes: Int)
        let finTimeout: Int
        let synBacklog: Int
        let conntrackMax: Int
        /// NVMe read-ahead (KiB) and merge policy (none for `tiny`).
        let nvme: (readahead: Int, nomerges: Int)?
    }

    static let all: [String: Profile] = [
        "oltp": Profile(name: "oltp", summary: "Optimize for OLTP System", include: "network-latency", server: true,
                        swappiness: 1, defaultOvercommitRatio: 100, dirtyBackground: 3, dirty: 15, dirtyExpire: 500,
                        dirtyWriteback: 100, fileMax: 16_777_216, somaxconn: 65535, netdevBacklog: 8192,
                        socketBufferMax: 4_194_304, tcpMemMax: 16_777_216, syncookies: 0, twReuse: 1, synRetries: 3,
                        keepalive: (60, 20, 3), finTimeout: 15, synBacklog: 8192, conntrackMax: 524_288,
                        nvme: (64, 2)),
        "olap": Profile(name: "olap", summary: "Optimize for OLAP System", include: "network-throughput", server: true,
                        swappiness: 1, defaultOvercommitRatio: nil, dirtyBackground: 10, dirty: 80, dirtyExpire: nil,
                        dirtyWriteback: nil, fileMax: 134_217_728, somaxconn: 65535, netdevBacklog: 8192,
                        socketBufferMax: 16_777_216, tcpMemMax: 33_554_432, syncookies: 1, twReuse: 0, synRetries: 3,
                        keepalive: (300, 60, 5), finTimeout: 60, synBacklog: 8192, conntrackMax: 524_288,
                        nvme: (2048, 0)),
        "crit": Profile(name: "crit", summary: "Optimize for CRIT System", include: "network-latency", server: true,
                        swappiness: 1, defaultOvercommitRatio: 100, dirtyBackground: 1, dirty: 5, dirtyExpire: 100,
                        dirtyWriteback: 100, fileMax: 16_777_216, somaxconn: 65535, netdevBacklog: 8192,
                        socketBufferMax: 4_194_304, tcpMemMax: 16_777_216, syncookies: 1, twReuse: 1, synRetries: 2,
                        keepalive: (60, 20, 3), finTimeout: 30, synBacklog: 8192, conntrackMax: 524_288,
                        nvme: (128, 1)),
        "tiny": Profile(name: "tiny", summary: "Optimize for TINY System", include: nil, server: false,
                        swappiness: 10, defaultOvercommitRatio: 200, dirtyBackground: 5, dirty: 30, dirtyExpire: nil,
                        dirtyWriteback: nil, fileMax: 16_777_216, somaxconn: 8192, netdevBacklog: 2048,
                        socketBufferMax: 4_194_304, tcpMemMax: 16_777_216, syncookies: 0, twReuse: 1, synRetries: 3,
                        keepalive: (60, 20, 3), finTimeout: 30, synBacklog: 4096, conntrackMax: 65536,
                        nvme: nil),
    ]

    /// `<profile dir>/<name>/tuned.conf` for one node.
    static func render(_ p: Profile, tune: TuneConfig, node: String) -> String {
        var w = LineWriter(capacity: 4096)
        Header.hash("tuned profile \(p.name)", node: node, into: &w)
        w.blank()
        w.line("[main]")
        w.line("summary=\(p.summary)")
        if let include = p.include { w.line("include=\(include)") }
        if p.server {
            w.blank()
            w.comment("keep the CPUs at full speed, out of deep idle states")
            w.line("[cpu]")
            w.line("force_latency=1")
            w.line("governor=performance")
            w.line("energy_perf_bias=performance")
            w.line("min_perf_pct=100")
        }
        w.blank()
        w.comment("no transparent huge pages: they stall PostgreSQL")
        w.line("[vm]")
        w.line("transparent_hugepages=never")
        if p.server {
            w.blank()
            w.line("[scheduler]")
            w.line("sched_migration_cost_ns=500000")
        }
        w.blank()
        w.line("[sysctl]")
        w.comment("kernel: no NUMA balancing or autogroups; shared memory up to 75% of RAM")
        w.line("kernel.numa_balancing=0")
        w.line("kernel.sched_autogroup_enabled = 0")
        w.line("kernel.shmall = \(tune.shmall)")
        w.line("kernel.shmmax = \(tune.shmmax)")
        w.line("kernel.shmmni=8192")
        if p.server {
            w.line("kernel.msgmni=32768")
            w.line("kernel.msgmnb=65536")
            w.line("kernel.msgmax=65536")
            w.line("kernel.pid_max=131072")
            w.line("kernel.sem=4096 524288 2048 8192")
        }
        w.blank()
        w.comment("memory: swap only under pressure, no zone reclaim, dirty page write-back")
        w.line("vm.swappiness=\(p.swappiness)")
        w.line("vm.zone_reclaim_mode=0")
        if let ratio = tune.overcommitRatio {
            w.comment("strict overcommit at \(ratio)% (node_overcommit_ratio)")
            w.line("vm.overcommit_memory=2")
            w.line("vm.overcommit_ratio=\(ratio)")
        } else if let ratio = p.defaultOvercommitRatio {
            w.line("vm.overcommit_memory=0")
            w.line("vm.overcommit_ratio=\(ratio)")
        }
        w.line("vm.dirty_background_ratio=\(p.dirtyBackground)")
        w.line("vm.dirty_ratio=\(p.dirty)")
        if let v = p.dirtyExpire { w.line("vm.dirty_expire_centisecs = \(v)") }
        if let v = p.dirtyWriteback { w.line("vm.dirty_writeback_centisecs = \(v)") }
        w.line("vm.mmap_min_addr=65536")
        w.blank()
        w.comment("file handles and asynchronous I/O")
        w.line("fs.file-max=\(p.fileMax)")
        w.line("fs.nr_open=8388608")
        w.line("fs.aio-max-nr=1048576")
        w.blank()
        w.comment("network: listen queues, socket buffers, TCP behaviour, connection tracking")
        w.line("net.core.somaxconn=\(p.somaxconn)")
        w.line("net.core.netdev_max_backlog=\(p.netdevBacklog)")
        w.line("net.core.rmem_default=262144")
        w.line("net.core.wmem_default=262144")
        w.line("net.core.rmem_max=\(p.socketBufferMax)")
        w.line("net.core.wmem_max=\(p.socketBufferMax)")
        w.line("net.ipv4.tcp_rmem=\"4096 87380 \(p.tcpMemMax)\"")
        w.line("net.ipv4.tcp_wmem=\"4096 16384 \(p.tcpMemMax)\"")
        w.line("net.ipv4.udp_mem=\"3145728 4194304 \(p.tcpMemMax)\"")
        w.line("net.ipv4.ping_group_range=0 65535")
        w.line("net.ipv4.ip_forward=1")
        w.line("net.ipv4.ip_nonlocal_bind=1")
        w.line("net.ipv4.tcp_timestamps=1")
        w.line("net.ipv4.tcp_syncookies=\(p.syncookies)")
        w.line("net.ipv4.ip_local_port_range=10000 64999")
        w.line("net.ipv4.tcp_tw_reuse=\(p.twReuse)")
        w.line("net.ipv4.tcp_synack_retries=\(p.synRetries)")
        w.line("net.ipv4.tcp_syn_retries=\(p.synRetries)")
        w.line("net.ipv4.tcp_keepalive_time=\(p.keepalive.time)")
        w.line("net.ipv4.tcp_keepalive_intvl=\(p.keepalive.interval)")
        w.line("net.ipv4.tcp_keepalive_probes=\(p.keepalive.probes)")
        w.line("net.ipv4.tcp_fin_timeout=\(p.finTimeout)")
        w.line("net.ipv4.tcp_max_tw_buckets=262144")
        w.line("net.ipv4.tcp_max_syn_backlog=\(p.synBacklog)")
        w.line("net.netfilter.nf_conntrack_max=\(p.conntrackMax)")
        w.blank()
        w.comment("disks: virtual and NVMe devices schedule nothing themselves")
        for (section, devices) in [("vd", "vd[a-z]"), ("xvd", "xvd[a-z]"), ("nvme", "nvme*")] {
            w.line("[disk-scheduler-\(section)]")
            w.line("type=disk")
            w.line("devices=\(devices)")
            w.line("elevator=none")
            if section == "nvme", let n = p.nvme {
                w.line("readahead=\(n.readahead)")
                w.line("nomerges=\(n.nomerges)")
            }
            if section != "nvme" { w.blank() }
        }
        return w.text
    }
}
