using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Notices;

/// <summary>The anonymised registration notice and the burst alert, sent to <c>Notices:Admins</c>.</summary>
public sealed class NoticesFeature : IFeature
{
    public string Name => "notices";

    public void Declare(FeatureBuilder feature) => feature
        .Options<NoticesOptions>()
        .Component<RegistrationNotices>()
        .Policy<NoticesDataPolicy>()
        .Background<NoticeDispatcher>()
        .Counter("xmppprivacy_registrations_total", "Registrations reported by the bridge or the servers' watcher notices.")
        .Counter("xmppprivacy_registrations_duplicate_total", "Registrations reported twice (bridge and watcher) and counted once.")
        .Counter("xmppprivacy_registration_notices_suppressed_total", "Registrations folded into a burst alert instead of an individual notice.")
        .Counter("xmppprivacy_registration_bursts_total", "Burst alerts sent.")
        .Counter("xmppprivacy_admin_notices_sent_total", "Messages sent to admins.")
        .Counter("xmppprivacy_watcher_notices_total", "Watcher notices from the server, parsed (their address dropped).")
        .Counter("xmppprivacy_watcher_notices_unparsed_total", "Messages from the server that were not a watcher notice we know.");
}
