using System.Data.Common;

namespace XmppPrivacy.Storage;

/// <summary>
/// The seam between stores and the database engine: stores ask for an open connection. SQLite is the one
/// engine the stores are written and tested for; another plugs in here once its store tests run.
/// </summary>
public interface IDatabase
{
    ValueTask<DbConnection> OpenAsync(CancellationToken cancellationToken);

    /// <summary>Creates or upgrades every feature's schema to its newest step.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Writes what the log holds into the database file and empties the log, so that old page images
    /// (messages deleted since) do not stay in it. Returns false when a reader kept it from finishing;
    /// the next call completes it.
    /// </summary>
    Task<bool> CheckpointAsync(CancellationToken cancellationToken);
}

/// <summary>One schema step of a feature. Versions are the feature's own, start at 1 and increase; a released step never changes.</summary>
public sealed record Migration(int Version, string Name, string Sql);

/// <summary>A feature's schema: its steps, applied in order under the feature's name.</summary>
public sealed record Schema(string Feature, IReadOnlyList<Migration> Steps);
