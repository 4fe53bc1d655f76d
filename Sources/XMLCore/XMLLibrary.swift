internal import CLibXML2

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Process-wide libxml2 set-up.
public enum XMLLibrary {
    /// Initialises libxml2 once (parser globals, XSD built-in types, an entity loader that never
    /// touches the network). Idempotent and thread-safe; every XMLCore entry point calls it, so
    /// calling it at start-up is optional but keeps the first request fast.
    public static func initialize() {
        _ = libraryInitialized
    }
}

/// Swift global `let`s are initialised exactly once, thread-safely (swift_once).
private let libraryInitialized: Bool = {
    cxml_global_init()
    return true
}()

/// A minimal pthread mutex (XMLCore avoids Foundation and `Synchronization.Mutex`'s macOS 15 floor).
final class XMLLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

// MARK: - Small internal helpers over libxml2 strings

/// `String` from a NUL-terminated xmlChar string (nil → nil).
@inline(__always)
func xmlString(_ p: UnsafePointer<xmlChar>?) -> String? {
    guard let p else { return nil }
    return String(cString: p)
}

/// Takes ownership of a libxml2-allocated string: converts it and frees it.
@inline(__always)
func consumeXMLString(_ p: UnsafeMutablePointer<xmlChar>?) -> String? {
    guard let p else { return nil }
    defer { cxml_free(p) }
    return String(cString: p)
}

/// Compares a NUL-terminated C string with a Swift string byte for byte, without allocating.
@inline(__always)
func cStringEquals(_ p: UnsafePointer<xmlChar>?, _ s: String) -> Bool {
    guard let p else { return false }
    var i = 0
    for byte in s.utf8 {
        // A NUL in `p` differs from every byte of `s` (Swift strings here carry no NULs).
        if p[i] != byte { return false }
        i += 1
    }
    return p[i] == 0
}

/// libxml2 messages end with "\n"; drop trailing whitespace.
func trimmedMessage(_ p: UnsafePointer<CChar>?) -> String {
    guard let p else { return "" }
    var s = String(cString: p)
    while let last = s.last, last == "\n" || last == " " || last == "\r" || last == "\t" {
        s.removeLast()
    }
    return s
}

/// Whether `path` names a readable file (used to tell "missing" from "does not compile").
func isReadableFile(_ path: String) -> Bool {
    access(path, R_OK) == 0
}
