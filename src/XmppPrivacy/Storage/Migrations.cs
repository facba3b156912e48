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
    ];
}
