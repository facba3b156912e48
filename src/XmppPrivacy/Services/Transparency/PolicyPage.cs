using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace XmppPrivacy.Services.Transparency;

/// <summary>
/// <c>GET /privacy</c>: the policy as a page, in the language of <c>?lang=en|de</c> or else the reader's
/// <c>Accept-Language</c>; no scripts and nothing loaded from elsewhere (the Content-Security-Policy says so).
/// </summary>
public static class PolicyPage
{
    public static IResult Serve(HttpContext context, PrivacyPolicy policy)
    {
        var requested = context.Request.Query["lang"];
        Lang lang;
        if (requested.Count > 0)
        {
            if (!TryParse(requested[0], out lang))
                return Results.Text("lang must be en or de.\n", "text/plain; charset=utf-8", statusCode: StatusCodes.Status400BadRequest);
        }
        else lang = FromAcceptLanguage(context.Request.Headers.AcceptLanguage);
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.ContentLanguage = lang == Lang.De ? "de" : "en";
        headers.Vary = "Accept-Language";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.Text(policy.Render(lang, PolicyFormat.Html), "text/html; charset=utf-8");
    }

    public static bool TryParse(string? text, out Lang lang)
    {
        lang = Lang.En;
        switch (text?.Trim().ToLowerInvariant())
        {
            case "en": return true;
            case "de": lang = Lang.De; return true;
            default: return false;
        }
    }

    /// <summary>German when the reader ranks German above English, else English (the ranking by q-value, RFC 9110).</summary>
    public static Lang FromAcceptLanguage(IList<string>? header)
    {
        if (header is null || !StringWithQualityHeaderValue.TryParseList(header, out var ranked)) return Lang.En;
        double Weight(string prefix) => ranked
            .Where(r => r.Value.Value is { } tag && (tag.Equals(prefix, StringComparison.OrdinalIgnoreCase) || tag.StartsWith(prefix + "-", StringComparison.OrdinalIgnoreCase)))
            .Select(r => r.Quality ?? 1.0).DefaultIfEmpty(0).Max();
        return Weight("de") > Weight("en") ? Lang.De : Lang.En;
    }
}
