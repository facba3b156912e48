using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// The opt-in archive: its options, schema, store and roster cache (both deleted with an account), the MAM
/// service answering delegated queries, the expiry sweep, and the age of its oldest message in <c>/health</c>
/// and <c>/metrics</c>.
/// </summary>
public sealed class ArchiveFeature : IFeature
{
    public string Name => "archive";

    public void Declare(FeatureBuilder feature) => feature
        .Options<ArchiveOptions>()
        .Schema(ArchiveStore.Schema)
        // The roster cache first: a deletion waits for copies held for a roster answer, then the archive deletes.
        .AccountData<RosterLookup>()
        .AccountData<ArchiveStore>()
        .Component<ArchiveService>()
        .Component<ArchiveCommands>()
        .Policy<ArchiveDataPolicy>()
        .Sweep<ArchiveSweep>()
        .Counter("xmppprivacy_archive_queries_total", "Archive queries answered.")
        .Counter("xmppprivacy_archive_results_total", "Archived messages sent in answers.")
        .Counter("xmppprivacy_archive_prefs_set_total", "Archive preferences set by users.")
        .Gauge("xmppprivacy_archive_oldest_message_age_seconds", "Age of the oldest archived message (0 when the archive is empty).",
            services => OldestAge(services).GetAwaiter().GetResult()?.TotalSeconds ?? 0)
        .Health("archive", ArchiveJson.Default.ArchiveHealth, async (services, cancellationToken) =>
        {
            var oldest = await OldestAge(services, cancellationToken);
            return new ArchiveHealth(oldest is { } age ? Math.Round(age.TotalSeconds) : null,
                services.GetRequiredService<ArchiveOptions>().ExpiresAfter.TotalSeconds);
        });

    private static Task<TimeSpan?> OldestAge(IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<ArchiveStore>().OldestMessageAgeAsync(services.GetRequiredService<TimeProvider>().GetUtcNow(), cancellationToken);
}

/// <summary>The archive's part of <c>/health</c>.</summary>
public sealed record ArchiveHealth(double? OldestMessageAgeSeconds, double ExpiresAfterSeconds);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ArchiveHealth))]
internal sealed partial class ArchiveJson : JsonSerializerContext;
