using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// The archive's self-service commands (XEP-0050) on the privacy domain, for the server's own users: turning
/// archiving on or off from clients without an archive settings screen, and deleting one's whole archive.
/// </summary>
[Xep(50, "1.3.0", "archiving and delete-archive commands")]
public sealed class ArchiveCommands(Domains domains, ArchiveService archive, ArchiveStore store) : IComponentService
{
    public const string ArchivingNode = "archiving";
    public const string DeleteNode = "delete-archive";

    private static readonly DataForm ArchivingForm = DataForm.Form("Message archive",
        "Keep copies of your one-to-one messages so that all your devices can fetch them? They expire after the time the privacy policy gives.",
        FormField.Boolean("archiving", "Archive my messages", required: true));

    private static readonly DataForm DeleteForm = DataForm.Form("Delete my archive",
        "Deletes every archived message of your account now. Your archiving setting stays as it is.",
        FormField.Boolean("confirm", "Yes, delete all my archived messages", required: true));

    public IReadOnlyCollection<string>? Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service
        .Command(ArchivingNode, "Archiving on or off", domains.IsLocalAccount, ArchivingForm, SetArchivingAsync)
        .Command(DeleteNode, "Delete my archive", domains.IsLocalAccount, DeleteForm, DeleteAsync);

    private async ValueTask<CommandResult> SetArchivingAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        if (!DataFormReader.TryBoolean(submitted["archiving"], out var on)) return StanzaError.BadRequest("'archiving' must be true or false.");
        var owner = request.From.Bare;
        var prefs = await store.GetPrefsAsync(owner, cancellationToken);
        var changed = prefs with { Default = on ? ArchivePolicy.Always : ArchivePolicy.Never };
        if (await archive.ApplyPrefsAsync(owner, changed, cancellationToken) is { } refused) return refused;
        return CommandResult.Completed(on
            ? "Archiving is on: your one-to-one messages are kept for the time the privacy policy gives."
            : "Archiving is off: no new messages are kept. Already archived ones expire as before, or use \"Delete my archive\".");
    }

    private async ValueTask<CommandResult> DeleteAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        if (!DataFormReader.TryBoolean(submitted["confirm"], out var confirmed)) return StanzaError.BadRequest("'confirm' must be true or false.");
        if (!confirmed) return CommandResult.Completed("Nothing was deleted.");
        var deleted = await store.DeleteMessagesAsync(Account.From(request.From.Bare), cancellationToken);
        return CommandResult.Completed($"{deleted} archived message(s) deleted.");
    }
}
