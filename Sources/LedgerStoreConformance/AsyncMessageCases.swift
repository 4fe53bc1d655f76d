import ConfirmationDelivery
import Foundation
import Ledger

/// Asynchronous messages (accepted → processing → processed, with claims and stored requests)
/// and the confirmation outbox (deliveries, due times, leases, attempts).
extension StoreConformance {
    static let asyncMessageCases: [ConformanceCase] = [
        ConformanceCase("an accepted message keeps its request and is claimable; a claim hides it until it expires") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let id = try await fixture.accept(key: "A-1", receivedAt: "2025-03-01T10:00:00.000000Z", body: "<bulk>1</bulk>")
            let payload = try await fixture.store.messagePayload(id)
            try requireEqual(payload.map { String(decoding: $0.body, as: UTF8.self) }, "<bulk>1</bulk>", "stored request")
            try requireEqual(payload?.contentType, "text/xml; charset=utf-8", "stored content type")
            let claimable = try await fixture.store.write { try $0.claimableMessages(now: "2025-03-01T10:00:01.000000Z", limit: 10) }
            try requireEqual(claimable.map(\.id), [id], "claimable after intake")
            try requireEqual(claimable.first?.state, .accepted, "state after intake")
            try await fixture.store.write {
                try $0.setState(
                    ofMessage: id, to: .processing, at: "2025-03-01T10:00:01.000000Z",
                    claim: MessageClaim(by: "worker-1", until: "2025-03-01T10:05:00.000000Z"))
            }
            let whileClaimed = try await fixture.store.write { try $0.claimableMessages(now: "2025-03-01T10:04:00.000000Z", limit: 10) }
            try requireEqual(whileClaimed.map(\.id), [], "claimable while the claim holds")
            let afterExpiry = try await fixture.store.write { try $0.claimableMessages(now: "2025-03-01T10:06:00.000000Z", limit: 10) }
            try requireEqual(afterExpiry.map(\.id), [id], "claimable after the claim expired")
            try requireEqual(afterExpiry.first?.claim, MessageClaim(by: "worker-1", until: "2025-03-01T10:05:00.000000Z"), "claim read back")
            try await fixture.store.write {
                try $0.setState(ofMessage: id, to: .processed, at: "2025-03-01T10:06:01.000000Z", claim: nil)
                try $0.deletePayload(ofMessage: id)
            }
            let afterProcessing = try await fixture.store.write { try $0.claimableMessages(now: "2025-03-02T00:00:00.000000Z", limit: 10) }
            try requireEqual(afterProcessing.map(\.id), [], "claimable after processing")
            try require(try await fixture.store.messagePayload(id) == nil, "the request is dropped after processing")
            let record = try await fixture.store.write { try $0.message(id: id) }
            try requireEqual(record?.state, .processed, "state")
            try requireEqual(record?.stateChangedAt, "2025-03-01T10:06:01.000000Z", "state changed at")
            try requireEqual(record?.transportMessageID, "A-1", "transport message ID")
            try requireEqual(record?.confirmation.recipientBusinessSystemID, "SYS", "confirmation header")
        },
        ConformanceCase("claimable messages come oldest first, up to the limit") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            var ids: [MessageRowID] = []
            for index in 0..<5 { ids.append(try await fixture.accept(key: "A-\(index)", receivedAt: "2025-03-01T10:00:0\(index).000000Z")) }
            let first = try await fixture.store.write { try $0.claimableMessages(now: "2025-03-01T11:00:00.000000Z", limit: 3) }
            try requireEqual(first.map(\.id), Array(ids.prefix(3)), "first three")
        },
        ConformanceCase("an accepted key is a duplicate for the intake; the same key with another payload a conflict") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            _ = try await fixture.accept(key: "A-1", receivedAt: "2025-03-01T10:00:00.000000Z")
            let key = InboundMessageKey(sender: "CONFORMANCE", interface: ConformanceFixture.bulkInterface, messageID: "A-1")
            let same = try await fixture.store.write {
                try MessageProcessor.admit(key: key, payloadDigest: "digest-A-1", receivedAt: "2025-03-01T10:01:00.000000Z", in: $0)
            }
            guard case .duplicate = same else { throw ConformanceFailure("same payload must be a duplicate, got \(same)") }
            let other = try await fixture.store.write {
                try MessageProcessor.admit(key: key, payloadDigest: "other", receivedAt: "2025-03-01T10:01:00.000000Z", in: $0)
            }
            guard case .conflict = other else { throw ConformanceFailure("another payload must conflict, got \(other)") }
        },
        ConformanceCase("posting, outcomes and the confirmation enter the store in one transaction, or not at all") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let id = try await fixture.accept(key: "A-1", receivedAt: "2025-03-01T10:00:00.000000Z")
            let processor = MessageProcessor(masterData: fixture.masterData)
            let entries = fixture.message(key: "A-1", [.post(try fixture.plan())]).entries
            let now = Date(timeIntervalSince1970: 1_740_823_200)
            let target = DeliveryTarget(communicationSystem: "SYS", url: "http://127.0.0.1:9/c", outboundInterface: "JournalEntryBulkCreateConfirmation_Out", soapVersion: "1.1")
            struct Crash: Error {}
            do {
                try await fixture.store.write(rows: 10) { transaction in
                    _ = try processor.post(entries, ofMessage: id, sender: "CONFORMANCE", postedAt: "2025-03-01T10:00:01.000000Z", in: transaction)
                    _ = try transaction.enqueueDelivery(NewDelivery(messageRowID: id, target: target, state: DeliveryState(enqueuedAt: now), createdAt: now))
                    throw Crash()
                }
            } catch is Crash {}
            try requireEqual(try await fixture.allEntries().count, 0, "entries after the failed transaction")
            let detail = try await fixture.store.messageDetail(id)
            try requireEqual(detail?.entries.count, 0, "outcomes after the failed transaction")
            try require(detail?.delivery == nil, "no delivery after the failed transaction")
            try await fixture.store.write(rows: 10) { transaction in
                _ = try processor.post(entries, ofMessage: id, sender: "CONFORMANCE", postedAt: "2025-03-01T10:00:01.000000Z", in: transaction)
                _ = try transaction.enqueueDelivery(NewDelivery(messageRowID: id, target: target, state: DeliveryState(enqueuedAt: now), createdAt: now))
                try transaction.setState(ofMessage: id, to: .processed, at: "2025-03-01T10:00:01.000000Z", claim: nil)
            }
            let after = try await fixture.store.messageDetail(id)
            try requireEqual(after?.entries.compactMap(\.postedKey?.documentNumber), ["0100000000"], "outcomes")
            try requireEqual(after?.message.postedCount, 1, "posted count")
            try requireEqual(after?.delivery?.target, target, "delivery target")
            try requireEqual(after?.delivery?.state.status, .pending, "delivery status")
            let second = try? await fixture.store.write {
                try $0.enqueueDelivery(NewDelivery(messageRowID: id, target: target, state: DeliveryState(enqueuedAt: now), createdAt: now))
            }
            try require(second == nil, "a message has at most one delivery")
        },
        ConformanceCase("deliveries are due at their time, leased while in flight, and keep their attempts in order") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            let id = try await fixture.accept(key: "A-1", receivedAt: "2025-03-01T10:00:00.000000Z")
            let t0 = Date(timeIntervalSince1970: 1_740_823_200)
            let target = DeliveryTarget(communicationSystem: nil, url: "http://127.0.0.1:9/c", outboundInterface: "JournalEntryBulkCreateConfirmation_Out", soapVersion: "1.2")
            var state = DeliveryState(enqueuedAt: t0.addingTimeInterval(10))
            let initial = state
            let delivery = try await fixture.store.write {
                try $0.enqueueDelivery(NewDelivery(messageRowID: id, target: target, state: initial, createdAt: t0))
            }
            try requireEqual(try await fixture.store.write { try $0.dueDeliveries(now: t0, limit: 10) }.map(\.id), [], "due before its time")
            try requireEqual(try await fixture.store.write { try $0.dueDeliveries(now: t0.addingTimeInterval(10), limit: 10) }.map(\.id), [delivery], "due at its time")
            _ = try state.claim(now: t0.addingTimeInterval(10), lease: 30)
            let claimed = state
            try await fixture.store.write { try $0.updateDelivery(delivery, state: claimed, claimedBy: "dispatcher-1") }
            try requireEqual(try await fixture.store.write { try $0.dueDeliveries(now: t0.addingTimeInterval(20), limit: 10) }.map(\.id), [], "due while leased")
            try requireEqual(
                try await fixture.store.write { try $0.dueDeliveries(now: t0.addingTimeInterval(41), limit: 10) }.map(\.id), [delivery], "due after the lease")
            let policy = RetryPolicy(maximumAttempts: 2, initialDelay: 5, jitter: 0)
            _ = try state.attemptFinished(.httpStatus(500), now: t0.addingTimeInterval(12), randomUnit: 0, policy: policy)
            let retrying = state
            try await fixture.store.write {
                try $0.updateDelivery(delivery, state: retrying, claimedBy: nil)
                try $0.recordAttempt(
                    DeliveryAttempt(number: 1, startedAt: t0.addingTimeInterval(10), finishedAt: t0.addingTimeInterval(12), httpStatus: 500, error: "HTTP 500"),
                    ofDelivery: delivery)
            }
            let stored = try await fixture.store.write { try $0.delivery(id: delivery) }
            try requireEqual(stored?.state, retrying, "state read back")
            try requireEqual(stored?.claimedBy, nil, "claim cleared")
            try requireEqual(try await fixture.store.write { try $0.delivery(ofMessage: id) }?.id, delivery, "delivery of the message")
            _ = try state.claim(now: t0.addingTimeInterval(20), lease: 30)
            _ = try state.attemptFinished(.connectionRefused, now: t0.addingTimeInterval(21), randomUnit: 0, policy: policy)
            let failed = state
            try requireEqual(failed.status, .failed, "after the last attempt")
            try await fixture.store.write {
                try $0.updateDelivery(delivery, state: failed, claimedBy: nil)
                try $0.recordAttempt(
                    DeliveryAttempt(number: 2, startedAt: t0.addingTimeInterval(20), finishedAt: t0.addingTimeInterval(21), httpStatus: nil, error: "refused"),
                    ofDelivery: delivery)
            }
            try requireEqual(try await fixture.store.write { try $0.dueDeliveries(now: t0.addingTimeInterval(99_999), limit: 10) }.map(\.id), [], "a failed delivery is not due")
            try requireEqual(try await fixture.store.write { try $0.failedDeliveries(limit: 10) }.map(\.id), [delivery], "failed deliveries")
            let detail = try await fixture.store.messageDetail(id)
            try requireEqual(detail?.attempts.map(\.number), [1, 2], "attempt numbers")
            try requireEqual(detail?.attempts.map(\.httpStatus), [500, nil], "attempt statuses")
            try requireEqual(detail?.attempts.last?.error, "refused", "attempt error")
            try requireEqual(detail?.delivery?.state.status, .failed, "status in the detail")
        },
        ConformanceCase("the monitor lists messages newest first with filters and pages") { makeStore in
            let fixture = try ConformanceFixture(store: try await makeStore())
            var ids: [MessageRowID] = []
            for index in 0..<4 { ids.append(try await fixture.accept(key: "A-\(index)", sender: index == 3 ? "OTHER" : "CONFORMANCE", receivedAt: "2025-03-01T10:00:0\(index).000000Z")) }
            _ = try await fixture.process(fixture.message(key: "S-1", [.post(try fixture.plan())]))
            let secondID = ids[1]
            try await fixture.store.write { try $0.setState(ofMessage: secondID, to: .processed, at: "2025-03-01T10:01:00.000000Z", claim: nil) }
            func listed(_ change: (inout MessageQuery) -> Void) async throws -> [String?] {
                var query = MessageQuery()
                change(&query)
                return try await fixture.store.messages(query).messages.map(\.message.messageID)
            }
            try requireEqual(try await listed { _ in }, ["S-1", "A-3", "A-2", "A-1", "A-0"], "all, newest first")
            try requireEqual(try await listed { $0.interface = ConformanceFixture.interface }, ["S-1"], "by interface")
            try requireEqual(try await listed { $0.sender = "OTHER" }, ["A-3"], "by sender")
            try requireEqual(try await listed { $0.state = .accepted }, ["A-3", "A-2", "A-0"], "by state")
            try requireEqual(try await listed { $0.messageID = "A-2" }, ["A-2"], "by message ID")
            var query = MessageQuery(limit: 2)
            let first = try await fixture.store.messages(query)
            try requireEqual(first.messages.map(\.message.messageID), ["S-1", "A-3"], "first page")
            query.before = first.next
            let second = try await fixture.store.messages(query)
            try requireEqual(second.messages.map(\.message.messageID), ["A-2", "A-1"], "second page")
        },
    ]
}
