import Dispatch
import Foundation

/// `(0..<count).map(body)` with the calls spread over the machine's cores. Results come back in
/// index order, so callers that merge them in that order behave as a sequential run would.
/// `body` must only read shared state.
public func concurrentMap<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
    let slots = Slots<T>(count: count)
    DispatchQueue.concurrentPerform(iterations: count) { i in slots.set(i, body(i)) }
    return slots.values
}

/// One value per index, written from concurrent iterations (each index once) and read after.
private final class Slots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ value: Value) {
        lock.lock(); defer { lock.unlock() }
        slots[i] = value
    }

    var values: [Value] { slots.map { $0! } }
}
