using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Routing;

/// <summary>Runs a command with the values of the submitted form (var → values; empty for a command without a form).</summary>
public delegate ValueTask<CommandResult> CommandHandler(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
    CancellationToken cancellationToken);

/// <summary>What a command ends with: completed with an optional note and result form, or a stanza error.</summary>
public readonly record struct CommandResult(string? Note, DataForm? Form, StanzaError? Error)
{
    public static CommandResult Completed(string? note = null, DataForm? form = null) => new(note, form, null);

    public static implicit operator CommandResult(StanzaError error) => new(null, null, error);
}

internal sealed record CommandDeclaration(string Node, string Name, Func<Jid, bool> Allowed, DataForm? Form, CommandHandler Execute);

/// <summary>
/// XEP-0050 for every command declared on a domain: the commands node lists what the asker may run, each
/// command node answers disco#info, and <c>&lt;command/&gt;</c> sets are executed in one step — the form on
/// execute, the result on submit (execute or complete), <c>canceled</c> on cancel. Sessions are not kept: one
/// step needs no state, and the session id is echoed.
/// </summary>
internal sealed class Commands(string domain, IReadOnlyList<CommandDeclaration> declared)
{
    /// <summary>The most values a field of a submitted command form may carry.</summary>
    public const int MaxValues = 256;

    private const int MaxSessionIdLength = 128;

    private static readonly IReadOnlyDictionary<string, IReadOnlyList<string>> Nothing = new Dictionary<string, IReadOnlyList<string>>();

    public IReadOnlyList<CommandDeclaration> Declared => declared;

    /// <summary>disco#items on the commands node: the commands <paramref name="asker"/> may run.</summary>
    public IEnumerable<XElement> Items(Jid asker) =>
        declared.Where(c => c.Allowed(asker)).Select(c => new DiscoItem(new Jid(null, domain, null), c.Node, c.Name).ToElement());

    public async ValueTask<IqReply> ExecuteAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var node = (string?)request.Payload.Attribute("node");
        var command = declared.FirstOrDefault(c => c.Node == node);
        if (command is null) return StanzaError.ItemNotFound("No such command.");
        if (!command.Allowed(request.From)) return StanzaError.Forbidden("You may not run this command.");
        var session = (string?)request.Payload.Attribute("sessionid") ?? Guid.NewGuid().ToString("N");
        if (session.Length is 0 or > MaxSessionIdLength) return StanzaError.BadRequest("The sessionid is empty or too long.");
        var action = (string?)request.Payload.Attribute("action") ?? "execute";
        if (action == "cancel") return IqReply.Ok(Reply(command, session, "canceled"));
        if (action is not ("execute" or "complete"))
            return new StanzaError("modify", "bad-request", "This command has one step: execute or complete.", new XElement(Ns.Commands + "bad-action"));

        var submitted = Nothing;
        if (command.Form is not null)
        {
            var form = request.Payload.Element(Ns.DataForms + "x");
            if (form is null || (string?)form.Attribute("type") != "submit")
                return IqReply.Ok(Reply(command, session, "executing",
                    new XElement(Ns.Commands + "actions", new XAttribute("execute", "complete"), new XElement(Ns.Commands + "complete")),
                    command.Form.ToElement()));
            var read = DataFormReader.ReadAnswer(form, command.Form, MaxValues);
            if (read.Failed) return read.Error!;
            submitted = read.Value!;
        }
        var result = await command.Execute(request, submitted, cancellationToken);
        if (result.Error is { } error) return error;
        return IqReply.Ok(Reply(command, session, "completed",
            result.Note is null ? null : new XElement(Ns.Commands + "note", new XAttribute("type", "info"), result.Note),
            result.Form?.ToElement()));
    }

    private static XElement Reply(CommandDeclaration command, string session, string status, params object?[] content) =>
        new(Ns.Commands + "command", new XAttribute("node", command.Node), new XAttribute("sessionid", session),
            new XAttribute("status", status), content);
}
