using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Deletes archived messages past retention: each hour's file wholly past it is deleted, the hour that holds
/// the cutoff is deleted row by row in batches, yielding between them so ingest and queries are never stalled.
/// Run by the sweep service every <c>Sweeps:Interval</c>.
/// </summary>
public sealed class ArchiveSweep(ArchiveStore store) : ISweep
{
    public string Name => "archive";

    public async ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        cancellationToken.ThrowIfCancellationRequested();
        return await store.DeleteExpiredAsync(now, batchSize, cancellationToken);
    }
}
