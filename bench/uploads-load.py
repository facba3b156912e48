#!/usr/bin/python3
"""The load tool of bench/run-uploads.sh (Debian python3-slixmpp and python3-aiohttp).

    uploads-load.py slots --port C2S --service upload.localhost --size N --count K [--register] > slots.jsonl
        Logs in to the XMPP server on loopback (registering the account first with --register), asks the
        service for K XEP-0363 slots of N bytes one after the other, and prints one JSON line per slot:
        {"put": URL, "get": URL, "headers": {name: value}}.

    uploads-load.py concurrent --slots slots.jsonl --file F
        PUTs the file F to every slot of slots.jsonl at once (one connection each, all started together)
        and prints key=value lines: count, ok (2xx answers), statuses, total_s (first start to last answer),
        p50_ms and p99_ms (each PUT's time from its start to its answer), mb_s (total bytes / total_s).

Slots are requested before any PUT starts, so the concurrent figures are the HTTP side only.
"""
import argparse
import asyncio
import json
import logging
import sys
import time

import aiohttp
import slixmpp


class Slots(slixmpp.ClientXMPP):
    def __init__(self, jid, password, register, service, size, count, filename, content_type):
        super().__init__(jid, password)
        self.service, self.size, self.count = service, size, count
        self.filename, self.content_type = filename, content_type
        self.slots = []
        self.error = None
        for plugin in ("xep_0030", "xep_0077", "xep_0363"):
            self.register_plugin(plugin)
        if register:
            self._always_send_everything = True
            self["xep_0077"].force_registration = True
            self.add_event_handler("register", self.on_register)
        self.add_event_handler("session_start", self.on_start)
        self.add_event_handler("failed_auth", lambda _: self.stop("authentication failed"))

    def stop(self, error=None):
        self.error = error
        self.disconnect()

    async def on_register(self, _):
        iq = self.Iq()
        iq["type"] = "set"
        iq["register"]["username"] = self.boundjid.user
        iq["register"]["password"] = self.password
        try:
            await iq.send(timeout=10)
        except slixmpp.exceptions.IqError as e:
            if e.iq["error"]["condition"] != "conflict":
                self.stop(f"registration refused: {e.iq['error']['condition']}")

    async def on_start(self, _):
        try:
            for i in range(self.count):
                iq = await self["xep_0363"].request_slot(slixmpp.JID(self.service), f"{i}-{self.filename}", self.size,
                                                         content_type=self.content_type, timeout=30)
                slot = iq["http_upload_slot"]
                self.slots.append({"put": slot["put"]["url"], "get": slot["get"]["url"],
                                   "headers": {h["name"]: h["value"] for h in slot["put"]["headers"]}})
            self.stop()
        except slixmpp.exceptions.IqError as e:
            self.stop(f"slot refused: {e.iq['error']['condition']} {e.iq['error']['text']}")
        except Exception as e:  # any failure ends the run with its reason
            self.stop(f"{type(e).__name__}: {e}")


def slots(args):
    client = Slots(f"{args.user}@{args.server}", args.password, args.register, args.service, args.size, args.count,
                   args.filename, args.content_type)
    client["feature_mechanisms"].unencrypted_plain = True  # loopback only
    client.connect(address=("127.0.0.1", args.port), disable_starttls=True, force_starttls=False)
    try:
        asyncio.get_event_loop().run_until_complete(asyncio.wait_for(client.disconnected, 60 + args.count))
    except asyncio.TimeoutError:
        client.error = client.error or "timed out"
    if client.error or len(client.slots) != args.count:
        print(f"slots: {client.error or 'too few slots'} ({len(client.slots)} of {args.count})", file=sys.stderr)
        return 1
    for slot in client.slots:
        print(json.dumps(slot))
    return 0


async def put_all(slots, data, content_type):
    latencies, statuses = [], []
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:
        async def one(slot):
            headers = {"Content-Type": content_type, **slot.get("headers", {})}
            started = time.perf_counter()
            try:
                async with http.put(slot["put"], data=data, headers=headers) as response:
                    await response.read()
                    statuses.append(response.status)
            except aiohttp.ClientError as e:
                statuses.append(type(e).__name__)
            latencies.append(time.perf_counter() - started)

        started = time.perf_counter()
        await asyncio.gather(*(one(slot) for slot in slots))
        total = time.perf_counter() - started
    return total, sorted(latencies), statuses


def percentile(sorted_values, p):
    # nearest rank
    rank = max(1, -(-len(sorted_values) * p // 100))
    return sorted_values[int(rank) - 1]


def concurrent(args):
    with open(args.slots) as f:
        slots = [json.loads(line) for line in f if line.strip()]
    with open(args.file, "rb") as f:
        data = f.read()
    total, latencies, statuses = asyncio.run(put_all(slots, data, args.content_type))
    ok = sum(1 for s in statuses if isinstance(s, int) and 200 <= s < 300)
    summary = {}
    for s in statuses:
        summary[str(s)] = summary.get(str(s), 0) + 1
    print(f"count={len(slots)}")
    print(f"ok={ok}")
    print("statuses=" + ",".join(f"{k}:{v}" for k, v in sorted(summary.items())))
    print(f"total_s={total:.3f}")
    print(f"p50_ms={percentile(latencies, 50) * 1000:.0f}")
    print(f"p99_ms={percentile(latencies, 99) * 1000:.0f}")
    print(f"mb_s={len(slots) * len(data) / 1e6 / total:.1f}")
    return 0 if ok == len(slots) else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("slots")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--server", default="localhost")
    s.add_argument("--user", default="bench")
    s.add_argument("--password", default="bench-password")
    s.add_argument("--register", action="store_true")
    s.add_argument("--service", required=True)
    s.add_argument("--size", type=int, required=True)
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--filename", default="bench.bin")
    s.add_argument("--content-type", default="application/octet-stream")
    c = sub.add_parser("concurrent")
    c.add_argument("--slots", required=True)
    c.add_argument("--file", required=True)
    c.add_argument("--content-type", default="application/octet-stream")
    args = parser.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    return slots(args) if args.command == "slots" else concurrent(args)


if __name__ == "__main__":
    sys.exit(main())
