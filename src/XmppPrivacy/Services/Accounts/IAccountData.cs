namespace XmppPrivacy.Services.Accounts;

/// <summary>
/// Implemented by every part of a feature that keeps data about an account: deleting an account calls each of
/// them, so nothing of it is left (archive, uploads, last activity, room affiliations, ...).
/// </summary>
public interface IAccountData
{
    /// <summary>A short name for metrics ("activity", "archive", ...).</summary>
    string Name { get; }

    /// <summary>Deletes everything kept about <paramref name="account"/>; returns items deleted.</summary>
    ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken);

    /// <summary>Every account this part holds data for (for reconciliation with the server).</summary>
    IAsyncEnumerable<Account> AccountsAsync(CancellationToken cancellationToken);
}
