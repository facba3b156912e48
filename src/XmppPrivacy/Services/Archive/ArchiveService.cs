using System.Xml.Linq;
using Microsoft.Extensions.Logging;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Bridge;
using XmppPrivacy.Services.Delegation;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// The opt-in archive as users see it (XEP-0313 v2, XEP-0441): their MAM IQs to their own account reach us
/// by delegation; preferences are read and set, queries answered with results sent as privileged messages
/// from the user's bare JID, then the wrapped <c>fin</c>. The owner is always the account the server
/// stamped; nothing in a query can select another archive.
/// </summary>
[Xep(313, "1.1.1", "v2 over delegation: query, fields, prefs, metadata, #extended"), Xep(441, "0.2.0"), Xep(59, "1.0.0", "paging"),
 Xep(359, "0.7.0", "stanza-id stamped by the bridge")]
public sealed partial class ArchiveService(
    Domains domains, ArchiveStore store, BridgeService bridge, DelegationService delegation,
    Metrics metrics, TimeProvider time, ILogger<ArchiveService> logger) : IComponentService
{
    IReadOnlyCollection<string>? IComponentService.Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service
        .DelegatedIq("get", ArchiveNs.Mam + "prefs", GetPrefsAsync)
        .DelegatedIq("set", ArchiveNs.Mam + "prefs", SetPrefsAsync)
        .DelegatedIq("get", ArchiveNs.Mam + "query", (_, _) => ValueTask.FromResult(IqReply.Ok(ArchiveReplies.Form())))
        .DelegatedIq("set", ArchiveNs.Mam + "query", QueryAsync)
        .DelegatedIq("get", ArchiveNs.Mam + "metadata", MetadataAsync)
        .DelegatedFeature(ArchiveNs.Mam.NamespaceName, ArchiveNs.Mam.NamespaceName + "#extended");

    private async ValueTask<IqReply> GetPrefsAsync(IqRequest request, CancellationToken cancellationToken) =>
        IqReply.Ok((await store.GetPrefsAsync(request.To, cancellationToken)).ToElement());

    private async ValueTask<IqReply> SetPrefsAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var parsed = ArchivePrefs.Parse(request.Payload, store.Options);
        if (parsed.Error is { } error) return error;
        var prefs = parsed.Value!;
        if (await ApplyPrefsAsync(request.To, prefs, cancellationToken) is { } refused) return refused;
        return IqReply.Ok(prefs.ToElement());
    }

    /// <summary>
    /// Sets <paramref name="owner"/>'s preferences and tells the bridge, whoever asked (XEP-0441 or the
    /// self-service command); refused when nothing could be archived on this server.
    /// </summary>
    public async Task<StanzaError?> ApplyPrefsAsync(Jid owner, ArchivePrefs prefs, CancellationToken cancellationToken)
    {
        // Without the bridge (ejabberd, or Prosody without mod_privacy_bridge) no message ever reaches the
        // archive: say so instead of accepting a promise that cannot be kept.
        if (prefs.OptedIn && !bridge.State.Present)
            return StanzaError.FeatureNotImplemented("This server does not pass messages to the archive, so archiving cannot be turned on here.");
        await store.SetPrefsAsync(owner, prefs, cancellationToken);
        metrics.Increment("xmppprivacy_archive_prefs_set_total");
        // The bridge copies messages only of users who may archive something; a change applies to the next message.
        await bridge.SetArchivingAsync(owner.Local!, prefs.OptedIn, cancellationToken);
        return null;
    }

    private async ValueTask<IqReply> QueryAsync(IqRequest request, CancellationToken cancellationToken)
    {
        var parsed = ArchiveQueryParser.Parse(request.Payload, store.Options);
        if (parsed.Error is { } invalid) return invalid;
        var page = await store.QueryAsync(request.To, parsed.Value!, time.GetUtcNow(), cancellationToken);
        if (page.Error is { } failed) return failed;
        var queryId = (string?)request.Payload.Attribute("queryid");
        var privilege = delegation.State.PrivilegeNamespace;
        foreach (var message in page.Value!.Messages)
            await PrivilegedMessages.SendAsync(request.Outbound, domains.Privacy, domains.Server, request.To, request.From, privilege, cancellationToken,
                ArchiveReplies.Result(queryId, message));
        metrics.Increment("xmppprivacy_archive_queries_total");
        metrics.Increment("xmppprivacy_archive_results_total", by: page.Value.Messages.Count);
        LogQuery(logger, page.Value.Messages.Count);
        return IqReply.Ok(ArchiveReplies.Fin(page.Value));
    }

    private async ValueTask<IqReply> MetadataAsync(IqRequest request, CancellationToken cancellationToken) =>
        IqReply.Ok((await store.MetadataAsync(request.To, time.GetUtcNow(), cancellationToken)).ToElement());

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug, Message = "Answered an archive query with {Count} results")]
    private static partial void LogQuery(ILogger logger, int count);
}
