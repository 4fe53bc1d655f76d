import Foundation

extension GatewayConfiguration {
    /// Problems of the `metrics` key: both fields or neither, a user name without `:` or control
    /// characters, a well-formed bcrypt hash (``PasswordHashFormat``).
    func metricsProblems() -> [String] {
        guard let access = metrics else { return [] }
        switch (access.username, access.passwordHash) {
        case (nil, nil): return []
        case (nil, _), (_, nil): return ["metrics: username and passwordHash go together (omit both to leave /metrics open)"]
        case (let name?, let hash?):
            var problems: [String] = []
            if name.isEmpty || name.contains(":") || name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                problems.append("metrics.username: a user name must be non-empty and contain no ':' or control characters")
            }
            if let problem = PasswordHashFormat.problem(hash) {
                problems.append("metrics.passwordHash: \(problem); run `journal-gateway hash-password`")
            }
            return problems
        }
    }
}

extension GatewayConfiguration.System {
    /// What is wrong with a configured `system.publicBaseURL`, or nil when it is usable: an
    /// absolute `http`/`https` URL with a host, optionally a path prefix, and no query, fragment
    /// or user information.
    public static func publicBaseURLProblem(_ value: String?) -> String? {
        guard let value else { return nil }
        let problem = "system.publicBaseURL '\(value)' must be an absolute http:// or https:// URL with a host and optionally a path prefix"
        guard let components = URLComponents(string: value), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty
        else { return problem }
        if components.query != nil || components.fragment != nil { return problem + ", without query or fragment" }
        if components.user != nil || components.password != nil { return problem + ", without user or password" }
        if value.unicodeScalars.contains(where: { $0.properties.isWhitespace || !$0.isASCII }) {
            return problem + " (no blanks; percent-encode anything else)"
        }
        return nil
    }
}
