import PigstyModel
import PigstyOutput
import PigstyFormats
import Foundation

/// ship: runs a plan over SSH. For every wave, every node of the wave (up to `parallel` at once)
/// gets its bundle on standard input and runs `apply.sh --only <the wave's steps>` from a temporary
/// directory; the next wave starts only when every node of this one succeeded. A node with a health
/// check in its wave (a member of a quorum or HA group) counts as succeeded only once the check
/// passed on it.
public struct Shipper {
    public struct Options: Sendable {
        /// The SSH client and its options; the target and the remote command are appended.
        public var ssh: [String] = ["ssh", "-o", "BatchMode=yes"]
        public var parallel: Int = 4
        /// Print what would run; connect nowhere.
        public var dryRun = false
        /// Run the health check of a group member after its apply (off: members still apply one
        /// at a time, without waiting for a check).
        public var healthChecks = true
        /// What apply.sh is asked to do besides `--only` (each a single shell word once quoted):
        /// `--tag <ship tag>` records the generation as this ship's, `--rollback-ship <tag>` undoes it.
        public var applyArguments: [String] = []

        public init(ssh: [String] = ["ssh", "-o", "BatchMode=yes"], parallel: Int = 4, dryRun: Bool = false,
                    healthChecks: Bool = true, applyArguments: [String] = []) {
            self.ssh = ssh
            self.parallel = parallel
            self.dryRun = dryRun
            self.healthChecks = healthChecks
            self.applyArguments = applyArguments
        }
    }

    /// Where to connect for a node: `[user@]host` and an optional port (from `ansible_user`,
    /// `ansible_host`, `ansible_port`).
    public struct Target: Sendable {
        public let node: String
        public let destination: String
        public let port: Int?
    }

    public struct Result: Sendable {
        public var succeeded: [String] = []
        public var failed: [(node: String, wave: String, status: Int32)] = []
        /// Waves not started because an earlier wave failed.
        public var skippedWaves: [String] = []
        public var ok: Bool { failed.isEmpty }
    }

    public let plan: ApplyPlan
    public let targets: [String: Target]
    /// Each node's `.tar.gz` bundle.
    public let bundles: [String: [UInt8]]
    /// Each node's steps (nodes whose bundle has none of a wave's steps skip that wave).
    public let steps: [String: Set<ApplyStep>]
    public let options: Options

    public init(plan: ApplyPlan, targets: [String: Target], bundles: [String: [UInt8]], steps: [String: Set<ApplyStep>],
                options: Options) {
        self.plan = plan
        self.targets = targets
        self.bundles = bundles
        self.steps = steps
        self.options = options
    }

    /// The target of each node: `ansible_host` (else the inventory IP), `ansible_user@`, `-p ansible_port`.
    /// Nil for a value ssh would read as an option or that holds blanks.
    public static func target(for node: NodeResource) -> Target? {
        let host = node.connection.host ?? node.ip
        let user = node.connection.user
        let dest = user.map { "\($0)@\(host)" } ?? host
        guard !dest.hasPrefix("-"), !dest.contains(where: { $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true }) else { return nil }
        return Target(node: node.ip, destination: dest, port: node.connection.port)
    }

    /// The command the remote shell runs: unpack standard input into a temporary directory and apply.
    public static func remoteCommand(node: String, steps: [ApplyStep], extra: [String] = []) -> String {
        let only = steps.map(\.rawValue).joined(separator: ",")
        return "set -eu; d=$(mktemp -d); trap 'rm -rf \"$d\"' EXIT; tar -xzf - -C \"$d\"; "
            + "bash \"$d\"/\(Shell.single(node))/apply.sh --only \(Shell.single(only))"
            + extra.map { " " + Shell.word($0) }.joined()
    }

    public func arguments(for target: Target, steps: [ApplyStep]) -> [String] {
        arguments(for: target, remote: Self.remoteCommand(node: target.node, steps: steps, extra: options.applyArguments))
    }

    func arguments(for target: Target, remote: String) -> [String] {
        var args = options.ssh
        if let port = target.port { args += ["-p", String(port)] }
        return args + [target.destination, remote]
    }

    /// The remote command of a health check: `check` until it succeeds, up to 30 tries 2 s apart.
    public static func healthCommand(_ check: String) -> String {
        "i=0; until " + check + "; do i=$((i+1)); if [ \"$i\" -ge 30 ]; then echo 'health check failed: '"
            + Shell.single(check) + " >&2; exit 1; fi; sleep 2; done"
    }

    /// Runs the plan; `log` gets one progress line per node and the summary (thread-safe calls).
    public func run(log: @escaping @Sendable (String) -> Void) -> Result {
        signal(SIGPIPE, SIG_IGN)
        var result = Result()
        let total = plan.waves.count
        // Sub-waves already run together (a new cluster's members start at once).
        var joined = Set<Int>()
        for (index, wave) in plan.waves.enumerated() where !joined.contains(index) {
            var label = "wave \(index + 1)/\(total) \(wave.name)"
            var wave = wave
            var work = wave.nodes.filter { n in bundles[n] != nil && !(steps[n] ?? []).isDisjoint(with: wave.steps) }
            if work.isEmpty {
                log("[\(label)] nothing to apply")
                continue
            }
            var together = false
            if let group = Self.bootstrapGroup(plan.waves, at: index) {
                let members = group.flatMap { i in
                    plan.waves[i].nodes.filter { n in bundles[n] != nil && !(steps[n] ?? []).isDisjoint(with: plan.waves[i].steps) }
                }
                if members.count > 1, noMemberHealthy(members, in: group.map { plan.waves[$0] }, label: label, log: log) {
                    joined.formUnion(group)
                    let last = group.max()!
                    let base = Self.groupName(wave.name) ?? wave.name
                    label = "wave \(index + 1)-\(last + 1)/\(total) \(base)"
                    var health: [String: String] = [:]
                    for i in group { health.merge(plan.waves[i].health) { a, _ in a } }
                    wave = ApplyWave(name: base, steps: wave.steps, nodes: members, health: health)
                    work = members
                    together = true
                    log("[\(label)] no member of \(base) is healthy: a new cluster, its \(members.count) members start together")
                }
            }
            let outcomes = runWave(work, wave: wave, label: label, together: together, log: log)
            for node in work {
                let status = outcomes[node] ?? -1
                if status == 0 { if !result.succeeded.contains(node) { result.succeeded.append(node) } }
                else { result.failed.append((node, wave.name, status)) }
            }
            if !result.failed.isEmpty {
                result.skippedWaves = plan.waves.indices.filter { $0 > index && !joined.contains($0) }.map { plan.waves[$0].name }
                break
            }
        }
        result.succeeded.removeAll { n in result.failed.contains { $0.node == n } }
        var summary = "ship: \(result.succeeded.count) node\(result.succeeded.count == 1 ? "" : "s") ok"
        if !result.failed.isEmpty {
            summary += ", failed: " + result.failed.map { "\($0.node) (wave \($0.wave), exit \($0.status))" }.joined(separator: ", ")
            if !result.skippedWaves.isEmpty { summary += "; not run: " + result.skippedWaves.joined(separator: ", ") }
        }
        if options.dryRun { summary += " (dry run: nothing was run)" }
        log(summary)
        return result
    }

    /// Groups whose members cannot start one by one on a new cluster: a first etcd member waits
    /// for a quorum of its peers before it is ready (and before `systemctl start` returns).
    static let bootstrapTogether: Set<String> = ["etcd"]

    /// `etcd` for `etcd.2`; nil for a wave that is not a sub-wave.
    static func groupName(_ wave: String) -> String? {
        guard let dot = wave.lastIndex(of: "."), Int(wave[wave.index(after: dot)...]) != nil else { return nil }
        return String(wave[..<dot])
    }

    /// The indices of the consecutive sub-waves `<group>.1`, `<group>.2`, … starting at `index`,
    /// for a group in `bootstrapTogether`; nil otherwise.
    static func bootstrapGroup(_ waves: [ApplyWave], at index: Int) -> [Int]? {
        guard let base = groupName(waves[index].name), bootstrapTogether.contains(base), waves[index].name == base + ".1" else { return nil }
        var group = [index]
        while group.last! + 1 < waves.count, groupName(waves[group.last! + 1].name) == base { group.append(group.last! + 1) }
        return group
    }

    /// The remote command that asks once (no retries) whether a member is healthy.
    public static func probeCommand(_ check: String) -> String { "pigstyc_probe=1; " + check }

    /// Whether no member of a group passes its health check now (each asked once, all at once):
    /// then there is no quorum to keep, and a new cluster needs its members started together.
    /// With health checks off, or in a dry run, members keep applying one at a time.
    private func noMemberHealthy(_ members: [String], in waves: [ApplyWave], label: String,
                                 log: @escaping @Sendable (String) -> Void) -> Bool {
        guard options.healthChecks, !options.dryRun else { return false }
        var probes: [[String]] = []
        for node in members {
            guard let target = targets[node], let check = waves.lazy.compactMap({ $0.health[node] }).first else { return false }
            probes.append(arguments(for: target, remote: Self.probeCommand(check)))
        }
        let lock = NSLock()
        final class Count: @unchecked Sendable { var healthy = 0 }
        let count = Count()
        DispatchQueue.concurrentPerform(iterations: probes.count) { i in
            let (status, _) = Self.execute(probes[i], input: [])
            if status == 0 { lock.withLock { count.healthy += 1 } }
        }
        return lock.withLock { count.healthy } == 0
    }

    private func runWave(_ nodes: [String], wave: ApplyWave, label: String, together: Bool = false,
                         log: @escaping @Sendable (String) -> Void) -> [String: Int32] {
        let lock = NSLock()
        final class Outcomes: @unchecked Sendable { var byNode: [String: Int32] = [:] }
        let box = Outcomes()
        // Members that start together all run at once, whatever --parallel says (each waits for the others).
        let gate = DispatchSemaphore(value: together ? max(1, nodes.count) : max(1, options.parallel))
        let group = DispatchGroup()
        for node in nodes {
            guard let target = targets[node], let bundle = bundles[node] else {
                log("[\(label)] \(node) failed: no usable SSH target (ansible_host/ansible_user)")
                lock.withLock { box.byNode[node] = 255 }
                continue
            }
            let args = arguments(for: target, steps: wave.steps)
            let health = wave.health[node].flatMap { options.healthChecks ? $0 : nil }.map { arguments(for: target, remote: Self.healthCommand($0)) }
            if options.dryRun {
                log("[\(label)] \(node) would run: " + args.map(Shell.single).joined(separator: " "))
                if let health { log("[\(label)] \(node) then check: " + health.map(Shell.single).joined(separator: " ")) }
                lock.withLock { box.byNode[node] = 0 }
                continue
            }
            gate.wait()
            group.enter()
            Thread.detachNewThread {
                var (status, output) = Self.execute(args, input: bundle)
                // The next member of the node's group starts only after this check passed.
                if status == 0, let health {
                    (status, output) = Self.execute(health, input: [])
                    if status == 0 { log("[\(label)] \(node) healthy") }
                    else { output = "health check failed\n" + output }
                }
                if status == 0 {
                    log("[\(label)] \(node) ok")
                } else {
                    let tail = output.split(separator: "\n", omittingEmptySubsequences: false).suffix(20)
                        .map { "    " + $0 }.joined(separator: "\n")
                    log("[\(label)] \(node) failed (exit \(status))\n\(tail)")
                }
                lock.withLock { box.byNode[node] = status }
                gate.signal()
                group.leave()
            }
        }
        group.wait()
        return lock.withLock { box.byNode }
    }

    /// Runs a command (looked up in PATH) with `input` on standard input; returns its status and
    /// combined output. Plain files instead of pipes, and posix_spawn instead of Foundation's
    /// Process, so parallel runs share no descriptors and need no run loop.
    static func execute(_ args: [String], input: [UInt8]) -> (Int32, String) {
        let (status, output, _) = capture(args, input: input, separateErrors: false)
        return (status, String(decoding: output, as: UTF8.self))
    }

    /// `execute`, with standard output and standard error apart when `separateErrors` (else the
    /// second holds both and the third is empty).
    static func capture(_ args: [String], input: [UInt8], separateErrors: Bool) -> (Int32, [UInt8], [UInt8]) {
        guard let exe = args.first else { return (127, [], Array("empty command".utf8)) }
        func tempFile() -> (Int32, String) {
            var template = Array((NSTemporaryDirectory() + "/pigstyc-ship-XXXXXX").utf8CString)
            let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
            return (fd, String(cString: template))
        }
        let (inFD, inPath) = tempFile(), (outFD, outPath) = tempFile(), (errFD, errPath) = tempFile()
        defer {
            if inFD >= 0 { close(inFD); unlink(inPath) }
            if outFD >= 0 { close(outFD); unlink(outPath) }
            if errFD >= 0 { close(errFD); unlink(errPath) }
        }
        let failed: (String) -> (Int32, [UInt8], [UInt8]) = { (127, separateErrors ? [] : Array($0.utf8), separateErrors ? Array($0.utf8) : []) }
        guard inFD >= 0, outFD >= 0, errFD >= 0 else { return failed("cannot create a temporary file") }
        var offset = 0
        while offset < input.count {
            let n = input[offset...].withUnsafeBytes { write(inFD, $0.baseAddress, $0.count) }
            guard n > 0 else { return failed("cannot write a temporary file") }
            offset += n
        }
        lseek(inFD, 0, SEEK_SET)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inFD, 0)
        posix_spawn_file_actions_adddup2(&actions, outFD, 1)
        posix_spawn_file_actions_adddup2(&actions, separateErrors ? errFD : outFD, 2)
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var pid = pid_t()
        let rc = posix_spawnp(&pid, exe, &actions, nil, &argv, environ)
        guard rc == 0 else { return failed("cannot run \(exe): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let output = FileManager.default.contents(atPath: outPath) ?? Data()
        let errors = separateErrors ? FileManager.default.contents(atPath: errPath) ?? Data() : Data()
        return (code, Array(output), Array(errors))
    }
}

// MARK: - ship --check

extension Shipper {
    /// What one node's `apply.sh --dry-run --show-live` returned.
    public struct NodeCheck: Sendable {
        public let node: String
        public let steps: [ApplyStep]
        public let status: Int32
        /// apply.sh's standard output: its log and the `--show-live` records.
        public let output: [UInt8]
        public let errors: String
    }

    /// The remote command of `ship --check`: the bundle unpacked as for ship, its apply.sh run
    /// with `--dry-run --show-live` (after `--only`, so a wrapper that rewrites ship's command
    /// rewrites this one the same way).
    public static func checkCommand(node: String, steps: [ApplyStep]) -> String {
        remoteCommand(node: node, steps: steps) + " --dry-run --show-live"
    }

    /// The nodes `run` would apply, in the order of their first wave, each with the steps of
    /// every wave it would apply in (nothing is applied between them in a check).
    public var checkOrder: [(node: String, steps: [ApplyStep])] {
        var order: [String] = []
        var steps: [String: Set<ApplyStep>] = [:]
        for wave in plan.waves {
            for n in wave.nodes where bundles[n] != nil && !(self.steps[n] ?? []).isDisjoint(with: wave.steps) {
                if steps[n] == nil { order.append(n) }
                steps[n, default: []].formUnion(wave.steps)
            }
        }
        return order.map { n in (n, ApplyStep.allCases.filter { steps[n]!.contains($0) }) }
    }

    /// Sends every node its bundle and runs its apply.sh in check mode (up to `parallel` at
    /// once); nothing is installed and no unit is touched. Results in `checkOrder`; `progress`
    /// gets a line per node as it ends.
    public func check(progress: @escaping @Sendable (String) -> Void) -> [NodeCheck] {
        signal(SIGPIPE, SIG_IGN)
        let order = checkOrder
        final class Results: @unchecked Sendable { var byIndex: [Int: NodeCheck] = [:] }
        let box = Results()
        let lock = NSLock()
        let gate = DispatchSemaphore(value: max(1, options.parallel))
        let group = DispatchGroup()
        for (index, item) in order.enumerated() {
            guard let target = targets[item.node], let bundle = bundles[item.node] else {
                let missing = NodeCheck(node: item.node, steps: item.steps, status: 255, output: [],
                                        errors: "no usable SSH target (ansible_host/ansible_user)")
                lock.withLock { box.byIndex[index] = missing }
                continue
            }
            let args = arguments(for: target, remote: Self.checkCommand(node: item.node, steps: item.steps))
            gate.wait()
            group.enter()
            Thread.detachNewThread {
                let (status, output, errors) = Self.capture(args, input: bundle, separateErrors: true)
                progress("[check] \(item.node) " + (status == 0 ? "checked" : "failed (exit \(status))"))
                lock.withLock {
                    box.byIndex[index] = NodeCheck(node: item.node, steps: item.steps, status: status, output: output,
                                                   errors: String(decoding: errors, as: UTF8.self))
                }
                gate.signal()
                group.leave()
            }
        }
        group.wait()
        return lock.withLock { order.indices.compactMap { box.byIndex[$0] } }
    }
}
