namespace XmppPrivacy.Sweeps;

/// <summary>
/// One feature's expiry: delete what is past retention at <c>now</c>, in batches of at most
/// <c>batchSize</c>, yielding between batches; returns how many items were deleted.
/// </summary>
public interface ISweep
{
    /// <summary>A stable name, used for the persisted last run and in metrics.</summary>
    string Name { get; }

    ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken);
}
