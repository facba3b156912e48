using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Services.Accounts;

/// <summary>
/// What happens when an account comes and goes. Registration: the anonymised notice. Deletion: every
/// feature's data about the account is deleted (<see cref="IAccountData"/>), so a new account of the same
/// name finds nothing of the old one.
/// </summary>
public sealed partial class AccountLifecycle(
    IEnumerable<IAccountData> owners, RegistrationNotices notices, Metrics metrics, ILogger<AccountLifecycle> logger)
{
    public Task RegisteredAsync(string user, string host, CancellationToken cancellationToken) =>
        notices.RegisteredAsync(user, host, cancellationToken);

    public async Task DeletedAsync(Account account, CancellationToken cancellationToken)
    {
        foreach (var owner in owners)
        {
            var deleted = await owner.DeleteAccountAsync(account, cancellationToken);
            metrics.Increment("xmppprivacy_account_data_deleted_total", "store", owner.Name, deleted);
        }
        metrics.Increment("xmppprivacy_accounts_deleted_total");
        LogDeleted(logger);
        await notices.DeletedAsync(account.Local, account.Domain, cancellationToken);
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "An account was deleted and all of its data with it")]
    private static partial void LogDeleted(ILogger logger);
}
