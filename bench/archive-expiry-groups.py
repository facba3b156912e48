#!/usr/bin/env python3
# Expiry by whole groups (docs/adr/0010): what dropping one group's table of N rows (with the archive's three
# owner-keyed indexes) costs, and what it does to concurrent ingest (10 rows per durable transaction every
# 20 ms into another group's table), SQLite WAL + synchronous=FULL, secure_delete off as in our e_sqlite3
# (SD=ON to compare). Usage: archive-expiry-groups.py N drop | indexes-then-drop | chunks [CHUNK]
#   or archive-expiry-groups.py N tables G [PAUSE_MS] | files G [PAUSE_MS]: the N expired rows in G groups, each its
#   own table in the one file (dropped one by one, secure_delete=ON as the component sets it) or its own
#   SQLite file (closed and deleted whole), with PAUSE_MS (default 50) between groups.
# Prints the steps' times and the ingest commit latencies before, during and after the sweep.
import sqlite3, os, time, base64, threading, sys
N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
MODE = sys.argv[2] if len(sys.argv) > 2 else "drop"
XML = "<message xmlns='jabber:client' from='contact03@example.net/laptop' to='user0500@example.org' id='msg-00003500' type='chat' xml:lang='en'><body>Are we still on for lunch at the caf\u00e9 near the station?</body><active xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='0000000-3b4a-4e8f-9a61-0c5d2e8b4f13'/></message>"
path = os.path.join(os.environ.get("TMPDIR", "/tmp"), "xmppprivacy-expiry-groups.db")
def table(c, t):
    c.execute(f"CREATE TABLE {t} (seq INTEGER PRIMARY KEY, owner TEXT NOT NULL, archive_id TEXT NOT NULL, with_jid TEXT NOT NULL, direction TEXT NOT NULL, ts_ms INTEGER NOT NULL, xml TEXT NOT NULL)")
def indexes(c, t):
    c.execute(f"CREATE UNIQUE INDEX {t}_id ON {t} (owner, archive_id)")
    c.execute(f"CREATE INDEX {t}_owner_ts ON {t} (owner, ts_ms, seq)")
    c.execute(f"CREATE INDEX {t}_owner_with_ts ON {t} (owner, with_jid, ts_ms, seq)")
GROUPS = int(sys.argv[3]) if MODE in ("tables", "files") and len(sys.argv) > 3 else 1
PAUSE = (int(sys.argv[4]) if len(sys.argv) > 4 else 50) / 1000
if MODE == "tables": os.environ["SD"] = "ON"
def group_path(g): return f"{path}.group-{g}"
for s in ("", "-wal", "-shm"):
    if os.path.exists(path+s): os.remove(path+s)
    for g in range(GROUPS):
        if os.path.exists(group_path(g)+s): os.remove(group_path(g)+s)
c = sqlite3.connect(path, isolation_level=None)
SD = os.environ.get("SD", "OFF")
c.execute(f"PRAGMA secure_delete={SD}"); c.execute("PRAGMA journal_mode=OFF"); c.execute("PRAGMA synchronous=OFF")
t0 = time.perf_counter()
table(c, "day_old"); table(c, "day_new")
ts = 1_700_000_000_000
def rows(lo, hi):
    return ((n+1, f"user{(n%1000):04d}@example.org", base64.urlsafe_b64encode(os.urandom(16)).decode()[:22], f"contact{(n//10)%10:02d}@example.net", 'in' if (n//10)%2 else 'out', ts + n*86, XML) for n in range(lo, hi))
if MODE in ("tables", "files"):
    c.execute("DROP TABLE day_old")
    for g in range(GROUPS):
        lo, hi = g*N//GROUPS, (g+1)*N//GROUPS
        gc = c if MODE == "tables" else sqlite3.connect(group_path(g), isolation_level=None)
        if gc is not c: gc.execute("PRAGMA journal_mode=OFF"); gc.execute("PRAGMA synchronous=OFF")
        table(gc, f"grp_{g}"); gc.execute("BEGIN"); gc.executemany(f"INSERT INTO grp_{g} VALUES (?,?,?,?,?,?,?)", rows(lo, hi)); gc.execute("COMMIT")
        indexes(gc, f"grp_{g}")
        if gc is not c: gc.execute("PRAGMA journal_mode=WAL"); gc.close()
else:
    c.execute("BEGIN")
    c.executemany("INSERT INTO day_old VALUES (?,?,?,?,?,?,?)", rows(0, N))
    c.execute("COMMIT")
    indexes(c, "day_old")
indexes(c, "day_new")
c.execute("PRAGMA journal_mode=WAL"); c.execute("PRAGMA synchronous=FULL")
size = os.path.getsize(path) + sum(os.path.getsize(group_path(g)) for g in range(GROUPS) if MODE == "files")
print(f"built {N:,} rows in {GROUPS} group(s) in {time.perf_counter()-t0:.0f} s, {size/1e6:.0f} MB", flush=True)
c.close()

lat = []; phase = ["base"]; stop = [False]
def ingest():
    w = sqlite3.connect(path, isolation_level=None, timeout=60)
    w.execute("PRAGMA synchronous=FULL"); w.execute(f"PRAGMA secure_delete={SD}")
    n = 0; start = time.perf_counter(); k = 0
    while not stop[0]:
        due = start + k*0.02 - time.perf_counter()
        if due > 0: time.sleep(due)
        k += 1; p = phase[0]; t = time.perf_counter()
        w.execute("BEGIN")
        for i in range(10):
            n += 1
            w.execute("INSERT INTO day_new (owner, archive_id, with_jid, direction, ts_ms, xml) VALUES (?,?,?,?,?,?) ON CONFLICT (owner, archive_id) DO NOTHING",
                      (f"user{n%1000:04d}@example.org", base64.urlsafe_b64encode(os.urandom(16)).decode()[:22], "contact01@example.net", "in", ts + 10**9 + n, XML))
        w.execute("COMMIT")
        lat.append((p, (time.perf_counter()-t)*1000))
th = threading.Thread(target=ingest); th.start()
time.sleep(8)
phase[0] = "sweep"
s = sqlite3.connect(path, isolation_level=None, timeout=60); s.execute("PRAGMA synchronous=FULL"); s.execute(f"PRAGMA secure_delete={SD}")
t0 = time.perf_counter(); steps = []
if MODE == "tables":  # one DROP TABLE (and the zeroing of its pages) per group, pausing between groups
    worst = 0
    for g in range(GROUPS):
        a = time.perf_counter(); s.execute(f"DROP TABLE grp_{g}"); worst = max(worst, time.perf_counter()-a)
        if g < GROUPS-1: time.sleep(PAUSE)
    a = time.perf_counter(); s.execute("PRAGMA wal_checkpoint(TRUNCATE)"); steps.append(("checkpoint(TRUNCATE)", time.perf_counter()-a))
    steps.append((f"{GROUPS} DROP TABLE, slowest {worst*1000:.0f} ms, {PAUSE*1000:.0f} ms pauses", time.perf_counter()-t0))
elif MODE == "files":  # each group's file (and its -wal/-shm) deleted; the live file's write lock is never taken
    worst = 0
    for g in range(GROUPS):
        a = time.perf_counter()
        for x in ("", "-wal", "-shm"):
            if os.path.exists(group_path(g)+x): os.remove(group_path(g)+x)
        worst = max(worst, time.perf_counter()-a)
        if g < GROUPS-1: time.sleep(PAUSE)
    steps.append((f"{GROUPS} files deleted, slowest {worst*1000:.0f} ms, {PAUSE*1000:.0f} ms pauses", time.perf_counter()-t0))
elif MODE == "indexes-then-drop":
    for i in ("day_old_id", "day_old_owner_ts", "day_old_owner_with_ts"):
        a = time.perf_counter(); s.execute(f"DROP INDEX {i}"); steps.append((f"DROP INDEX {i}", time.perf_counter()-a)); time.sleep(0.05)
    a = time.perf_counter(); s.execute("DROP TABLE day_old"); steps.append(("DROP TABLE (no indexes left)", time.perf_counter()-a))
elif MODE == "drop":
    s.execute("DROP TABLE day_old"); steps.append(("DROP TABLE", time.perf_counter()-t0))
else:  # indexes first (one transaction each), then rows in rowid chunks, then the empty table
    for i in ("day_old_id", "day_old_owner_ts", "day_old_owner_with_ts"):
        a = time.perf_counter(); s.execute(f"DROP INDEX {i}"); steps.append((f"DROP INDEX {i}", time.perf_counter()-a))
    chunk = int(sys.argv[3]) if len(sys.argv) > 3 else 5000; worst = 0; a = time.perf_counter(); k = 0
    while True:
        b = time.perf_counter()
        d = s.execute(f"DELETE FROM day_old WHERE seq IN (SELECT seq FROM day_old ORDER BY seq LIMIT {chunk})").rowcount
        worst = max(worst, time.perf_counter()-b); k += 1
        if d < chunk: break
        time.sleep(0.001)
    steps.append((f"DELETE in {k} chunks of {chunk} (slowest {worst*1000:.0f} ms)", time.perf_counter()-a))
    a = time.perf_counter(); s.execute("DROP TABLE day_old"); steps.append(("DROP TABLE (empty)", time.perf_counter()-a))
el = time.perf_counter()-t0
phase[0] = "after"; time.sleep(3); stop[0] = True; th.join()
for name, secs in steps: print(f"  {name}: {secs*1000:.0f} ms", flush=True)
print(f"secure_delete={SD}: sweep ({MODE}) of {N:,} rows: {el:.2f} s", flush=True)
def pct(xs, q): xs = sorted(xs); return xs[min(len(xs)-1, max(0, int(round(q*len(xs)+0.5))-1))]
for p in ("base", "sweep", "after"):
    xs = [l for ph, l in lat if ph == p]
    if xs: print(f"  ingest {p:5s}: {len(xs)} batches, p50 {pct(xs,.5):.1f} / p95 {pct(xs,.95):.1f} / p99 {pct(xs,.99):.1f} / max {max(xs):.1f} ms", flush=True)
for x in ("", "-wal", "-shm"):
    if os.path.exists(path+x): os.remove(path+x)
