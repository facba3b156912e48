namespace XmppPrivacy.Storage;

/// <summary>The schema history. Append only: a released migration never changes.</summary>
public static class Migrations
{
    public static readonly IReadOnlyList<Migration> All =
    [
        new(1, "sweep runs",
            Sqlite: """
                CREATE TABLE sweep_runs (
                    name TEXT PRIMARY KEY,
                    last_run_ms INTEGER NOT NULL,
                    last_deleted INTEGER NOT NULL
                );
                """,
            PostgreSql: """
                CREATE TABLE sweep_runs (
                    name TEXT PRIMARY KEY,
                    last_run_ms BIGINT NOT NULL,
                    last_deleted BIGINT NOT NULL
                );
                """),
        new(2, "last activity",
            Sqlite: """
                CREATE TABLE last_activity (
                    account TEXT PRIMARY KEY,
                    last_login_ms INTEGER,
                    last_logout_ms INTEGER
                );
                """,
            PostgreSql: """
                CREATE TABLE last_activity (
                    account TEXT PRIMARY KEY,
                    last_login_ms BIGINT,
                    last_logout_ms BIGINT
                );
                """),
        new(3, "archive",
            Sqlite: """
                CREATE TABLE archive_messages (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    owner TEXT NOT NULL,
                    archive_id TEXT NOT NULL,
                    with_jid TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                    ts_ms INTEGER NOT NULL,
                    xml TEXT NOT NULL
                );
                CREATE UNIQUE INDEX archive_messages_id ON archive_messages (owner, archive_id);
                CREATE INDEX archive_messages_owner_ts ON archive_messages (owner, ts_ms, seq);
                CREATE INDEX archive_messages_owner_with_ts ON archive_messages (owner, with_jid, ts_ms, seq);
                CREATE INDEX archive_messages_ts ON archive_messages (ts_ms);
                CREATE TABLE archive_prefs (
                    owner TEXT PRIMARY KEY,
                    default_policy TEXT NOT NULL CHECK (default_policy IN ('always', 'never', 'roster'))
                );
                CREATE TABLE archive_pref_jids (
                    owner TEXT NOT NULL,
                    jid TEXT NOT NULL,
                    list TEXT NOT NULL CHECK (list IN ('always', 'never')),
                    PRIMARY KEY (owner, jid)
                );
                """,
            PostgreSql: """
                CREATE TABLE archive_messages (
                    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    owner TEXT NOT NULL,
                    archive_id TEXT NOT NULL,
                    with_jid TEXT NOT NULL,
                    direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
                    ts_ms BIGINT NOT NULL,
                    xml TEXT NOT NULL
                );
                CREATE UNIQUE INDEX archive_messages_id ON archive_messages (owner, archive_id);
                CREATE INDEX archive_messages_owner_ts ON archive_messages (owner, ts_ms, seq);
                CREATE INDEX archive_messages_owner_with_ts ON archive_messages (owner, with_jid, ts_ms, seq);
                CREATE INDEX archive_messages_ts ON archive_messages (ts_ms);
                CREATE TABLE archive_prefs (
                    owner TEXT PRIMARY KEY,
                    default_policy TEXT NOT NULL CHECK (default_policy IN ('always', 'never', 'roster'))
                );
                CREATE TABLE archive_pref_jids (
                    owner TEXT NOT NULL,
                    jid TEXT NOT NULL,
                    list TEXT NOT NULL CHECK (list IN ('always', 'never')),
                    PRIMARY KEY (owner, jid)
                );
                """),
    ];
}
