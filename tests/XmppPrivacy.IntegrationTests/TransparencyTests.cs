using System.Diagnostics;
using System.Net;
using System.Text.Json;
using System.Xml.Linq;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Services.Archive;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// The transparency feature through a real Prosody: the XEP-0504 form follows the options, a real client runs
/// each self-service command and its effect is checked in the database and over HTTP, the admins' audit finds
/// a planted old row, a new user is welcomed, and the /privacy page is rendered by a real browser.
/// </summary>
[Collection(RealServers.Name)]
public sealed class TransparencyTests
{
    private static readonly XNamespace Commands = "http://jabber.org/protocol/commands";
    private static readonly XNamespace Data = "jabber:x:data";

    private static readonly Dictionary<string, string?> ThreeDays = new()
    {
        ["Archive:ExpiresAfter"] = "3d",
        ["Notices:Admins"] = "admin@localhost",
        ["Transparency:OperatorName"] = "Hackspace Example e.V.",
        ["Transparency:Backups"] = "Nightly, kept for 14 days.",
    };

    /// <summary>Runs the self-service command <paramref name="node"/> on privacy.localhost to completion.</summary>
    internal static async Task<XElement> RunAsync(XmppTestClient client, string node, params (string Var, string Value)[] fields)
    {
        var first = await client.IqAsync($"<iq type='set' to='privacy.localhost'><command xmlns='{Commands.NamespaceName}' node='{node}' action='execute'/></iq>");
        Assert.Equal("result", (string?)first.Attribute("type"));
        var command = first.Element(Commands + "command")!;
        if ((string?)command.Attribute("status") == "completed") return command;
        var values = string.Concat(fields.Select(f => $"<field var='{f.Var}'><value>{f.Value}</value></field>"));
        var done = await client.IqAsync($"<iq type='set' to='privacy.localhost'><command xmlns='{Commands.NamespaceName}' node='{node}' sessionid='{command.Attribute("sessionid")!.Value}' action='complete'><x xmlns='jabber:x:data' type='submit'>{values}</x></command></iq>");
        Assert.Equal("result", (string?)done.Attribute("type"));
        var completed = done.Element(Commands + "command")!;
        Assert.Equal("completed", (string?)completed.Attribute("status"));
        return completed;
    }

    private static long Rows(ComponentUnderTest component, string owner) =>
        (long)DatabaseFile.Scalar(component.DatabasePath, $"SELECT COUNT(*) FROM archive_messages WHERE owner = '{owner}'")!;

    private static string Cell(XElement item, string var) =>
        item.Elements(Data + "field").Single(f => (string?)f.Attribute("var") == var).Element(Data + "value")!.Value;

    [Fact]
    public async Task A_real_client_runs_every_self_service_command_and_the_database_and_the_export_show_their_effect()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, ThreeDays);
        await ComponentChecks.WaitForBridgeAsync(component);
        foreach (var user in (string[])["alice", "bob", "carol"]) await prosody.RegisterAsync(user, user + "-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        await using var carol = await XmppTestClient.LoginAsync(prosody.C2sPort, "carol", "carol-secret");

        // The data policy form says what the configuration says.
        var info = await alice.IqAsync("<iq type='get' to='privacy.localhost'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
        var form = info.Descendants(Data + "x").Single(x => x.Elements(Data + "field").Any(f => (string?)f.Attribute("var") == "FORM_TYPE" && f.Value == "urn:xmpp:data-policy:0"));
        Assert.Equal("72", form.Elements(Data + "field").Single(f => (string?)f.Attribute("var") == "data_retention").Value);
        var commands = await alice.IqAsync("<iq type='get' to='privacy.localhost'><query xmlns='http://jabber.org/protocol/disco#items' node='http://jabber.org/protocol/commands'/></iq>");
        Assert.Equal(["archiving", "delete-archive", "delete-uploads", "export", "what-do-you-store"],
            commands.Descendants(Ns.DiscoItems + "item").Select(i => (string)i.Attribute("node")!).Order().ToArray());

        // Archiving on, from the command: the preference is stored and the bridge starts copying.
        var on = await RunAsync(alice, "archiving", ("archiving", "1"));
        Assert.Contains("Archiving is on", on.Element(Commands + "note")!.Value);
        Assert.Equal("always", DatabaseFile.Scalar(component.DatabasePath, "SELECT default_policy FROM archive_prefs WHERE owner = 'alice@localhost'"));
        await RunAsync(bob, "archiving", ("archiving", "1"));
        await ArchiveTests.ChatAsync(bob, alice, "hello alice");
        await ArchiveTests.ChatAsync(alice, bob, "hello bob");
        await ArchiveTests.ChatAsync(bob, carol, "secret for carol");
        await Repo.WaitUntilAsync(() => Task.FromResult(Rows(component, "alice@localhost") == 2 && Rows(component, "bob@localhost") == 3),
            TimeSpan.FromSeconds(15), "the copies are archived");

        // What do you store: the counts are the database's.
        var about = await RunAsync(alice, "what-do-you-store");
        var archiveRow = about.Descendants(Data + "item").Single(i => Cell(i, "store") == "Message archive");
        Assert.Equal("2", Cell(archiveRow, "items"));

        // Export: one JSON file, alice's own data only, downloadable once.
        var export = await RunAsync(alice, "export");
        var url = new Uri(export.Descendants(Data + "field").Single(f => (string?)f.Attribute("var") == "url").Element(Data + "value")!.Value);
        Assert.Equal(component.Http.BaseAddress!.Authority, url.Authority);
        using (var download = await component.Http.GetAsync(url.PathAndQuery))
        {
            Assert.Equal(HttpStatusCode.OK, download.StatusCode);
            Assert.Equal("no-store", download.Headers.CacheControl?.ToString());
            using var json = JsonDocument.Parse(await download.Content.ReadAsStringAsync());
            Assert.Equal("alice@localhost", json.RootElement.GetProperty("account").GetString());
            var bodies = json.RootElement.GetProperty("archive").EnumerateArray()
                .Select(m => XElement.Parse(m.GetProperty("stanza").GetString()!).Descendants().Single(e => e.Name.LocalName == "body").Value).ToArray();
            Assert.Equal(["hello alice", "hello bob"], bodies);
            Assert.DoesNotContain("secret for carol", json.RootElement.GetRawText());
            Assert.Equal("always", json.RootElement.GetProperty("archivePreferences").GetProperty("default").GetString());
        }
        Assert.Equal(HttpStatusCode.NotFound, (await component.Http.GetAsync(url.PathAndQuery)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await component.Http.GetAsync("/export/..%2f..%2fetc%2fpasswd")).StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(Path.GetDirectoryName(component.DatabasePath)!, "exports")));

        // Delete my archive: alice's rows go, bob's stay, her preference stays.
        var deleted = await RunAsync(alice, "delete-archive", ("confirm", "1"));
        Assert.Contains("2 archived message(s) deleted", deleted.Element(Commands + "note")!.Value);
        Assert.Equal(0, Rows(component, "alice@localhost"));
        Assert.Equal(3, Rows(component, "bob@localhost"));
        Assert.Equal("always", DatabaseFile.Scalar(component.DatabasePath, "SELECT default_policy FROM archive_prefs WHERE owner = 'alice@localhost'"));

        // Archiving off: the preference says never.
        await RunAsync(alice, "archiving", ("archiving", "0"));
        Assert.Equal("never", DatabaseFile.Scalar(component.DatabasePath, "SELECT default_policy FROM archive_prefs WHERE owner = 'alice@localhost'"));

        // Users of other domains and bad submissions change nothing.
        var bad = await alice.IqAsync("<iq type='set' to='privacy.localhost'><command xmlns='http://jabber.org/protocol/commands' node='archiving' action='complete'><x xmlns='jabber:x:data' type='submit'><field var='archiving'><value>maybe</value></field></x></command></iq>");
        Assert.NotNull(bad.Descendants(Ns.Stanzas + "bad-request").SingleOrDefault());
        var admins = await alice.IqAsync("<iq type='set' to='privacy.localhost'><command xmlns='http://jabber.org/protocol/commands' node='audit' action='execute'/></iq>");
        Assert.NotNull(admins.Descendants(Ns.Stanzas + "forbidden").SingleOrDefault());
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Uploads_and_rooms_appear_in_the_forms_the_export_and_the_audit_and_delete_my_uploads_deletes_the_files()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?>(ThreeDays)
        {
            ["Upload:Services"] = "clipboard.localhost=24h",
        });
        await ComponentChecks.WaitForBridgeAsync(component);
        await prosody.RegisterAsync("alice", "alice-secret");
        await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
        await using var admin = await NoticesTests.AdminAsync(prosody);

        // Each service's form states its own retention.
        async Task<string> RetentionOf(string domain)
        {
            var info = await alice.IqAsync($"<iq type='get' to='{domain}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
            var form = info.Descendants(Data + "x").Single(x => x.Elements(Data + "field").Any(f => f.Value == "urn:xmpp:data-policy:0"));
            return form.Elements(Data + "field").Single(f => (string?)f.Attribute("var") == "data_retention").Value;
        }
        Assert.Equal("720", await RetentionOf("upload.localhost"));
        Assert.Equal("24", await RetentionOf("clipboard.localhost"));
        Assert.Equal("infinite", await RetentionOf("rooms.localhost")); // a count, not a time: the last ten messages

        // A file on the upload service and a room alice owns.
        var slot = await UploadsTests.GrantAsync(alice, 5);
        Assert.True((await UploadsTests.PutAsync(slot, [1, 2, 3, 4, 5])).IsSuccessStatusCode);
        await alice.SendAsync("<presence to='lounge@rooms.localhost/alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>");
        await alice.WaitForAsync(e => e.Name == Ns.Component + "presence" && (string?)e.Attribute("from") == "lounge@rooms.localhost/alice");
        await Repo.WaitUntilAsync(() => Task.FromResult((long)DatabaseFile.Scalar(component.DatabasePath,
            "SELECT COUNT(*) FROM room_affiliations WHERE jid = 'alice@localhost'")! == 1), TimeSpan.FromSeconds(10), "alice owns the room");

        var export = await RunAsync(alice, "export");
        var url = new Uri(export.Descendants(Data + "field").Single(f => (string?)f.Attribute("var") == "url").Element(Data + "value")!.Value);
        using (var json = JsonDocument.Parse(await component.Http.GetStringAsync(url.PathAndQuery)))
        {
            var upload = Assert.Single(json.RootElement.GetProperty("uploads").EnumerateArray().ToList());
            Assert.Equal("upload.localhost", upload.GetProperty("service").GetString());
            Assert.Equal(5, upload.GetProperty("size").GetInt64());
            Assert.Equal(slot.Get, upload.GetProperty("url").GetString());
            var room = Assert.Single(json.RootElement.GetProperty("roomAffiliations").EnumerateArray().ToList());
            Assert.Equal("lounge@rooms.localhost", room.GetProperty("room").GetString());
            Assert.Equal("owner", room.GetProperty("affiliation").GetString());
        }

        // A file no record claims breaks the uploads' promise.
        var files = Path.Combine(component.State, "uploads", "files");
        var orphan = Path.Combine(files, "AAAAAAAAAAAAAAAAAAAAAA");
        await File.WriteAllTextAsync(orphan, "left behind");
        var audit = await RunAsync(admin, "audit");
        var uploads = audit.Descendants(Data + "item").Single(i => Cell(i, "store") == "uploads:upload.localhost");
        Assert.Equal("FAIL", Cell(uploads, "result"));
        Assert.Contains("1 orphan file(s) on disk", Cell(uploads, "promise"));
        Assert.Equal("pass", Cell(audit.Descendants(Data + "item").Single(i => Cell(i, "store") == "room-history"), "result"));
        File.Delete(orphan);

        // Delete my uploads: the file and its row go, and its link stops working.
        var deleted = await RunAsync(alice, "delete-uploads", ("confirm", "1"));
        Assert.Contains("1 file(s) deleted", deleted.Element(Commands + "note")!.Value);
        Assert.Equal(0L, DatabaseFile.Scalar(component.DatabasePath, "SELECT COUNT(*) FROM upload_files"));
        Assert.Empty(Directory.GetFiles(files));
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(slot.Get)).StatusCode);
        Assert.Equal("Every promise holds.", (await RunAsync(admin, "audit")).Element(Commands + "note")!.Value);
    }

    [Fact]
    public async Task The_admins_audit_finds_a_planted_old_row_and_a_new_user_is_welcomed_with_the_policys_address()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, ThreeDays);
        await ComponentChecks.WaitForBridgeAsync(component);
        await using var admin = await NoticesTests.AdminAsync(prosody);

        var clean = await RunAsync(admin, "audit");
        Assert.Equal("Every promise holds.", clean.Element(Commands + "note")!.Value);

        await component.Get<ArchiveStore>().AppendAsync(Jid.Parse("dave@localhost"), Jid.Parse("eve@localhost"), ArchiveDirection.In,
            DateTimeOffset.UtcNow.AddDays(-4), new XElement(Ns.Client + "message", new XElement(Ns.Client + "body", "planted")), null, CancellationToken.None);
        var audit = await RunAsync(admin, "audit");
        Assert.Equal("1 promise(s) broken.", audit.Element(Commands + "note")!.Value);
        var archive = audit.Descendants(Data + "item").Single(i => Cell(i, "store") == "archive");
        Assert.Equal("FAIL", Cell(archive, "result"));
        Assert.StartsWith("4 d", Cell(archive, "oldest"));

        var statistics = await RunAsync(admin, "statistics");
        Assert.DoesNotContain("dave", statistics.ToString());

        await RunAsync(admin, "run-expiry");
        Assert.Equal(0L, DatabaseFile.Scalar(component.DatabasePath, "SELECT COUNT(*) FROM archive_messages"));
        Assert.Equal("Every promise holds.", (await RunAsync(admin, "audit")).Element(Commands + "note")!.Value);

        // A new account gets one welcome message from the privacy service, with the policy's address.
        await using var newcomer = await XmppTestClient.ConnectAsync(prosody.C2sPort);
        await newcomer.RegisterAsync("newcomer", "newcomer-secret");
        await newcomer.AuthenticateAsync("newcomer", "newcomer-secret", "phone");
        await newcomer.SendAsync("<presence/>");
        var welcome = await newcomer.WaitForAsync(e => e.Name == Ns.Component + "message" && (string?)e.Attribute("from") == ProsodyServer.PrivacyDomain,
            TimeSpan.FromSeconds(15));
        var text = welcome.Element(Ns.Component + "body")!.Value;
        Assert.Contains("archiving is off for you until you turn it on", text);
        Assert.Contains("3 days", text);
        Assert.Contains($"{component.Http.BaseAddress!.ToString().TrimEnd('/')}/privacy", text);
    }

    [Fact]
    public async Task The_periodic_audit_tells_the_admins_once_when_a_promise_breaks_and_once_when_it_holds_again()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, new Dictionary<string, string?>(ThreeDays)
        {
            ["Transparency:AuditInterval"] = "1s",
            ["Sweeps:Interval"] = "1h",
        });
        await component.WaitForAllConnectedAsync();
        await using var admin = await NoticesTests.AdminAsync(prosody);

        await component.Get<ArchiveStore>().AppendAsync(Jid.Parse("dave@localhost"), Jid.Parse("eve@localhost"), ArchiveDirection.In,
            DateTimeOffset.UtcNow.AddDays(-5), new XElement(Ns.Client + "message", new XElement(Ns.Client + "body", "planted")), null, CancellationToken.None);
        var broken = await NoticesTests.NextNoticeAsync(admin, TimeSpan.FromSeconds(20));
        Assert.StartsWith("Retention audit: a promise is broken.", broken);
        Assert.Contains("- archive: oldest 5 d", broken);
        Assert.DoesNotContain("dave", broken);
        // Further runs find the same broken promise and say nothing more.
        await Assert.ThrowsAsync<TimeoutException>(() => NextAuditAsync(admin, TimeSpan.FromSeconds(4)));

        await component.Get<XmppPrivacy.Sweeps.SweepService>().RunAllAsync(CancellationToken.None);
        Assert.Equal("Retention audit: every promise holds again.", await NoticesTests.NextNoticeAsync(admin, TimeSpan.FromSeconds(20)));
    }

    private static Task<XElement> NextAuditAsync(XmppTestClient admin, TimeSpan timeout) =>
        admin.WaitForAsync(e => e.Name == Ns.Component + "message" && e.Element(Ns.Component + "body")?.Value.StartsWith("Retention audit", StringComparison.Ordinal) == true, timeout);

    [Fact]
    public async Task The_privacy_page_rendered_by_a_real_browser_shows_the_configured_numbers_in_both_languages()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, ThreeDays);
        var page = new Uri(component.Http.BaseAddress!, "/privacy");

        var english = await RenderAsync(page + "?lang=en");
        var german = await RenderAsync(page + "?lang=de");

        Assert.Contains("At most 3 days: older messages are never shown", english);
        Assert.Contains("Hackspace Example e.V.", english);
        Assert.Contains("In the operator's words:", english);
        Assert.Contains("Nightly, kept for 14 days.", english);
        Assert.Contains("Höchstens 3 Tage: ältere Nachrichten werden nie mehr angezeigt", german);
        Assert.Contains("In den Worten des Betreibers:", german);

        using var response = await component.Http.GetAsync("/privacy");
        Assert.Equal("default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
            response.Headers.GetValues("Content-Security-Policy").Single());
        using var bad = await component.Http.GetAsync("/privacy?lang=xx");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    /// <summary>The page as Debian's Chromium renders it, headless: the DOM after parsing, as text.</summary>
    private static async Task<string> RenderAsync(string url)
    {
        var profile = Directory.CreateTempSubdirectory("xmpp-privacy-chromium-");
        try
        {
            var start = new ProcessStartInfo("chromium")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-dev-shm-usage",
                         $"--user-data-dir={profile.FullName}", "--dump-dom", url])
                start.ArgumentList.Add(argument);
            using var browser = Process.Start(start)!;
            var output = browser.StandardOutput.ReadToEndAsync();
            _ = browser.StandardError.ReadToEndAsync();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(90));
            try
            {
                await browser.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                browser.Kill(entireProcessTree: true);
                throw new TimeoutException("Chromium did not render the page within 90 s.");
            }
            return WebUtility.HtmlDecode(await output);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
