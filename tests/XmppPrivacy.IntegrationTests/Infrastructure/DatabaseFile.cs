using Microsoft.Data.Sqlite;

namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>Looks into a component's SQLite file from outside, read-only and without pooling, as an operator would.</summary>
public static class DatabaseFile
{
    public static SqliteConnection Open(string path)
    {
        var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
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
}
