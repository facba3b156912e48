#!/usr/bin/env python3
# The ceiling for the archive's batched ingest on this machine: Python's sqlite3 (Debian's SQLite) with the
# archive's table and its four indexes (bench/README.md, "Ingest: what limits it"), WAL, secure_delete=ON,
# 300 transactions of 100 rows of the 348-byte message, with synchronous=FULL (as the component) or NORMAL.
# Usage: archive-ingest-sqlite.py [FULL|NORMAL]. Prints rows/s, wall and CPU microseconds per row, load.
import sqlite3, os, time, base64, tempfile, shutil, sys
d = tempfile.mkdtemp(); p = os.path.join(d, "a.db")
c = sqlite3.connect(p, isolation_level=None)
c.execute("PRAGMA journal_mode=WAL"); c.execute(f"PRAGMA synchronous={sys.argv[1] if len(sys.argv)>1 else 'FULL'}"); c.execute("PRAGMA secure_delete=ON")
c.executescript("""CREATE TABLE archive_messages (seq INTEGER PRIMARY KEY AUTOINCREMENT, owner TEXT NOT NULL, archive_id TEXT NOT NULL, with_jid TEXT NOT NULL, direction TEXT NOT NULL CHECK (direction IN ('in','out')), ts_ms INTEGER NOT NULL, xml TEXT NOT NULL);
CREATE UNIQUE INDEX i1 ON archive_messages (owner, archive_id); CREATE INDEX i2 ON archive_messages (owner, ts_ms, seq);
CREATE INDEX i3 ON archive_messages (owner, with_jid, ts_ms, seq); CREATE INDEX i4 ON archive_messages (ts_ms);""")
XML = "<message xmlns='jabber:client' from='contact03@example.net/laptop' to='user0500@example.org' id='msg-00003500' type='chat' xml:lang='en'><body>Are we still on for lunch at the caf\u00e9 near the station?</body><active xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='0000000-3b4a-4e8f-9a61-0c5d2e8b4f13'/></message>"
t = time.perf_counter(); cpu = time.process_time(); n = 0
for b in range(300):
    c.execute("BEGIN")
    for i in range(100):
        n += 1
        c.execute("INSERT INTO archive_messages (owner, archive_id, with_jid, direction, ts_ms, xml) VALUES (?,?,?,?,?,?) ON CONFLICT (owner, archive_id) DO NOTHING",
            (f"user{n%4:04d}@example.org", base64.urlsafe_b64encode(os.urandom(16)).decode()[:22], f"contact{n%10:02d}@example.net", "in", 1_700_000_000_000 + n, XML))
    c.execute("COMMIT")
el = time.perf_counter() - t
print(f"python sqlite3 {sqlite3.sqlite_version} sync={sys.argv[1] if len(sys.argv)>1 else 'FULL'}: {n/el:.0f} rows/s, {el*1e6/n:.1f} us/row wall, {(time.process_time()-cpu)*1e6/n:.1f} us/row cpu; load {open('/proc/loadavg').read().split()[0]}")
c.close(); shutil.rmtree(d)
