/// Random (version 4) UUIDs as SAP writes them in confirmations: lower case, with dashes.
///
/// Foundation's `UUID()` here opens, reads and closes `/dev/urandom` for every UUID (three
/// system calls, seen in profiles of the posting path, which makes one per entry); this takes its
/// 16 bytes from the standard library's system generator (the kernel's `getrandom`, no file) and
/// formats them directly.
public enum RandomUUID {
    /// A new random UUID, e.g. `0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d`.
    public static func lowercased() -> String {
        var bytes: (UInt64, UInt64) = (0, 0)
        var generator = SystemRandomNumberGenerator()
        bytes = (generator.next(), generator.next())
        withUnsafeMutableBytes(of: &bytes) { raw in
            raw[6] = raw[6] & 0x0F | 0x40  // version 4
            raw[8] = raw[8] & 0x3F | 0x80  // variant 10
        }
        let digits: StaticString = "0123456789abcdef"
        return withUnsafeBytes(of: &bytes) { raw in
            String(unsafeUninitializedCapacity: 36) { buffer in
                var index = 0
                for (position, byte) in raw.enumerated() {
                    if position == 4 || position == 6 || position == 8 || position == 10 {
                        buffer[index] = UInt8(ascii: "-")
                        index += 1
                    }
                    buffer[index] = digits.utf8Start[Int(byte >> 4)]
                    buffer[index + 1] = digits.utf8Start[Int(byte & 0x0F)]
                    index += 2
                }
                return index
            }
        }
    }
}
