// The configuration file: reading, decoding and checking (moved here from GatewayHTTP so that
// the HTTP server, the workers and the CLI share it).
