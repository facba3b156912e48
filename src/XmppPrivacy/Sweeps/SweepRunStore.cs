using XmppPrivacy.Storage;

namespace XmppPrivacy.Sweeps;

/// <summary>The persisted last run of each sweep, so a restart knows how far behind it is.</summary>
public sealed class SweepRunStore(IDatabase database)
{
    public static readonly Schema Schema = new("sweeps",
    [
        new(1, "sweep runs", """
            CREATE TABLE sweep_runs (
                name TEXT PRIMARY KEY,
                last_run_ms INTEGER NOT NULL,
                last_deleted INTEGER NOT NULL
            );
            """),
    ]);

    public async Task RecordAsync(string name, DateTimeOffset ranAt, int deleted, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT INTO sweep_runs (name, last_run_ms, last_deleted) VALUES (@name, @ran, @deleted)
            ON CONFLICT (name) DO UPDATE SET last_run_ms = excluded.last_run_ms, last_deleted = excluded.last_deleted;
            """;
        Db.Add(command, "@name", name);
        Db.Add(command, "@ran", ranAt.ToUnixTimeMilliseconds());
        Db.Add(command, "@deleted", (long)deleted);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastRunsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, last_run_ms FROM sweep_runs;";
        var runs = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        await using var rows = await command.ExecuteReaderAsync(cancellationToken);
        while (await rows.ReadAsync(cancellationToken))
            runs[rows.GetString(0)] = DateTimeOffset.FromUnixTimeMilliseconds(rows.GetInt64(1));
        return runs;
    }
}
