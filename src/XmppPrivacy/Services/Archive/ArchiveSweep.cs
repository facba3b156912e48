using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Deletes archived messages past retention, in batches, yielding between batches so ingest and queries
/// are never stalled. Run by the sweep service every <c>Sweeps:Interval</c>.
/// </summary>
public sealed class ArchiveSweep(ArchiveStore store) : ISweep
{
    public string Name => "archive";

    public async ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var total = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var deleted = await store.DeleteExpiredBatchAsync(now, batchSize, cancellationToken);
            total += deleted;
            if (deleted < batchSize) return total;
            await Task.Yield();
        }
    }
}
