using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// "Delete my uploads" (XEP-0050 on the privacy domain, for the server's own users): every file of the account on
/// every upload service, through the same deletion the account's deletion uses.
/// </summary>
[Xep(50, "1.3.0", "delete-uploads command")]
public sealed class UploadCommands(Domains domains, UploadStore store) : IComponentService
{
    public const string DeleteNode = "delete-uploads";

    private static readonly DataForm DeleteForm = DataForm.Form("Delete my uploads",
        "Deletes every file you uploaded, on every upload service, now. Links to them stop working.",
        FormField.Boolean("confirm", "Yes, delete all my files", required: true));

    public IReadOnlyCollection<string>? Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) =>
        service.Command(DeleteNode, "Delete my uploads", domains.IsLocalAccount, DeleteForm, DeleteAsync);

    private async ValueTask<CommandResult> DeleteAsync(IqRequest request, IReadOnlyDictionary<string, IReadOnlyList<string>> submitted,
        CancellationToken cancellationToken)
    {
        if (!DataFormReader.TryBoolean(submitted["confirm"], out var confirmed)) return StanzaError.BadRequest("'confirm' must be true or false.");
        if (!confirmed) return CommandResult.Completed("Nothing was deleted.");
        var deleted = await store.DeleteAccountAsync(Account.From(request.From.Bare), cancellationToken);
        return CommandResult.Completed($"{deleted} file(s) deleted.");
    }
}
