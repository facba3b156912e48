using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Services.Accounts;

/// <summary>
/// What happens when an account comes and goes. Registration: the anonymised notice. Deletion: every
/// feature's data about the account is deleted (<see cref="IAccountData"/>), so a new account of the same
/// name finds nothing of the old one. The same deletion runs when the bridge reports another incarnation of
/// an account than the one the component holds data for (docs/bridge-protocol.md, "Incarnation markers").
/// </summary>
public sealed partial class AccountLifecycle(
    IEnumerable<IAccountData> owners, IncarnationStore incarnations, RegistrationNotices notices, IEnumerable<IRegistrationListener> listeners,
    Metrics metrics, ILogger<AccountLifecycle> logger)
{
    // Deletions and marker checks of one account must not interleave (bridge events, reconciliation, forget-account).
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>
    /// An account was registered (<paramref name="at"/> on the server's clock). Whatever the component holds for
    /// the name belongs to an earlier account and is deleted first, unless the registration is one the
    /// component has already seen: the same <paramref name="marker"/> as the one stored (a replay of the
    /// bridge's queue), or an older registration arriving after a newer incarnation was seen. Without a marker
    /// (a server that cannot report one) every registration deletes what is held for the name.
    /// </summary>
    public async Task RegisteredAsync(Account account, string? marker, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var fresh = false;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var known = await incarnations.GetAsync(account, cancellationToken);
            if (marker is not null && known is not null && (known.Marker == marker || at < known.Since))
            {
                if (known.Marker == marker && at < known.Since) await incarnations.SetAsync(account, known with { Since = at }, cancellationToken);
            }
            else
            {
                await RecreatedAsync(account, cancellationToken);
                if (marker is not null) await incarnations.SetAsync(account, new Incarnation(marker, at), cancellationToken);
                fresh = true;
            }
        }
        finally
        {
            _gate.Release();
        }
        await notices.RegisteredAsync(account.Local, account.Domain, cancellationToken);
        // A replayed registration (the same incarnation again) is not a new account.
        if (fresh)
            foreach (var listener in listeners) await listener.RegisteredAsync(account, cancellationToken);
    }

    /// <summary>
    /// The server reported <paramref name="marker"/> for an existing account at <paramref name="at"/> (a session
    /// event, reconciliation). A marker other than the stored one means the account was created again: the old
    /// one's data is deleted and the new marker kept. Returns false when the report is older than the incarnation
    /// the component knows (an event of the old account replayed late), which the caller then ignores.
    /// </summary>
    public async Task<bool> ObservedAsync(Account account, string? marker, DateTimeOffset at, CancellationToken cancellationToken)
    {
        if (marker is null) return true;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var known = await incarnations.GetAsync(account, cancellationToken);
            if (known is not null && known.Marker == marker)
            {
                if (at < known.Since) await incarnations.SetAsync(account, known with { Since = at }, cancellationToken);
                return true;
            }
            if (known is not null && at < known.Since) return false;
            // The first marker seen for an account is recorded as it is: the data held came with it.
            if (known is not null) await RecreatedAsync(account, cancellationToken);
            await incarnations.SetAsync(account, new Incarnation(marker, at), cancellationToken);
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The account was deleted: all of its data goes, and admins hear of it when they asked to.</summary>
    public async Task DeletedAsync(Account account, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await DeleteDataAsync(account, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
        metrics.Increment("xmppprivacy_accounts_deleted_total");
        LogDeleted(logger);
        await notices.DeletedAsync(account.Local, account.Domain, cancellationToken);
    }

    /// <summary>A new account of the name: the data of the old one, if any, is deleted (counted as a deletion).</summary>
    private async Task RecreatedAsync(Account account, CancellationToken cancellationToken)
    {
        if (await DeleteDataAsync(account, cancellationToken) == 0) return;
        metrics.Increment("xmppprivacy_accounts_deleted_total");
        metrics.Increment("xmppprivacy_accounts_recreated_total");
        LogRecreated(logger);
    }

    /// <summary>The one deletion path: every store's data about the account. Returns the items deleted.</summary>
    private async Task<int> DeleteDataAsync(Account account, CancellationToken cancellationToken)
    {
        var total = 0;
        foreach (var owner in owners)
        {
            var deleted = await owner.DeleteAccountAsync(account, cancellationToken);
            metrics.Increment("xmppprivacy_account_data_deleted_total", "store", owner.Name, deleted);
            total += deleted;
        }
        return total;
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "An account was deleted and all of its data with it")]
    private static partial void LogDeleted(ILogger logger);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Information, Message = "An account was created again under an old name; the old account's data was deleted first")]
    private static partial void LogRecreated(ILogger logger);
}
