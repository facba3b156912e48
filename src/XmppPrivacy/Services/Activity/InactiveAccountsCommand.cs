using System.Globalization;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Activity;

/// <summary>
/// The admins' ad-hoc command (XEP-0050) "List inactive accounts": asks for a number of days (default 180)
/// and lists the accounts whose last login or logout is older, oldest first. Only <c>Notices:Admins</c>
/// see and may run it. The same list is <c>xmpp-privacy inactive --days N</c>. The router speaks XEP-0050.
/// </summary>
[Xep(50, "1.3.0", "inactive-accounts command"), Xep(4, "2.13.1", "command forms")]
public sealed class InactiveAccountsCommand(string privacyDomain, IReadOnlyList<string> admins, ActivityStore activity, TimeProvider time)
    : IComponentService
{
    public const string Node = "inactive-accounts";
    private const int DefaultDays = 180;
    private const int MaxListed = 1000;

    private static readonly DataForm Form = DataForm.Form("List inactive accounts",
        "Accounts without any login or logout for more than this many days.",
        FormField.TextSingle("days", "Days", DefaultDays.ToString(CultureInfo.InvariantCulture), required: true));

    public IReadOnlyCollection<string>? Domains => [privacyDomain];

    public void Declare(ServiceBuilder service) =>
        service.Command(Node, "List inactive accounts", IsAdmin, Form, ExecuteAsync);

    private bool IsAdmin(Jid jid) => admins.Contains(jid.Bare.ToString(), StringComparer.Ordinal);

    private async ValueTask<CommandResult> ExecuteAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        if (submitted["days"] is not [var text]
            || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days)
            || days is < 1 or > 36_500)
            return StanzaError.BadRequest("'days' must be one whole number from 1 to 36500.");

        var before = time.GetUtcNow().AddDays(-days);
        var inactive = await activity.InactiveSinceAsync(before, MaxListed, cancellationToken);
        var result = DataForm.Table($"Accounts inactive for more than {days} days",
            [FormField.Column("account", "Account", "jid-single"), FormField.Column("last-seen", "Last seen (UTC)")],
            inactive.Select(record => (IReadOnlyList<FormField>)
            [
                FormField.Value("account", record.Account.Key),
                FormField.Value("last-seen", record.LastSeen?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never"),
            ]));
        var note = $"{inactive.Count} account(s) without login or logout since {before.UtcDateTime:yyyy-MM-dd}" +
                   (inactive.Count == MaxListed ? $" (the first {MaxListed} shown; the CLI lists more)." : ".");
        return CommandResult.Completed(note, result);
    }
}
