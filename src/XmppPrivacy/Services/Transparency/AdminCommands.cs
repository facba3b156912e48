using System.Globalization;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Notices;
using XmppPrivacy.Sweeps;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// The admins' commands (XEP-0050 on the privacy domain, shown only to <c>Notices:Admins</c>): the retention
/// audit, running every expiry now, and statistics that are counts only, never per person.
/// </summary>
[Xep(50, "1.3.0", "audit, run-expiry and statistics commands")]
public sealed class AdminCommands(
    Domains domains, NoticesOptions notices, RetentionAudit audit, SweepService sweeps, IEnumerable<IDataPolicy> policies,
    IEnumerable<IAccountData> owners, TimeProvider time) : IComponentService
{
    public const string AuditNode = "audit";
    public const string ExpiryNode = "run-expiry";
    public const string StatisticsNode = "statistics";

    public IReadOnlyCollection<string>? Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service
        .Command(AuditNode, "Retention audit", IsAdmin, null, AuditAsync)
        .Command(ExpiryNode, "Run expiry now", IsAdmin, null, ExpiryAsync)
        .Command(StatisticsNode, "Statistics (counts only)", IsAdmin, null, StatisticsAsync);

    private bool IsAdmin(Jid jid) => notices.Admins.Contains(jid.Bare.ToString(), StringComparer.Ordinal);

    private async ValueTask<CommandResult> AuditAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        var lines = await audit.RunAsync(null, cancellationToken);
        var table = DataForm.Table("Retention audit",
            [FormField.Column("store", "Store"), FormField.Column("items", "Items"), FormField.Column("oldest", "Oldest"),
             FormField.Column("promise", "Promise"), FormField.Column("result", "Result")],
            lines.Select(line => (IReadOnlyList<FormField>)
            [
                FormField.Value("store", line.Store.Key),
                FormField.Value("items", line.Measured.Count.ToString(CultureInfo.InvariantCulture)),
                FormField.Value("oldest", RetentionAudit.Age(line.Measured.OldestAge)),
                FormField.Value("promise", line.Promise),
                FormField.Value("result", line.Pass ? "pass" : "FAIL"),
            ]));
        var failed = lines.Count(l => !l.Pass);
        return CommandResult.Completed(failed == 0 ? "Every promise holds." : $"{failed} promise(s) broken.", table);
    }

    private async ValueTask<CommandResult> ExpiryAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        await sweeps.RunAllAsync(cancellationToken);
        return CommandResult.Completed($"Every expiry ran at {time.GetUtcNow().UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC.");
    }

    private async ValueTask<CommandResult> StatisticsAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var accounts = new HashSet<Account>();
        foreach (var owner in owners)
            await foreach (var account in owner.AccountsAsync(cancellationToken)) accounts.Add(account);
        var rows = new List<IReadOnlyList<FormField>>
        {
            new[] { FormField.Value("what", "accounts with any data"), FormField.Value("count", accounts.Count.ToString(CultureInfo.InvariantCulture)) },
        };
        foreach (var policy in policies)
            foreach (var measured in await policy.AuditAsync(now, cancellationToken))
                rows.Add([FormField.Value("what", measured.Key), FormField.Value("count", measured.Count.ToString(CultureInfo.InvariantCulture))]);
        return CommandResult.Completed("Counts only.",
            DataForm.Table("Statistics", [FormField.Column("what", "What"), FormField.Column("count", "Count")], rows));
    }
}
