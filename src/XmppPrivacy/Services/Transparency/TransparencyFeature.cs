using System.CommandLine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using XmppPrivacy.Hosting.Features;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// What the server promises, told from what it enforces: the privacy policy (<c>xmpp-privacy policy</c> and
/// <c>/privacy</c>, English and German) and each service domain's XEP-0504 form, both made from the stores
/// every feature declares (<see cref="IDataPolicy"/>).
/// </summary>
public sealed class TransparencyFeature : IFeature
{
    public string Name => "transparency";

    public void Declare(FeatureBuilder feature)
    {
        var lang = new Option<string>("--lang") { Description = "The language: en or de.", DefaultValueFactory = _ => "en" };
        lang.Validators.Add(result =>
        {
            if (!PolicyPage.TryParse(result.GetValueOrDefault<string>(), out _)) result.AddError("--lang is en or de.");
        });
        var format = new Option<string>("--format") { Description = "The format: markdown or html.", DefaultValueFactory = _ => "markdown" };
        format.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string>() is not ("markdown" or "html")) result.AddError("--format is markdown or html.");
        });
        feature
            .Options<TransparencyOptions>()
            .Singleton<PrivacyPolicy>()
            .Singleton<PolicyAddress>()
            .Singleton<RetentionAudit>()
            .AccountData<ExportStore>()
            .Sweep<ExportStore>()
            .Component<DataPolicyForm>()
            .Component<SelfServiceCommands>()
            .Component<AdminCommands>()
            .Component<WelcomeMessage>()
            .Background<AuditWatch>()
            .Gauge("xmppprivacy_exports_waiting", "Exports waiting to be downloaded.", services => services.GetRequiredService<ExportStore>().Count)
            .Http(routes =>
            {
                routes.MapGet("/privacy", (HttpContext context, PrivacyPolicy policy) => PolicyPage.Serve(context, policy));
                routes.MapGet("/export/{token}", (HttpContext context, string token, ExportStore exports) => ExportDownload.Serve(context, token, exports));
            })
            .Verb(new Command("policy", "Print the privacy policy made from the effective configuration.") { lang, format },
                (parse, services, _) =>
                {
                    PolicyPage.TryParse(parse.GetValue(lang), out var language);
                    var rendered = services.GetRequiredService<PrivacyPolicy>()
                        .Render(language, parse.GetValue(format) == "html" ? PolicyFormat.Html : PolicyFormat.Markdown);
                    Console.Out.Write(rendered);
                    return Task.FromResult(0);
                })
            .Verb(new Command("audit", "Check every store against its promise; exit 1 when one is broken."),
                async (_, services, cancellationToken) =>
                {
                    var lines = await services.GetRequiredService<RetentionAudit>().RunAsync(
                        progress => Console.Error.WriteLine(progress + " ..."), cancellationToken);
                    Console.WriteLine($"{"store",-24} {"items",10} {"oldest",14}  {"result",-6} promise");
                    foreach (var line in lines)
                        Console.WriteLine($"{line.Store.Key,-24} {line.Measured.Count,10} {RetentionAudit.Age(line.Measured.OldestAge),14}  {(line.Pass ? "pass" : "FAIL"),-6} {line.Promise}");
                    var broken = lines.Count(l => !l.Pass);
                    Console.WriteLine(broken == 0 ? "Every promise holds." : $"{broken} promise(s) broken.");
                    return broken == 0 ? 0 : 1;
                });
        // The welcome message hears of new accounts from the account lifecycle.
        feature.Services.AddSingleton<XmppPrivacy.Services.Accounts.IRegistrationListener>(services => services.GetRequiredService<WelcomeMessage>());
    }
}
