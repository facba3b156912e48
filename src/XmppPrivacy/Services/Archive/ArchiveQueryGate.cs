using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Bounds the queries one user runs at once, so a flood from one account (100 concurrent queries) gets
/// <c>resource-constraint</c> while other users are unaffected.
/// </summary>
public sealed class ArchiveQueryGate(int perUser)
{
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);

    /// <summary>A lease to dispose when the query is answered, or null when the owner is at the limit.</summary>
    public IDisposable? TryEnter(Jid owner)
    {
        var key = ArchiveStore.Key(owner);
        lock (_running)
        {
            var running = _running.GetValueOrDefault(key);
            if (running >= perUser) return null;
            _running[key] = running + 1;
        }
        return new Lease(this, key);
    }

    /// <summary>The error for a refused query.</summary>
    public static StanzaError Busy => StanzaError.ResourceConstraint("Too many archive queries at once; wait for the answers.");

    /// <summary>How many queries <paramref name="owner"/> is running.</summary>
    public int Running(Jid owner)
    {
        lock (_running) return _running.GetValueOrDefault(ArchiveStore.Key(owner));
    }

    private void Leave(string key)
    {
        lock (_running)
        {
            if (_running[key] <= 1) _running.Remove(key);
            else _running[key]--;
        }
    }

    private sealed class Lease(ArchiveQueryGate gate, string key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) gate.Leave(key);
        }
    }
}
