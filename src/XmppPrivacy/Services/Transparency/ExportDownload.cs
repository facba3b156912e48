using Microsoft.AspNetCore.Http;

namespace XmppPrivacy.Services.Transparency;

/// <summary><c>GET /export/{token}</c>: the export once, then never again (404), as an attachment nobody caches.</summary>
public static class ExportDownload
{
    public static IResult Serve(HttpContext context, string token, ExportStore exports)
    {
        // 32 random bytes in base64url: anything else is no token of ours, and is not looked up.
        if (token.Length != 43 || !token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') || exports.Take(token) is not { } file)
            return Results.NotFound();
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        return Results.File(file, "application/json; charset=utf-8", "xmpp-privacy-export.json");
    }
}
