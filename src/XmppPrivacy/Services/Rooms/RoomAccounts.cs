using System.Runtime.CompilerServices;
using XmppPrivacy.Services.Accounts;

namespace XmppPrivacy.Services.Rooms;

/// <summary>
/// What rooms keep about an account: its affiliations (owner, admin, member, outcast), which also hold its
/// nickname reservations. Deleting the account deletes them in the store and in the rooms loaded now.
/// </summary>
public sealed class RoomAccounts(RoomStore store, RoomsService rooms) : IAccountData
{
    public string Name => "rooms";

    public async ValueTask<int> DeleteAccountAsync(Account account, CancellationToken cancellationToken)
    {
        await rooms.ForgetAccountAsync(account.Key, cancellationToken);
        return await store.DeleteAffiliationsAsync(account, cancellationToken);
    }

    public async IAsyncEnumerable<Account> AccountsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var account in store.AccountsAsync(cancellationToken)) yield return account;
    }
}
