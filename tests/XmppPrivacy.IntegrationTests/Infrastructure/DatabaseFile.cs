using Microsoft.Data.Sqlite;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// Looks into a component's SQLite file from outside, read-only and without pooling, as an operator would.
/// The archive's messages live in one file per hour beside it (<c>&lt;database&gt;.archive/*.db</c>); they are
/// attached and shown as one view, <c>archive_messages</c>, so a test counts and reads them as one table.
/// </summary>
public static class DatabaseFile
{
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        ArchiveView(connection, path + ".archive");
        return connection;
    }

    /// <summary>The first column of the first row of <paramref name="sql"/>.</summary>
    public static object? Scalar(string path, string sql)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>Every file of the archive's folder attached (at most 10, SQLite's default), under one temporary view.</summary>
    public static void ArchiveView(SqliteConnection connection, string folder)
    {
        var files = Directory.Exists(folder) ? Directory.GetFiles(folder, "*.db").Order(StringComparer.Ordinal).ToList() : [];
        if (files.Count > 10) throw new InvalidOperationException($"{files.Count} archive files: more than a test attaches.");
        using var command = connection.CreateCommand();
        for (var i = 0; i < files.Count; i++)
        {
            command.CommandText = $"ATTACH DATABASE $file AS g{i};";
            command.Parameters.Clear();
            command.Parameters.AddWithValue("$file", files[i]);
            command.ExecuteNonQuery();
        }
        command.Parameters.Clear();
        command.CommandText = files.Count == 0
            ? "CREATE TEMP TABLE archive_messages (seq INTEGER, owner TEXT, archive_id TEXT, with_jid TEXT, direction TEXT, ts_ms INTEGER, xml TEXT);"
            : "CREATE TEMP VIEW archive_messages AS " + string.Join(" UNION ALL ", files.Select((_, i) => $"SELECT * FROM g{i}.archive_messages")) + ";";
        command.ExecuteNonQuery();
    }
}
