import CurlClient
import Foundation
import GatewayHTTP
import SOAPCore
import Testing

@Suite("HTTP Basic authentication")
struct AuthenticationTests {
    @Test("a post without credentials gets 401 with a Basic challenge and posts nothing")
    func noCredentials() async throws {
        try await withGateway { gateway in
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: nil)
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            let api = try await gateway.get("/api/journal-entries", credentials: nil)
            #expect(api.status == 401)
            #expect(api.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("a wrong password gets 401, for SOAP and for the JSON API")
    func wrongPassword() async throws {
        try await withGateway { gateway in
            let wrong = Credentials(user: "INTEGRATION", password: "welcome2")
            let response = try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: wrong)
            #expect(response.status == 401)
            #expect(response.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
            #expect(try await gateway.get("/api/journal-entries", credentials: wrong).status == 401)
            #expect(try await gateway.get("/api/journal-entries", credentials: Credentials(user: "NOBODY", password: "welcome1")).status == 401)
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("a malformed Authorization header gets 401")
    func malformedAuthorization() async throws {
        try await withGateway { gateway in
            for value in ["Basic not-base64!", "Bearer abc", "Basic " + Data("INTEGRATION".utf8).base64EncodedString()] {
                let response = try await gateway.send(
                    "POST", ServicePaths.createSync, body: Array(try Repo.fixture("create_single_soap11.xml").utf8),
                    headers: [("Content-Type", "text/xml; charset=utf-8"), ("Authorization", value)], credentials: nil)
                #expect(response.status == 401, "Authorization: \(value)")
            }
            try await gateway.expectLedgerEmpty()
        }
    }

    @Test("user names are case-insensitive")
    func caseInsensitiveUserName() async throws {
        try await withGateway { gateway in
            let lower = Credentials(user: "integration", password: "welcome1")
            let confirmation = try expectConfirmation(try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml"), credentials: lower))
            let entry = try #require(confirmation.entries.first)
            #expect(entry.typeIDs == ["605(RW)"])
            let stored = try #require(try await gateway.journalEntry("1010", entry.fiscalYear, entry.accountingDocument))
            #expect(stored.postedBy == "INTEGRATION")
            // The same message from "INTEGRATION" is a replay: both spellings are one sender.
            let upper = try expectConfirmation(try await gateway.postSOAP(try Repo.fixture("create_single_soap11.xml")))
            #expect(upper.entries.map(\.accountingDocument) == [entry.accountingDocument])
            #expect(try await gateway.listAll().count == 1)
        }
    }
}

@Suite("Replays of a message ID are answered from the original confirmation")
struct ReplayTests {
    @Test("the same bulk posted again, even in SOAP 1.2, returns the same documents and UUIDs and posts nothing new")
    func replayAcrossSOAPVersions() async throws {
        try await withGateway { gateway in
            let soap11 = try Repo.fixture("create_bulk_mixed_soap11.xml")
            let first = try expectConfirmation(try await gateway.postSOAP(soap11))
            let second = try expectConfirmation(try await gateway.postSOAP(soap11.asSOAP12, version: .soap12), version: .soap12)
            let third = try expectConfirmation(try await gateway.postSOAP(soap11))

            try #require(first.entries.count == 2)
            for replay in [second, third] {
                #expect(replay.uuid == first.uuid)
                #expect(replay.entries.map(\.uuid) == first.entries.map(\.uuid))
                #expect(replay.entries.map(\.accountingDocument) == first.entries.map(\.accountingDocument))
                #expect(replay.entries.map(\.typeIDs) == first.entries.map(\.typeIDs))
            }
            let entries = try await gateway.listAll()
            #expect(entries.map(\.accountingDocument) == [first.entries[0].accountingDocument])
        }
    }

    @Test("the same message ID from another user is a different message")
    func sameIDOtherUser() async throws {
        try await withGateway { gateway in
            let request = BulkRequest(EntrySpec.balanced(companyCode: "1710"), messageID: "SHARED-ID-1")
            let byIntegration = try await gateway.expectPosted(request)
            let byPoster = try await gateway.expectPosted(request, credentials: .usPoster)
            #expect(byIntegration.entries.map(\.accountingDocument) == ["0100000000"])
            #expect(byPoster.entries.map(\.accountingDocument) == ["0100000001"])
            #expect(byPoster.uuid != byIntegration.uuid)
            let entries = try await gateway.listAll()
            #expect(entries.map(\.postedBy) == ["INTEGRATION", "US_POSTER"])
        }
    }

    @Test("a bulk identified only by its UUID is replay-protected too")
    func replayByUUID() async throws {
        try await withGateway { gateway in
            var request = BulkRequest(EntrySpec.balanced(id: "BY-UUID-1"), messageID: nil)
            request.messageUUID = UUID().uuidString.lowercased()
            let first = try await gateway.expectPosted(request)
            var upper = request
            upper.messageUUID = request.messageUUID?.uppercased()
            let second = try expectConfirmation(try await gateway.postSOAP(upper.envelope()))
            #expect(second.entries.map(\.accountingDocument) == first.entries.map(\.accountingDocument))
            #expect(try await gateway.listAll().count == 1)
        }
    }

    @Test("20 concurrent posts of the same message create exactly one set of documents")
    func concurrentDuplicates() async throws {
        try await withGateway { gateway in
            let request = BulkRequest(
                messageID: BulkRequest.newMessageID("RACE"),
                entries: [EntrySpec.balanced(id: "RACE-1"), EntrySpec.balanced(id: "RACE-2", companyCode: "1710")])
            let xml = request.envelope()
            let responses = try await withThrowingTaskGroup(of: HTTPResponseSummary.self) { group in
                for _ in 0..<20 { group.addTask { try await gateway.postSOAP(xml) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let confirmations = try responses.map { try expectConfirmation($0) }
            let documentSets = Set(confirmations.map { $0.entries.map { "\($0.companyCode)/\($0.accountingDocument)" } })
            #expect(documentSets == [["1010/0100000000", "1710/0100000000"]])
            #expect(Set(confirmations.map(\.uuid)).count == 1)
            let entries = try await gateway.listAll()
            #expect(entries.map(\.key) == ["1010/2025/0100000000", "1710/2025/0100000000"])
        }
    }
}
