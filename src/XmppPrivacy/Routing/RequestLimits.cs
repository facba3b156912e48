using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>
/// Bounds the delegated requests being answered at once: per user (bare JID), so that a flood from one
/// account (100 concurrent archive queries) gets <c>resource-constraint</c> while other users are unaffected,
/// and in total, so that all users together cannot hold more than <paramref name="total"/> store readers.
/// </summary>
public sealed class RequestLimits(int perUser, int total)
{
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _total;
    private TaskCompletionSource? _idle;

    /// <summary>The error for a refused request.</summary>
    public static StanzaError Busy => StanzaError.ResourceConstraint("Too many requests at once; wait for the answers.");

    /// <summary>A lease to dispose when the request is answered, or null when the user or everyone is at the limit.</summary>
    public IDisposable? TryEnter(Jid user)
    {
        var key = user.BareKey;
        lock (_lock)
        {
            var running = _running.GetValueOrDefault(key);
            if (running >= perUser || _total >= total) return null;
            _running[key] = running + 1;
            _total++;
        }
        return new Lease(this, key);
    }

    /// <summary>How many requests <paramref name="user"/> has running.</summary>
    public int Running(Jid user)
    {
        lock (_lock) return _running.GetValueOrDefault(user.BareKey);
    }

    /// <summary>Completes when no request is running (now, or once the running ones are answered).</summary>
    public Task IdleAsync()
    {
        lock (_lock)
        {
            if (_total == 0) return Task.CompletedTask;
            _idle ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _idle.Task;
        }
    }

    private void Leave(string key)
    {
        TaskCompletionSource? idle = null;
        lock (_lock)
        {
            if (_running[key] <= 1) _running.Remove(key);
            else _running[key]--;
            if (--_total == 0) (idle, _idle) = (_idle, null);
        }
        idle?.TrySetResult();
    }

    private sealed class Lease(RequestLimits limits, string key) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0) limits.Leave(key);
        }
    }
}
