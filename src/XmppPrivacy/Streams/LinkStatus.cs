using System.Collections.Concurrent;

namespace XmppPrivacy.Streams;

public enum LinkState { Connecting, Connected, BackingOff, AuthenticationFailed, Stopped }

/// <summary>One component connection's state as /health shows it.</summary>
public sealed record LinkSnapshot(string Domain, LinkState State, DateTimeOffset Since, string? LastError, int Failures);

/// <summary>The state of every component connection, written by the links, read by /health.</summary>
public sealed class LinkStatus(TimeProvider time)
{
    private readonly ConcurrentDictionary<string, LinkSnapshot> _links = new();

    public void Set(string domain, LinkState state, string? lastError = null, int failures = 0) =>
        _links[domain] = new LinkSnapshot(domain, state, time.GetUtcNow(), lastError, failures);

    public IReadOnlyList<LinkSnapshot> All => _links.Values.OrderBy(l => l.Domain, StringComparer.Ordinal).ToList();

    public bool AllConnected => !_links.IsEmpty && _links.Values.All(l => l.State == LinkState.Connected);
}
