using XmppPrivacy.Sweeps;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// Deletes expired files (file, then row) and slots that were never used (their bytes go back to the quota),
/// in batches, every <c>Sweeps:Interval</c>.
/// </summary>
public sealed class UploadSweep(UploadStore store) : ISweep
{
    public string Name => "uploads";

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
