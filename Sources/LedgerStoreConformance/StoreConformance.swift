import Ledger

/// The checks every ``LedgerStore`` implementation must pass (see the contract on the protocol).
/// A backend's test target runs each of ``cases`` against a fresh store of its own.
public enum StoreConformance {
    public static var cases: [ConformanceCase] { messageAlgorithmCases + asyncMessageCases + listingCases + reversalCases + changeCases + invariantCases + clearingCases + clearingResetCases }
}
