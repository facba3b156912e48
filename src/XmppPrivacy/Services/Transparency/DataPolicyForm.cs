using XmppPrivacy.Routing;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// XEP-0504: every service domain's disco#info carries an <c>urn:xmpp:data-policy:0</c> form made from the
/// stores declared for that domain and the operator's statements, so a client can show how its data is handled.
/// </summary>
[Xep(504, "0.1.0", "data policy form on every service domain")]
public sealed class DataPolicyForm(PrivacyPolicy policy, TransparencyOptions options, PolicyAddress address) : IComponentService
{
    public const string FormType = "urn:xmpp:data-policy:0";

    public IReadOnlyCollection<string>? Domains => null;

    public void Declare(ServiceBuilder service) => service.InfoForm(For(service.Domain));

    /// <summary>The form for <paramref name="domain"/>.</summary>
    public DataForm For(string domain)
    {
        var stores = policy.Stores().Where(s => string.Equals(s.Domain, domain, StringComparison.OrdinalIgnoreCase)).ToList();
        var content = stores.Where(s => s.Content).ToList();
        var fields = new List<FormField>
        {
            FormField.TextSingle("data_retention", value: Retention(content)),
            FormField.Boolean("data_deletion", value: content.Count > 0 && content.All(s => s.UserCanDelete)),
            FormField.Boolean("data_export", value: stores.Count > 0 && stores.All(s => s.UserCanExport)),
            // Deleting an account deletes everything every store holds about it (IAccountData).
            FormField.Boolean("full_erasure", value: true),
            FormField.Boolean("encryption_at_rest", value: options.EncryptionAtRest),
            FormField.ListMulti("access_policy", null, ["admins"], []),
        };
        // The policy itself (every store, both languages) is at the tos address; extra_info is left out so that a
        // client showing disco#info stays readable.
        fields.Add(FormField.TextSingle("tos", value: address.Url));
        return DataForm.Extended(FormType, [.. fields]);
    }

    /// <summary>At most how many hours content is kept: 0 when none is, "infinite" when a store keeps it without a time limit.</summary>
    private static string Retention(IReadOnlyList<StorePolicy> content)
    {
        if (content.Count == 0) return "0";
        if (content.Any(s => s.MaxAge is null)) return "infinite";
        var longest = content.Max(s => s.MaxAge!.Value);
        return ((long)Math.Ceiling(longest.TotalHours)).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>Where the privacy policy is published: <c>Transparency:PolicyUrl</c>, or the component's own <c>/privacy</c>.</summary>
public sealed class PolicyAddress(TransparencyOptions options, XmppPrivacy.Hosting.Options.HttpOptions http)
{
    public string Url { get; } = options.PolicyUrl ?? http.PublicBase + "/privacy";
}
