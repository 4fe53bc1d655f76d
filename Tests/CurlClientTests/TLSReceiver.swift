import Foundation
import Synchronization
import TestProcessSupport

/// A throwaway PKI made with the `openssl` command: a CA, a server certificate for 127.0.0.1 and
/// a client certificate (`CN=GATEWAY`) of that CA, in a temporary directory.
struct TLSFiles: Sendable {
    let directory: String
    var caCertificate: String { directory + "/ca.pem" }
    var serverCertificate: String { directory + "/server.pem" }
    var serverKey: String { directory + "/server.key" }
    var clientCertificate: String { directory + "/client.pem" }
    var clientKey: String { directory + "/client.key" }

    /// Made once per test run.
    static func shared() throws -> TLSFiles {
        try cache.withLock { cached in
            if let cached { return cached }
            let made = try make()
            cached = made
            return made
        }
    }

    private static let cache = Mutex<TLSFiles?>(nil)

    private static func make() throws -> TLSFiles {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("curlclient-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let script = """
            set -e
            cd '\(directory)'
            key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1" 2>/dev/null; }
            key ca.key
            openssl req -x509 -new -key ca.key -out ca.pem -days 2 -subj '/CN=CurlClient Test CA' \
                -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
            key server.key
            openssl req -new -key server.key -out server.csr -subj '/CN=127.0.0.1'
            printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > server.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile server.ext 2>/dev/null
            key client.key
            openssl req -new -key client.key -out client.csr -subj '/CN=GATEWAY'
            printf 'extendedKeyUsage=clientAuth\\n' > client.ext
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 -extfile client.ext 2>/dev/null
            """
        let (pid, _) = try Spawn.start("/bin/sh", arguments: ["-c", script], output: .inherit)
        let (status, _) = Spawn.waitForExit(pid)
        guard status == 0 else { throw TLSReceiverError("openssl failed with \(status)") }
        return TLSFiles(directory: directory)
    }
}

/// What the HTTPS receiver answered about one request (its JSON answer).
struct TLSAnswer: Decodable {
    /// Body bytes received.
    var bytes: Int
    /// CN of the client certificate, empty without one.
    var client: String
    /// TCP connections accepted so far.
    var connections: Int
}

/// An HTTPS/1.1 receiver on 127.0.0.1 (Python's `http.server` with `ssl`, keep-alive), answering
/// every POST with a ``TLSAnswer``. With `requireClientCertificate`, only clients with a
/// certificate of the test CA get through the handshake.
final class TLSReceiver: Sendable {
    let port: Int
    private let pid: pid_t

    init(files: TLSFiles, requireClientCertificate: Bool = false) throws {
        let script = """
            import http.server, json, signal, ssl, sys
            # A child of a thread that blocks signals inherits the block: take SIGTERM again.
            signal.pthread_sigmask(signal.SIG_SETMASK, [])
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(sys.argv[1], sys.argv[2])
            context.load_verify_locations(sys.argv[3])
            context.verify_mode = ssl.CERT_REQUIRED if sys.argv[4] == "1" else ssl.CERT_OPTIONAL
            class Server(http.server.ThreadingHTTPServer):
                daemon_threads = True
                connections = 0
                def get_request(self):
                    sock, address = self.socket.accept()
                    Server.connections += 1
                    return context.wrap_socket(sock, server_side=True), address
                def handle_error(self, request, address):
                    pass
            class Handler(http.server.BaseHTTPRequestHandler):
                protocol_version = "HTTP/1.1"
                def do_POST(self):
                    body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                    peer = self.connection.getpeercert() or {}
                    subject = dict(item[0] for item in peer.get("subject", ()))
                    answer = json.dumps({"bytes": len(body), "client": subject.get("commonName", ""),
                                         "connections": Server.connections}).encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                def log_message(self, *args):
                    pass
            server = Server(("127.0.0.1", 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """
        let (pid, output) = try Spawn.start(
            "/usr/bin/env",
            arguments: ["python3", "-c", script, files.serverCertificate, files.serverKey, files.caCertificate, requireClientCertificate ? "1" : "0"],
            output: .pipeDiscardingErrors)
        self.pid = pid
        // The first line is the port.
        var line: [UInt8] = []
        let handle = FileHandle(fileDescriptor: output!, closeOnDealloc: true)
        while true {
            let byte = handle.readData(ofLength: 1)
            guard let first = byte.first else { break }
            if first == UInt8(ascii: "\n") { break }
            line.append(first)
        }
        guard let port = Int(String(decoding: line, as: UTF8.self)) else {
            kill(pid, SIGKILL)
            _ = Spawn.waitForExit(pid)
            throw TLSReceiverError("the HTTPS receiver did not start")
        }
        self.port = port
    }

    var url: String { "https://127.0.0.1:\(port)/confirm" }

    /// Kills the receiver (SIGKILL: a child of a test thread may have inherited a mask that
    /// blocks SIGTERM) and reaps it.
    func stop() {
        kill(pid, SIGKILL)
        _ = Spawn.waitForExit(pid)
    }
}

struct TLSReceiverError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
