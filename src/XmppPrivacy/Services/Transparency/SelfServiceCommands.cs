using System.Globalization;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Options;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// The rights every user can exercise from their client (XEP-0050 on the privacy domain, for the server's own
/// accounts): "What do you store about me" (counts and ages per store) and "Export my data" (everything the
/// features hold about the account as one JSON file, downloadable once through an expiring link).
/// </summary>
[Xep(50, "1.3.0", "what-do-you-store and export commands")]
public sealed class SelfServiceCommands(
    Domains domains, IEnumerable<IDataPolicy> policies, ExportStore exports, HttpOptions http, TimeProvider time) : IComponentService
{
    public const string AboutNode = "what-do-you-store";
    public const string ExportNode = "export";

    public IReadOnlyCollection<string>? Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service
        .Command(AboutNode, "What do you store about me", domains.IsLocalAccount, null, AboutAsync)
        .Command(ExportNode, "Export my data", domains.IsLocalAccount, null, ExportAsync);

    private async ValueTask<CommandResult> AboutAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        var account = Account.From(request.From.Bare);
        var now = time.GetUtcNow();
        var rows = new List<IReadOnlyList<FormField>>();
        foreach (var policy in policies)
        {
            var titles = policy.Stores().ToDictionary(s => s.Key, s => s.Title.En, StringComparer.Ordinal);
            foreach (var measured in await policy.AboutAsync(account, now, cancellationToken))
                rows.Add([
                    FormField.Value("store", titles.GetValueOrDefault(measured.Key, measured.Key)),
                    FormField.Value("items", measured.Count.ToString(CultureInfo.InvariantCulture)),
                    FormField.Value("oldest", RetentionAudit.Age(measured.OldestAge)),
                ]);
        }
        var table = DataForm.Table($"What {domains.Privacy} stores about {account}",
            [FormField.Column("store", "Store"), FormField.Column("items", "Items"), FormField.Column("oldest", "Oldest (days hh:mm:ss)")], rows);
        return CommandResult.Completed("Counts and ages only; \"Export my data\" gives the data itself.", table);
    }

    private async ValueTask<CommandResult> ExportAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        var account = Account.From(request.From.Bare);
        var now = time.GetUtcNow();
        var token = await exports.CreateAsync(account, async (json, ct) =>
        {
            json.WriteStartObject();
            json.WriteString("account", account.Key);
            json.WriteString("exportedAt", now.UtcDateTime);
            json.WriteString("service", domains.Privacy);
            foreach (var policy in policies) await policy.ExportAsync(account, json, now, ct);
            json.WriteEndObject();
        }, cancellationToken);
        if (token is null) return StanzaError.ResourceConstraint("Too many exports are waiting to be downloaded; try again in a few minutes.");
        var url = $"{http.PublicBase}/export/{token}";
        var minutes = (int)ExportStore.Lifetime.TotalMinutes;
        return CommandResult.Completed($"Your export is ready at {url} for {minutes} minutes; the link works once.",
            DataForm.Result("Export my data", FormField.TextSingle("url", "Download link", url)));
    }
}
