import JournalEntryService
import Ledger
import SOAPCore
import Testing
import XMLCore

/// The intake hands stored requests, decoded, to this process's posting worker; what the worker
/// prepares from them must be what it would prepare from the stored request.
@Suite("Accepted requests handed from the intake to the posting worker")
struct AcceptedRequestHandOffTests {
    private func decoded(_ fixture: String, interface: String, entries: Int) throws -> DecodedAcceptedRequest {
        let envelope = try SOAPEnvelope.parse(try Repository.fixture(fixture))
        return try AcceptedMessagePreparation.decode(envelope, interface: interface, entryCount: entries).get()
    }

    private func message(_ id: MessageRowID, interface: String, entries: Int) -> MessageRecord {
        MessageRecord(
            id: id, key: nil, interface: interface, sender: "INTEGRATION", messageID: "M\(id)", messageUUID: nil, transportMessageID: nil,
            receivedAt: "2025-03-01T10:00:00.000000Z", firstReceivedAt: "2025-03-01T10:00:00.000000Z", attempt: 1, entryCount: entries,
            payloadDigest: nil, postedCount: 0, state: .processing, stateChangedAt: "2025-03-01T10:00:00.000000Z", claim: nil,
            confirmation: ConfirmationHeader(
                uuid: "00000000-0000-0000-0000-000000000001", creationDateTime: "2025-03-01T10:00:00Z", referenceID: nil, referenceUUID: nil,
                recipientBusinessSystemID: nil),
            isTest: false)
    }

    @Test(
        "a request prepared from the intake's decoded form equals one prepared from the stored request",
        arguments: [
            ("create_bulk_mixed_soap11.xml", JournalEntryOperations.bulkCreateInterface, "text/xml; charset=utf-8"),
            ("create_wsa_soap12.xml", JournalEntryOperations.bulkCreateInterface, "application/soap+xml; charset=utf-8"),
            ("change_request_soap11.xml", JournalEntryOperations.bulkChangeInterface, "text/xml; charset=utf-8"),
            ("clearing_request_soap11.xml", JournalEntryOperations.bulkClearingInterface, "text/xml; charset=utf-8"),
        ])
    func sameAsFromTheStore(fixture: String, interface: String, contentType: String) throws {
        let xml = try Repository.fixture(fixture)
        let preparation = AcceptedMessagePreparation(
            rules: PostingRules(masterData: try Repository.masterData()), system: GatewaySystem(systemID: "JGW", logicalSystem: "JGWCLNT100"),
            limits: XMLParseLimits())
        let envelope = try SOAPEnvelope.parse(xml)
        let decoded = try AcceptedMessagePreparation.decode(envelope, interface: interface, entryCount: 1).get()
        let record = message(7, interface: interface, entries: 1)
        let user = PostingAuthorization(userName: "INTEGRATION", companyCodes: nil)
        let fromHandOff = try #require(preparation.prepare(record, decoded: decoded, authorization: user))
        let fromStore = preparation.prepare(record, payload: StoredPayload(body: Array(xml.utf8), contentType: contentType), authorization: user)
        #expect(fromStore.problem == nil)
        #expect(!fromStore.entries.isEmpty)
        #expect(fromHandOff.entries.count == fromStore.entries.count)
        // Equal but for each entry's confirmation UUID, which is new every time.
        #expect(withoutConfirmationUUIDs(fromHandOff.entries) == withoutConfirmationUUIDs(fromStore.entries))
        #expect(fromHandOff.senderBusinessSystemID == fromStore.senderBusinessSystemID)
        #expect(fromHandOff.replyTo == fromStore.replyTo)
        #expect(fromHandOff.soapVersion == fromStore.soapVersion)
        #expect(fromHandOff.soapVersion == (envelope.version == .soap12 ? "1.2" : "1.1"))
    }

    @Test("entries the intake checked are posted as checked while the sender's authorisation is unchanged, else read from the store")
    func checkedAtIntake() throws {
        let xml = try Repository.fixture("create_bulk_mixed_soap11.xml")
        let preparation = AcceptedMessagePreparation(
            rules: PostingRules(masterData: try Repository.masterData()), system: GatewaySystem(systemID: "JGW", logicalSystem: "JGWCLNT100"),
            limits: XMLParseLimits())
        let interface = JournalEntryOperations.bulkCreateInterface
        let everything = PostingAuthorization(userName: "INTEGRATION", companyCodes: nil)
        let handed = try #require(
            preparation.decodeAndCheck(try SOAPEnvelope.parse(xml), interface: interface, entryCount: 2, authorization: everything))
        #expect(handed.body == nil, "the decoded request is not kept next to its checked entries")
        let checked = try #require(handed.checked)
        let record = message(9, interface: interface, entries: 2)

        // Same authorisation: exactly the intake's entries (the same confirmation UUIDs), not checked again.
        let reused = try #require(preparation.prepare(record, decoded: handed, authorization: everything))
        #expect(reused.entries.map(\.confirmationUUID) == checked.entries.entries.map(\.confirmationUUID))
        #expect(withoutConfirmationUUIDs(reused.entries) == withoutConfirmationUUIDs(
            preparation.prepare(record, payload: StoredPayload(body: Array(xml.utf8), contentType: "text/xml"), authorization: everything).entries))

        // Changed since (here: no longer allowed in 1010): nothing from the hand-off; the worker
        // reads the stored request, and its entries are refused for the new authorisation.
        let narrowed = PostingAuthorization(userName: "INTEGRATION", companyCodes: ["1710"])
        #expect(preparation.prepare(record, decoded: handed, authorization: narrowed) == nil)
        let fromStore = preparation.prepare(record, payload: StoredPayload(body: Array(xml.utf8), contentType: "text/xml"), authorization: narrowed)
        #expect(fromStore.entries.allSatisfy { if case .reject = $0.action { true } else { false } })
    }

    private func withoutConfirmationUUIDs(_ entries: [EntrySubmission]) -> String {
        String(describing: entries).replacing(#/confirmationUUID: "[0-9a-f-]{36}"/#, with: "confirmationUUID: _")
    }

    @Test("a request is taken once; the hand-off keeps at most its bound of entries, dropping the oldest first")
    func boundedAndTakenOnce() async throws {
        let handOff = AcceptedRequestHandOff(maximumEntries: 10)
        let request = try decoded("create_bulk_mixed_soap11.xml", interface: JournalEntryOperations.bulkCreateInterface, entries: 4)
        func store(_ id: MessageRowID, _ request: DecodedAcceptedRequest?) {
            handOff.reserve(id)
            handOff.fulfil(id, with: request)
        }
        store(1, request)
        store(2, request)
        #expect(handOff.heldEntries == 8)
        #expect(await handOff.take(1) != nil)
        #expect(await handOff.take(1) == nil, "taken twice")
        #expect(handOff.heldEntries == 4)

        // 4 + 4 + 4 > 10: the oldest still held (2) makes room.
        store(3, request)
        store(4, request)
        #expect(handOff.heldEntries == 8)
        #expect(await handOff.take(2) == nil, "the oldest should have been dropped")
        #expect(await handOff.take(3) != nil)
        #expect(await handOff.take(4) != nil)
        #expect(handOff.heldEntries == 0)

        // Larger than the whole bound, or nothing decoded: not kept (the worker reads the store).
        var large = request
        large.entryCount = 11
        store(5, large)
        store(6, nil)
        #expect(await handOff.take(5) == nil)
        #expect(await handOff.take(6) == nil)
        #expect(await handOff.take(7) == nil, "never reserved")
        #expect(handOff.heldEntries == 0)
    }

    @Test("a worker that claims a message still being decoded waits for the intake, and gets nothing when the intake gives up")
    func waitsForTheIntake() async throws {
        let handOff = AcceptedRequestHandOff()
        let request = try decoded("create_bulk_mixed_soap11.xml", interface: JournalEntryOperations.bulkCreateInterface, entries: 2)
        handOff.reserve(1)
        async let taken = handOff.take(1)
        try await Task.sleep(for: .milliseconds(50))
        handOff.fulfil(1, with: request)
        #expect(await taken?.entryCount == 2)
        #expect(handOff.heldEntries == 0, "handed straight to the waiting worker, not kept")

        // The storing transaction did not commit, or decoding failed: the waiting worker reads the store.
        handOff.reserve(2)
        async let givenUp = handOff.take(2)
        try await Task.sleep(for: .milliseconds(50))
        handOff.fulfil(2, with: nil)
        #expect(await givenUp == nil)
    }
}
