import Foundation
import Ledger

/// Turns the entries of a decoded bulk request into what the store posts: each entry checked
/// against the posting rules (a plan, or its rejection) with what its confirmation will say.
/// Shared by the synchronous service and the asynchronous posting worker.
public struct EntryChecks: Sendable {
    let rules: PostingRules
    let system: GatewaySystem

    public init(rules: PostingRules, system: GatewaySystem) {
        self.rules = rules
        self.system = system
    }

    public func submissions(for request: BulkCreateRequest, authorization: PostingAuthorization) -> [EntrySubmission] {
        let isTest = request.messageHeader.testDataIndicator
        return request.entries.map { entry -> EntrySubmission in
            let action: EntrySubmission.Action
            switch rules.check(entry.draft, authorization: authorization) {
            case .success(let plan): action = (isTest || entry.messageHeader.testDataIndicator) ? .check(plan) : .post(plan)
            case .failure(let rejection): action = .reject(rejection)
            }
            return EntrySubmission(
                action: action, messageID: entry.messageHeader.id, messageUUID: entry.messageHeader.uuid,
                confirmationUUID: RandomUUID.lowercased(), originalReferenceDocumentType: entry.draft.originalReferenceDocumentType,
                logicalSystem: entry.draft.originalReferenceDocumentLogicalSystem ?? system.logicalSystem)
        }
    }
}

extension EntryChecks {
    /// The submissions of a change request: each change is authorised by the company code of the
    /// document it names; `TestDataIndicator` (bulk or own header) makes it a check.
    public func submissions(for request: BulkChangeRequest, authorization: PostingAuthorization) -> [EntrySubmission] {
        let isTest = request.messageHeader.testDataIndicator
        return request.changes.map { entry -> EntrySubmission in
            let change = entry.change
            let action: EntrySubmission.Action
            if !authorization.mayPost(in: change.document.companyCode) {
                action = .reject(PostingRejection([LedgerMessage(.noAuthorizationToChange, authorization.userName, change.document.companyCode)]))
            } else {
                action = (isTest || entry.messageHeader.testDataIndicator) ? .checkChange(change) : .change(change)
            }
            return EntrySubmission(
                action: action, messageID: entry.messageHeader.id, messageUUID: entry.messageHeader.uuid,
                confirmationUUID: RandomUUID.lowercased(), originalReferenceDocumentType: "BKPFF", logicalSystem: system.logicalSystem)
        }
    }
}

extension EntryChecks {
    /// The submissions of a clearing request: one clearing document per `JournalEntryClearingRequest`.
    public func submissions(for request: BulkClearingRequest, authorization: PostingAuthorization) -> [EntrySubmission] {
        let isTest = request.messageHeader.testDataIndicator
        return request.clearings.map { entry -> EntrySubmission in
            let action: EntrySubmission.Action
            switch rules.check(entry.draft, authorization: authorization) {
            case .success(let plan): action = (isTest || entry.messageHeader.testDataIndicator) ? .checkClear(plan) : .clear(plan)
            case .failure(let rejection): action = .reject(rejection)
            }
            return EntrySubmission(
                action: action, messageID: entry.messageHeader.id, messageUUID: entry.messageHeader.uuid,
                confirmationUUID: RandomUUID.lowercased(), originalReferenceDocumentType: "BKPFF", logicalSystem: system.logicalSystem)
        }
    }
}

extension BulkCreateRequest {
    /// `true` when nothing in the message is meant to be posted (`TestDataIndicator` on the bulk
    /// header, or on every entry).
    public var isCheckOnly: Bool {
        messageHeader.testDataIndicator || (!entries.isEmpty && entries.allSatisfy(\.messageHeader.testDataIndicator))
    }
}
