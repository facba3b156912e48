using Microsoft.Data.Sqlite;

namespace XmppPrivacy.Tests.Support;

/// <summary>
/// The archive's messages as one table for tests: the main database with every hourly file of
/// <c>&lt;database&gt;.archive/</c> attached (at most 10, SQLite's default) under one temporary view, <c>archive_messages</c>.
/// </summary>
public static class ArchiveFiles
{
    public static async Task<object?> ScalarAsync(string databasePath, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync();
        var folder = databasePath + ".archive";
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.db").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count > 10) throw new InvalidOperationException($"{files.Count} archive files: more than a test attaches.");
        await using var command = connection.CreateCommand();
        for (var i = 0; i < files.Count; i++)
        {
            command.CommandText = $"ATTACH DATABASE $file AS g{i};";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$file", files[i]);
            await command.ExecuteNonQueryAsync();
        }
        command.Parameters.Clear();
        command.CommandText = files.Count == 0
            ? "CREATE TEMP TABLE archive_messages (seq INTEGER, owner TEXT, archive_id TEXT, with_jid TEXT, direction TEXT, ts_ms INTEGER, xml TEXT);"
            : "CREATE TEMP VIEW archive_messages AS " + string.Join(" UNION ALL ", files.Select((_, i) => $"SELECT * FROM g{i}.archive_messages")) + ";";
        await command.ExecuteNonQueryAsync();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }
}
