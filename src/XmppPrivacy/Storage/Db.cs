using System.Data.Common;

namespace XmppPrivacy.Storage;

/// <summary>Small helpers the stores share.</summary>
public static class Db
{
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    /// <summary>
    /// True when <paramref name="exception"/> says the database could not grow: the disk (or its quota) is
    /// full. Nothing was written (the transaction rolled back); the request may be retried once there is room.
    /// </summary>
    public static bool IsStorageFull(Exception exception) => exception switch
    {
        Microsoft.Data.Sqlite.SqliteException sqlite => sqlite.SqliteErrorCode == 13, // SQLITE_FULL
        DbException { SqlState: "53100" } => true, // PostgreSQL disk_full
        _ => exception.InnerException is { } inner && IsStorageFull(inner),
    };

    /// <summary>The answer for a request that failed because storage is full.</summary>
    public static Xmpp.StanzaError StorageFull => Xmpp.StanzaError.ResourceConstraint("The server's storage is full; try again later.");
}
