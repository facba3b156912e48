using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting;
using XmppPrivacy.Hosting.Features;
using XmppPrivacy.Services.Notices;

namespace XmppPrivacy.Services.Activity;

/// <summary>
/// Last login and logout per account, kept only to find inactive accounts: the store, the admins' command
/// "List inactive accounts" and <c>xmpp-privacy inactive --days N</c>.
/// </summary>
public sealed class ActivityFeature : IFeature
{
    public const int DefaultDays = 180;

    public string Name => "activity";

    public void Declare(FeatureBuilder feature)
    {
        var days = new Option<int>("--days")
        {
            Description = "Accounts without login or logout for more than this many days (1 to 36500).",
            DefaultValueFactory = _ => DefaultDays,
        };
        days.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 36_500) result.AddError("--days needs a whole number from 1 to 36500.");
        });
        feature
            .Schema(ActivityStore.Schema)
            .AccountData<ActivityStore>()
            .Policy<ActivityDataPolicy>()
            .Component(services => ActivatorUtilities.CreateInstance<InactiveAccountsCommand>(services,
                services.GetRequiredService<Domains>().Privacy, services.GetRequiredService<NoticesOptions>().Admins))
            .Verb(new Command("inactive", "List accounts whose last login or logout is older than --days.") { days },
                async (parse, services, cancellationToken) =>
                {
                    var before = services.GetRequiredService<TimeProvider>().GetUtcNow().AddDays(-parse.GetValue(days));
                    var inactive = await services.GetRequiredService<ActivityStore>().InactiveSinceAsync(before, 10_000, cancellationToken);
                    Console.WriteLine($"{inactive.Count} account(s) without login or logout since {before:yyyy-MM-dd} ({parse.GetValue(days)} days):");
                    foreach (var record in inactive)
                        Console.WriteLine($"  {record.Account}  last seen {record.LastSeen:yyyy-MM-dd HH:mm} UTC");
                    return 0;
                });
    }
}
