using System.Xml.Linq;
using XmppPrivacy.Hosting;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Accounts;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Streams;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// One message to each newly registered user (<c>Transparency:Welcome</c>): whether archiving is on for them,
/// how to change it from their client, and where the privacy policy is. Sent from the privacy domain, so a
/// client shows who it is from; nothing about the message is stored.
/// </summary>
public sealed class WelcomeMessage(Domains domains, TransparencyOptions options, ArchiveOptions archive, PolicyAddress policy)
    : IComponentService, IRegistrationListener
{
    private static readonly XNamespace Styling = "urn:xmpp:styling:0";
    private volatile IOutbound? _outbound;

    public IReadOnlyCollection<string>? Domains => [domains.Privacy];

    public void Declare(ServiceBuilder service) => service.OnConnected((outbound, _) =>
    {
        _outbound = outbound;
        return ValueTask.CompletedTask;
    });

    /// <summary>The text a new user gets.</summary>
    public string Text()
    {
        var state = archive.DefaultPolicy == ArchivePolicy.Never
            ? $"Message archiving is off for you until you turn it on: then your one-to-one messages are kept for {Durations.Of(archive.ExpiresAfter).En} so that all your devices can fetch them."
            : $"Message archiving is on for you: your one-to-one messages are kept for {Durations.Of(archive.ExpiresAfter).En} so that all your devices can fetch them.";
        return $"Welcome to {domains.Server}!\n{state}\n" +
               $"Change it in your client's archive (MAM) settings, or with the command \"Archiving on or off\" of {domains.Privacy}.\n" +
               $"What is stored, for how long, and how to delete it: {policy.Url}";
    }

    public async Task RegisteredAsync(Account account, CancellationToken cancellationToken)
    {
        if (!options.Welcome || _outbound is not { } outbound) return;
        var message = Stanza.Message("chat", domains.Privacy, account.Key, "w-" + Guid.NewGuid().ToString("N")[..12],
            new XElement(Ns.Component + "body", Text()), new XElement(Styling + "unstyled"));
        await outbound.SendAsync(message, cancellationToken);
    }
}
