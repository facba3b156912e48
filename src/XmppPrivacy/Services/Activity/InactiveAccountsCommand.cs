using System.Globalization;
using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Activity;

/// <summary>
/// The admins' ad-hoc command (XEP-0050) "List inactive accounts": asks for a number of days (default 180)
/// and lists the accounts whose last login or logout is older, oldest first. Only <c>Notices:Admins</c>
/// see and may run it. The same list is <c>xmpp-privacy inactive --days N</c>.
/// </summary>
[Xep(50, "1.3.0", "inactive-accounts command"), Xep(4, "2.13.1", "command forms")]
public sealed class InactiveAccountsCommand(string privacyDomain, IReadOnlyList<string> admins, ActivityStore activity, TimeProvider time)
    : IComponentService
{
    public const string Node = "inactive-accounts";
    private const int DefaultDays = 180;
    private const int MaxListed = 1000;
    private static readonly XNamespace Commands = "http://jabber.org/protocol/commands";
    private static readonly XNamespace Data = "jabber:x:data";

    public IReadOnlyCollection<string>? Domains => [privacyDomain];

    public void Declare(ServiceBuilder service) => service
        .Feature(Commands.NamespaceName)
        .Items(Commands.NamespaceName, asker => IsAdmin(asker)
            ? [new XElement(Ns.DiscoItems + "item", new XAttribute("jid", privacyDomain), new XAttribute("node", Node), new XAttribute("name", "List inactive accounts"))]
            : [])
        .NodeIdentity(Node, "automation", "command-node", "List inactive accounts")
        .NodeFeature(Node, Commands.NamespaceName)
        .NodeFeature(Node, Data.NamespaceName)
        .Iq("set", Commands + "command", ExecuteAsync);

    private bool IsAdmin(Jid jid) => admins.Contains(jid.Bare.ToString(), StringComparer.Ordinal);

    private async ValueTask<IqReply> ExecuteAsync(IqRequest request, CancellationToken cancellationToken)
    {
        if ((string?)request.Payload.Attribute("node") != Node) return StanzaError.ItemNotFound("No such command.");
        if (!IsAdmin(request.From)) return StanzaError.Forbidden("Only the server's admins may run this command.");
        var session = (string?)request.Payload.Attribute("sessionid") ?? Guid.NewGuid().ToString("N");
        var action = (string?)request.Payload.Attribute("action") ?? "execute";
        if (action == "cancel") return IqReply.Ok(Command(session, "canceled"));
        if (action is not ("execute" or "complete"))
            return new StanzaError("modify", "bad-request", "This command has one step: execute or complete.",
                new XElement(Commands + "bad-action"));

        var form = request.Payload.Element(Data + "x");
        if (form is null || (string?)form.Attribute("type") != "submit")
            return IqReply.Ok(Command(session, "executing",
                new XElement(Commands + "actions", new XAttribute("execute", "complete"), new XElement(Commands + "complete")),
                new XElement(Data + "x", new XAttribute("type", "form"),
                    new XElement(Data + "title", "List inactive accounts"),
                    new XElement(Data + "instructions", "Accounts without any login or logout for more than this many days."),
                    new XElement(Data + "field", new XAttribute("var", "days"), new XAttribute("type", "text-single"),
                        new XAttribute("label", "Days"), new XElement(Data + "value", DefaultDays.ToString(CultureInfo.InvariantCulture)),
                        new XElement(Data + "required")))));

        var fields = form.Elements(Data + "field").Where(f => (string?)f.Attribute("var") == "days").ToList();
        if (fields.Count != 1 || fields[0].Elements(Data + "value").Count() != 1
            || !int.TryParse(fields[0].Element(Data + "value")!.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var days)
            || days is < 1 or > 36_500)
            return StanzaError.BadRequest("'days' must be one whole number from 1 to 36500.");

        var before = time.GetUtcNow().AddDays(-days);
        var inactive = await activity.InactiveSinceAsync(before, MaxListed, cancellationToken);
        var result = new XElement(Data + "x", new XAttribute("type", "result"),
            new XElement(Data + "title", $"Accounts inactive for more than {days} days"),
            new XElement(Data + "reported",
                new XElement(Data + "field", new XAttribute("var", "account"), new XAttribute("label", "Account"), new XAttribute("type", "jid-single")),
                new XElement(Data + "field", new XAttribute("var", "last-seen"), new XAttribute("label", "Last seen (UTC)"))));
        foreach (var record in inactive)
            result.Add(new XElement(Data + "item",
                new XElement(Data + "field", new XAttribute("var", "account"), new XElement(Data + "value", record.Account)),
                new XElement(Data + "field", new XAttribute("var", "last-seen"),
                    new XElement(Data + "value", record.LastSeen?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) ?? "never"))));
        var note = $"{inactive.Count} account(s) without login or logout since {before.UtcDateTime:yyyy-MM-dd}" +
                   (inactive.Count == MaxListed ? $" (the first {MaxListed} shown; the CLI lists more)." : ".");
        return IqReply.Ok(Command(session, "completed", new XElement(Commands + "note", new XAttribute("type", "info"), note), result));
    }

    private static XElement Command(string session, string status, params object[] content) =>
        new(Commands + "command", new XAttribute("node", Node), new XAttribute("sessionid", session), new XAttribute("status", status), content);
}
