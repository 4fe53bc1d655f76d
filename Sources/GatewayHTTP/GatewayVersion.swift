/// The version of journal-gateway: the one place it is defined. `journal-gateway --version`
/// prints it.
public enum GatewayVersion {
    /// Semantic version of this build (`major.minor.patch`).
    public static let current = "0.5.0"
}
