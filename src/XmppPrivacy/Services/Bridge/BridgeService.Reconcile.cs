using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Sweeps;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Bridge;

/// <summary>
/// Account reconciliation: accounts deleted or created again behind Prosody's back (<c>prosodyctl deluser</c>,
/// <c>adduser</c>, a restored backup) fire no event, so the component asks the bridge which of the accounts it
/// holds data for still exist, and as which incarnation (their markers): it deletes the data of the accounts
/// that are gone, and of those whose marker changed. Runs after every greeting and as a sweep.
/// </summary>
public sealed partial class BridgeService
{
    private const int ReconcileBatch = 200;

    /// <summary>Deletes the data of accounts the server no longer has; returns how many accounts were purged.</summary>
    public async Task<int> ReconcileAsync(CancellationToken cancellationToken)
    {
        // One reconciliation at a time (the sweep's and the one after a greeting may meet): two runs reading the
        // same accounts would both delete, and count, an account that is gone.
        await _reconciling.WaitAsync(cancellationToken);
        try
        {
            return await ReconcileOnceAsync(cancellationToken);
        }
        finally
        {
            _reconciling.Release();
        }
    }

    private readonly SemaphoreSlim _reconciling = new(1, 1);

    private async Task<int> ReconcileOnceAsync(CancellationToken cancellationToken)
    {
        if (_outbound is not { } outbound || !_state.Present) return 0;
        var known = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var owner in owners)
            await foreach (var account in owner.AccountsAsync(cancellationToken))
                if (domains.IsLocalAccount(account.Jid))
                    known.Add(account.Local);
        var purged = 0;
        foreach (var batch in known.Chunk(ReconcileBatch))
        {
            var answer = await QueryAsync(outbound, new XElement(Ns.Bridge + "accounts", batch.Select(u => new XElement(Ns.Bridge + "user", u))), cancellationToken);
            if (answer?.Element(Ns.Bridge + "accounts") is not { } existing) return purged; // try again next time
            var at = At(existing);
            var alive = new HashSet<string>(StringComparer.Ordinal);
            foreach (var user in existing.Elements(Ns.Bridge + "user"))
            {
                var name = user.Value.ToLowerInvariant();
                if (!batch.Contains(name) || !alive.Add(name)) continue;
                // The same name, but maybe another account: a changed marker deletes the old one's data.
                await accounts.ObservedAsync(Accounts.Account.Create(name, domains.Server), Marker(user), at, cancellationToken);
            }
            foreach (var gone in batch.Where(u => !alive.Contains(u)))
            {
                await accounts.DeletedAsync(Accounts.Account.Create(gone, domains.Server), cancellationToken);
                purged++;
            }
        }
        if (purged > 0)
        {
            metrics.Increment("xmppprivacy_accounts_reconciled_total", by: purged);
            LogReconciled(logger, purged);
        }
        return purged;
    }

    [LoggerMessage(EventId = 2004, Level = LogLevel.Information, Message = "Reconciliation deleted the data of {Count} accounts the server no longer has")]
    private static partial void LogReconciled(ILogger logger, int count);
}

/// <summary>Runs account reconciliation with the bridge every sweep interval.</summary>
public sealed class AccountReconcileSweep(BridgeService bridge) : ISweep
{
    public string Name => "account-reconcile";

    public async ValueTask<int> RunAsync(DateTimeOffset now, int batchSize, CancellationToken cancellationToken) =>
        await bridge.ReconcileAsync(cancellationToken);
}
