#!/usr/bin/env python3
"""hostile.py - misbehaving HTTP clients for tests/server/hostile_clients.sh.

    hostile.py PORT TOKEN malformed        one line per case: NAME STATUS|closed
    hostile.py PORT TOKEN bigheader BYTES  status for a request with one huge header
    hostile.py PORT TOKEN manyheaders N    status for a request with N headers
    hostile.py PORT TOKEN slowloris N SECS  N clients dribbling headers; prints the
                                           longest time a connection stayed open
    hostile.py PORT TOKEN slowbody PATH SECS  a PUT body at 20 bytes/s; prints how
                                           long the server kept the connection
    hostile.py PORT TOKEN flood N CONC     N connection attempts, CONC at a time;
                                           prints how many were accepted
    hostile.py PORT TOKEN hold N SECS      open N idle connections, keep them SECS
                                           seconds (or until the server closes them);
                                           prints how many the server closed
"""
import socket
import sys
import threading
import time

PORT = int(sys.argv[1])
TOKEN = sys.argv[2]
AUTH = "Authorization: Bearer %s\r\n" % TOKEN


def status_of(payload, timeout=5.0):
    """Sends payload on a fresh connection; returns the status or 'closed'."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=timeout)
    try:
        s.sendall(payload)
    except OSError:
        pass
    data = b""
    try:
        while b"\r\n" not in data:
            k = s.recv(4096)
            if not k:
                break
            data += k
    except OSError:
        pass
    s.close()
    if data.startswith(b"HTTP/1."):
        return data.split(b" ")[1].decode()
    return "closed"


def malformed():
    cases = {
        "garbage": b"GARBAGE\r\n\r\n",
        "no-version": b"GET /donges/config\r\n\r\n",
        "bad-version": b"GET /donges/config HTTP/9.9\r\nHost: x\r\n\r\n",
        "http-0.9": b"GET /donges/config\n",
        "no-colon": b"GET /donges/config HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
        "space-before-colon": b"GET /donges/config HTTP/1.1\r\nHost : x\r\n\r\n",
        "negative-length": b"PUT /donges/config HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
        b"Content-Length: -5\r\n\r\n",
        "huge-length": b"PUT /donges/config HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
        b"Content-Length: 99999999999999999999999999\r\n\r\n",
        "two-lengths": b"PUT /donges/config HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
        b"Content-Length: 3\r\nContent-Length: 5\r\n\r\nabcde",
        "length-and-chunked": b"PUT /donges/config HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "bad-chunk": b"PUT /donges/config HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
        b"Transfer-Encoding: chunked\r\n\r\nZZZ\r\nabc\r\n0\r\n\r\n",
        "binary": bytes(range(256)) * 20,
        "tls-hello": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 500,
        "long-method": b"A" * 20000 + b" / HTTP/1.1\r\n\r\n",
        "long-url": b"GET /" + b"a" * 300000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
        "empty": b"\r\n\r\n\r\n",
    }
    # in parallel: some cases are only ended by the server's timeout
    results = {}

    def run(name, payload):
        results[name] = status_of(payload)

    threads = [threading.Thread(target=run, args=kv) for kv in cases.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name in cases:
        print(name, results[name])


def bigheader(n):
    payload = (b"GET /donges/config HTTP/1.1\r\nHost: x\r\n" + AUTH.encode() +
               b"X-Big: " + b"b" * n + b"\r\n\r\n")
    print(status_of(payload))


def manyheaders(n):
    payload = b"GET /donges/config HTTP/1.1\r\nHost: x\r\n" + AUTH.encode()
    payload += b"".join(b"X-H%d: v\r\n" % i for i in range(n)) + b"\r\n"
    print(status_of(payload))


def slowloris(n, secs):
    """Each client sends the request line, then one header byte every 0.2 s."""
    socks = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
        s.setblocking(False)
        s.send(b"GET /donges/config HTTP/1.1\r\nX-Slow: ")
        socks.append([s, time.monotonic(), None])
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline and any(c[2] is None for c in socks):
        for c in socks:
            if c[2] is not None:
                continue
            try:
                c[0].send(b"x")
                try:
                    if c[0].recv(100) == b"":
                        c[2] = time.monotonic()
                except BlockingIOError:
                    pass
            except OSError:
                c[2] = time.monotonic()
        time.sleep(0.2)
    longest = max((c[2] or time.monotonic()) - c[1] for c in socks)
    still_open = sum(1 for c in socks if c[2] is None)
    for c in socks:
        c[0].close()
    print("%.1f %d" % (longest, still_open))


def slowbody(path, secs):
    s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
    s.sendall(("PUT %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: 100000\r\n\r\n" %
               (path, AUTH)).encode())
    start = time.monotonic()
    end = None
    while time.monotonic() - start < secs:
        try:
            s.send(b"z" * 4)
        except OSError:
            end = time.monotonic()
            break
        s.settimeout(0.2)
        try:
            if s.recv(100) == b"":
                end = time.monotonic()
                break
        except socket.timeout:
            pass
        except OSError:
            end = time.monotonic()
            break
    s.close()
    print("%.1f" % ((end or time.monotonic()) - start), "cut" if end else "open")


def flood(n, conc):
    accepted = 0
    done = 0
    while done < n:
        batch = []
        for _ in range(min(conc, n - done)):
            try:
                s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
                batch.append(s)
                accepted += 1
            except OSError:
                pass
            done += 1
        for i, s in enumerate(batch):
            try:
                if i % 3 == 0:
                    s.send(b"GET /donges/config HTTP/1.1\r\nHost")
                elif i % 3 == 1:
                    s.send(b"\x00\xff garbage\r\n\r\n")
            except OSError:
                pass
            s.close()
    print(accepted)


def hold(n, secs):
    socks = []
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", PORT), timeout=2)
            s.setblocking(False)
            socks.append(s)
        except OSError:
            pass
    print("opened", len(socks), flush=True)
    deadline = time.monotonic() + secs
    closed = set()
    while time.monotonic() < deadline and len(closed) < len(socks):
        for i, s in enumerate(socks):
            if i in closed:
                continue
            try:
                if s.recv(100) == b"":
                    closed.add(i)
            except BlockingIOError:
                pass
            except OSError:
                closed.add(i)
        time.sleep(0.1)
    for s in socks:
        s.close()
    print("closed", len(closed))


cmd = sys.argv[3]
if cmd == "malformed":
    malformed()
elif cmd == "bigheader":
    bigheader(int(sys.argv[4]))
elif cmd == "manyheaders":
    manyheaders(int(sys.argv[4]))
elif cmd == "slowloris":
    slowloris(int(sys.argv[4]), float(sys.argv[5]))
elif cmd == "slowbody":
    slowbody(sys.argv[4], float(sys.argv[5]))
elif cmd == "flood":
    flood(int(sys.argv[4]), int(sys.argv[5]))
elif cmd == "hold":
    hold(int(sys.argv[4]), float(sys.argv[5]))
else:
    sys.exit("unknown command " + cmd)
