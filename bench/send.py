#!/usr/bin/env python3
"""Sends COUNT synchronous requests from TEMPLATE to the gateway on PORT over 4 keep-alive
connections, each with a unique bulk MessageHeader/ID, and fails unless every answer is a 200
with 605(RW) and no 609(RW). Usage: send.py PORT TEMPLATE COUNT TAG"""
import http.client, sys, threading, time, base64

port, template, count, tag = int(sys.argv[1]), open(sys.argv[2]).read(), int(sys.argv[3]), sys.argv[4]
path = "/sap/bc/srt/scs_ext/sap/journalentrycreaterequestconfi"
headers = {"Content-Type": "text/xml; charset=utf-8", "Authorization": "Basic " + base64.b64encode(b"INTEGRATION:welcome1").decode()}
stamp = str(time.time_ns())
failures = []
lock = threading.Lock()
next_index = [0]

def worker():
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    while True:
        with lock:
            if next_index[0] >= count: break
            next_index[0] += 1
            n = next_index[0]
        body = template.replace("__MSGID__", f"{tag}-{stamp}-{n}", 1).encode()
        conn.request("POST", path, body, headers)
        response = conn.getresponse()
        text = response.read().decode()
        if response.status != 200 or "605(RW)" not in text or "609(RW)" in text:
            with lock: failures.append((response.status, text[:300]))

threads = [threading.Thread(target=worker) for _ in range(4)]
for t in threads: t.start()
for t in threads: t.join()
if failures:
    print(f"{len(failures)} of {count} requests not posted, first: {failures[0]}", file=sys.stderr)
    sys.exit(1)
