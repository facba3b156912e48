namespace XmppPrivacy.Streams;

/// <summary>
/// Reconnect delays: exponential with full jitter between <c>baseDelay</c> and
/// <c>min(cap, baseDelay·2^attempt)</c>. The floor of one base delay means even an unlucky draw never
/// makes a tight loop (a wrong secret or <c>conflict</c> retries at most once a base delay).
/// </summary>
public sealed class Backoff(TimeSpan baseDelay, TimeSpan cap, Func<double>? random = null)
{
    private readonly Func<double> _random = random ?? Random.Shared.NextDouble;

    public int Attempt { get; private set; }

    public TimeSpan Next()
    {
        var ceiling = Math.Min(cap.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(Attempt, 30)));
        Attempt++;
        var floor = Math.Min(baseDelay.TotalMilliseconds, ceiling);
        return TimeSpan.FromMilliseconds(floor + _random() * (ceiling - floor));
    }

    public void Reset() => Attempt = 0;
}
