using System.Data.Common;

namespace XmppPrivacy.Storage;

/// <summary>The SQL dialects the stores are written for; each store keeps its SQL beside it.</summary>
public enum Dialect { Sqlite, PostgreSql }

/// <summary>
/// The seam between stores and the database engine: stores ask for an open connection and the dialect.
/// SQLite is the embedded default; PostgreSQL plugs in here without touching the services.
/// </summary>
public interface IDatabase
{
    Dialect Dialect { get; }
    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Creates or upgrades the schema to the newest migration.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);
}

/// <summary>One schema step. Versions are global and increase; every dialect gets its own SQL.</summary>
public sealed record Migration(int Version, string Name, string Sqlite, string PostgreSql);
