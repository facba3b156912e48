using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Accounts;

/// <summary>
/// The account lifecycle: a deletion deletes every feature's data about the account (<see cref="IAccountData"/>);
/// <c>xmpp-privacy forget-account</c> does the same by hand. The incarnation marker of each account tells one
/// account from the next of the same name (<see cref="IncarnationStore"/>).
/// </summary>
public sealed class AccountsFeature : IFeature
{
    public string Name => "accounts";

    public void Declare(FeatureBuilder feature)
    {
        var account = new Argument<string>("account") { Description = "The account's bare JID, e.g. alice@example.org." };
        // Checked while parsing, so a wrong argument opens no database.
        account.Validators.Add(result =>
        {
            if (!IsBareAccount(result.GetValueOrDefault<string>())) result.AddError("forget-account needs the account's bare JID, e.g. alice@example.org.");
        });
        feature
            .Schema(IncarnationStore.Schema)
            .AccountData<IncarnationStore>()
            .Policy<AccountsDataPolicy>()
            .Singleton<AccountLifecycle>()
            .Counter("xmppprivacy_accounts_deleted_total", "Accounts whose data was deleted (deletion events, reconciliation, re-creations).")
            .Counter("xmppprivacy_accounts_recreated_total", "Accounts created again under an old name whose old data was deleted.")
            .Counter("xmppprivacy_account_data_deleted_total", "Items deleted with accounts, per store.", "store")
            .Verb(new Command("forget-account", "Delete everything the component keeps about an account, as its deletion would.") { account },
                async (parse, services, cancellationToken) =>
                {
                    var target = Account.Parse(parse.GetValue(account)!);
                    var total = 0;
                    foreach (var owner in services.GetServices<IAccountData>())
                    {
                        var deleted = await owner.DeleteAccountAsync(target, cancellationToken);
                        Console.WriteLine($"  {owner.Name}: {deleted} item(s) deleted");
                        total += deleted;
                    }
                    Console.WriteLine($"{target}: {total} item(s) deleted in all.");
                    return 0;
                });
    }

    private static bool IsBareAccount(string? text) => Xmpp.Jid.TryParse(text, out var jid) && jid.IsBare && jid.Local is not null;
}
