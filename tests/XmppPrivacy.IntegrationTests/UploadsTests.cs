using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security;
using System.Text;
using System.Xml.Linq;
using Microsoft.Data.Sqlite;
using XmppPrivacy.IntegrationTests.Infrastructure;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.IntegrationTests;

/// <summary>
/// HTTP File Upload (XEP-0363) through a real Prosody: slots asked for by a real client over c2s, files PUT and
/// fetched over real HTTP from the component's endpoint, the clipboard with its own retention, quotas, expiry,
/// account deletion, and the Upload rows of shared/hostile-inputs.md.
/// </summary>
[Collection(RealServers.Name)]
public sealed class UploadsTests
{
    internal static readonly XNamespace Upload = "urn:xmpp:http:upload:0";
    private const string Clipboard = "clipboard.localhost";

    private static Dictionary<string, string?> Options(params (string Key, string Value)[] more)
    {
        var options = new Dictionary<string, string?> { ["Upload:Services"] = Clipboard + "=24h" };
        foreach (var (key, value) in more) options[key] = value;
        return options;
    }

    private static async Task<(ProsodyServer, ComponentUnderTest, XmppTestClient)> StartAsync(Dictionary<string, string?> options, string user = "alice")
    {
        var prosody = await ProsodyServer.StartAsync();
        var component = await ComponentUnderTest.StartAsync(prosody, options);
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync(user, user + "-secret");
        var client = await XmppTestClient.LoginAsync(prosody.C2sPort, user, user + "-secret");
        return (prosody, component, client);
    }

    internal static Task<XElement> RequestSlotAsync(XmppTestClient client, string size, string filename = "photo.jpg",
        string? contentType = "image/jpeg", string domain = ProsodyServer.UploadDomain) =>
        client.IqAsync($"<iq type='get' to='{domain}'><request xmlns='urn:xmpp:http:upload:0' filename='{SecurityElement.Escape(filename)}' size='{size}'"
            + (contentType is null ? "" : $" content-type='{SecurityElement.Escape(contentType)}'") + "/></iq>");

    internal sealed record Slot(string Put, string Get, string Authorization);

    internal static Slot SlotOf(XElement reply)
    {
        Assert.True((string?)reply.Attribute("type") == "result", reply.ToString());
        var slot = reply.Element(Upload + "slot")!;
        var put = slot.Element(Upload + "put")!;
        return new Slot((string)put.Attribute("url")!, (string)slot.Element(Upload + "get")!.Attribute("url")!,
            put.Elements(Upload + "header").Single(h => (string?)h.Attribute("name") == "Authorization").Value);
    }

    internal static async Task<Slot> GrantAsync(XmppTestClient client, int size, string filename = "photo.jpg", string? contentType = "image/jpeg",
        string domain = ProsodyServer.UploadDomain) => SlotOf(await RequestSlotAsync(client, size.ToString(), filename, contentType, domain));

    internal static async Task<HttpResponseMessage> PutAsync(Slot slot, byte[] body, string? contentType = "image/jpeg", string? authorization = null)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, slot.Put) { Content = new ByteArrayContent(body) };
        if (contentType is not null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        request.Headers.TryAddWithoutValidation("Authorization", authorization ?? slot.Authorization);
        return await http.SendAsync(request);
    }

    private static string IdOf(string url) => new Uri(url).Segments[2].TrimEnd('/');

    private static string FilesFolder(ComponentUnderTest component) => Path.Combine(component.State, "uploads", "files");

    private static string[] Files(ComponentUnderTest component, string sub = "files")
    {
        var folder = Path.Combine(component.State, "uploads", sub);
        return Directory.Exists(folder) ? Directory.GetFiles(folder) : [];
    }

    private static long Rows(ComponentUnderTest component)
    {
        using var connection = new SqliteConnection($"Data Source={component.DatabasePath};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM upload_files;";
        return (long)command.ExecuteScalar()!;
    }

    private static StanzaAssertion Error(XElement reply) => new(reply);

    internal sealed record StanzaAssertion(XElement Reply)
    {
        public XElement Error => Reply.Element(Ns.Component + "error") ?? throw new Xunit.Sdk.XunitException("Not an error: " + Reply);
        public string Condition => Error.Elements().First(e => e.Name.Namespace == Ns.Stanzas).Name.LocalName;
        public string Type => (string)Error.Attribute("type")!;
    }

    [Fact]
    public async Task Disco_finds_both_upload_services_with_their_identity_retention_and_max_file_size()
    {
        var (prosody, component, alice) = await StartAsync(Options(("Upload:MaxFileSize", "5000000")));
        await using var _ = prosody;
        await using var __ = component;
        await using var ___ = alice;

        var items = await alice.IqAsync("<iq type='get' to='localhost'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>");
        var listed = items.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("jid")).ToList();
        Assert.Contains(ProsodyServer.UploadDomain, listed);
        Assert.Contains(Clipboard, listed);

        foreach (var (domain, kept) in new[] { (ProsodyServer.UploadDomain, "30 days"), (Clipboard, "24 hours") })
        {
            var info = await alice.IqAsync($"<iq type='get' to='{domain}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
            var identity = info.Descendants(Ns.DiscoInfo + "identity").Single(i => (string?)i.Attribute("category") == "store");
            Assert.Equal("file", (string?)identity.Attribute("type"));
            Assert.Contains(kept, (string?)identity.Attribute("name"), StringComparison.Ordinal);
            Assert.Contains(info.Descendants(Ns.DiscoInfo + "feature"), f => (string?)f.Attribute("var") == Upload.NamespaceName);
            var form = info.Descendants(Ns.DataForms + "x").Single(x => x.Elements(Ns.DataForms + "field")
                .Any(f => (string?)f.Attribute("var") == "FORM_TYPE" && f.Value == Upload.NamespaceName));
            Assert.Equal("5000000", form.Elements(Ns.DataForms + "field").Single(f => (string?)f.Attribute("var") == "max-file-size").Value);
        }
        var health = (await component.HealthAsync()).GetProperty("uploads").GetProperty("services").EnumerateArray()
            .Select(s => (s.GetProperty("domain").GetString(), s.GetProperty("expiresAfterSeconds").GetDouble())).ToList();
        Assert.Equal([(ProsodyServer.UploadDomain, 30 * 86400.0), (Clipboard, 86400.0)], health);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_granted_slot_takes_one_PUT_and_the_file_is_served_byte_identical_with_headers_that_stop_a_browser_running_it()
    {
        var (prosody, component, alice) = await StartAsync(Options());
        await using var _ = prosody;
        await using var __ = component;
        await using var ___ = alice;
        var body = new byte[300_000];
        Random.Shared.NextBytes(body);

        var slot = await GrantAsync(alice, body.Length, "holiday photo ü.jpg");
        Assert.Equal(slot.Put, slot.Get);
        Assert.DoesNotContain("holiday", slot.Get, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", slot.Get, StringComparison.Ordinal);
        Assert.StartsWith(component.Http.BaseAddress + "upload/", slot.Get, StringComparison.Ordinal);
        using (var put = await PutAsync(slot, body)) Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        using var http = new HttpClient();
        using var get = await http.GetAsync(slot.Get);
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(body, await get.Content.ReadAsByteArrayAsync());
        Assert.Equal("image/jpeg", get.Content.Headers.ContentType!.MediaType);
        Assert.Equal("nosniff", get.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("sandbox; default-src 'none'", get.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Equal("inline; filename*=UTF-8''holiday%20photo%20%C3%BC.jpg", get.Content.Headers.GetValues("Content-Disposition").Single());
        var etag = get.Headers.ETag!;

        // The file is on disk under its id alone, and the temporary file is gone.
        Assert.Equal(IdOf(slot.Get), Path.GetFileName(Assert.Single(Files(component))));
        Assert.Empty(Files(component, "tmp"));

        using var head = await http.SendAsync(new HttpRequestMessage(HttpMethod.Head, slot.Get));
        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(body.Length, head.Content.Headers.ContentLength);

        using var range = new HttpRequestMessage(HttpMethod.Get, slot.Get);
        range.Headers.Range = new RangeHeaderValue(10, 19);
        using var partial = await http.SendAsync(range);
        Assert.Equal(HttpStatusCode.PartialContent, partial.StatusCode);
        Assert.Equal(body[10..20], await partial.Content.ReadAsByteArrayAsync());

        // A range across the 256 KiB blocks the file is sent in.
        using var across = new HttpRequestMessage(HttpMethod.Get, slot.Get);
        across.Headers.Range = new RangeHeaderValue(262_000, 262_300);
        using var acrossPartial = await http.SendAsync(across);
        Assert.Equal(HttpStatusCode.PartialContent, acrossPartial.StatusCode);
        Assert.Equal(body[262_000..262_301], await acrossPartial.Content.ReadAsByteArrayAsync());

        // More than one range is answered with the whole file, never a multipart body.
        using var ranges = new HttpRequestMessage(HttpMethod.Get, slot.Get);
        ranges.Headers.TryAddWithoutValidation("Range", "bytes=0-1,5-6");
        using var whole = await http.SendAsync(ranges);
        Assert.Equal(HttpStatusCode.OK, whole.StatusCode);
        Assert.Equal(body.Length, (await whole.Content.ReadAsByteArrayAsync()).Length);

        using var conditional = new HttpRequestMessage(HttpMethod.Get, slot.Get);
        conditional.Headers.IfNoneMatch.Add(etag);
        using var notModified = await http.SendAsync(conditional);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // One use: the slot cannot be PUT again.
        using (var replay = await PutAsync(slot, body)) Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal(body, await http.GetByteArrayAsync(slot.Get));

        // The clipboard is a second service with the same protocol.
        var clip = await GrantAsync(alice, 5, "note.txt", "text/plain; charset=utf-8", Clipboard);
        using (var put = await PutAsync(clip, "hello"u8.ToArray(), "text/plain; charset=utf-8")) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("hello", await http.GetStringAsync(clip.Get));
        Assert.Empty(component.ErrorLines());
        Assert.DoesNotContain("holiday", component.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("127.0.0.1", component.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oversize_and_over_quota_requests_get_the_XEP_errors_and_an_unused_slot_gives_its_bytes_back()
    {
        var (prosody, component, alice) = await StartAsync(Options(("Upload:MaxFileSize", "1000"), ("Upload:QuotaPerUser", "2500"),
            ("Upload:SlotExpiresAfter", "10s"), ("Sweeps:Interval", "1s")));
        await using var _ = prosody;
        await using var __ = component;
        await using var ___ = alice;

        var oversize = Error(await RequestSlotAsync(alice, "1001"));
        Assert.Equal("not-acceptable", oversize.Condition);
        Assert.Equal("modify", oversize.Type);
        Assert.Equal("1000", oversize.Error.Element(Upload + "file-too-large")!.Element(Upload + "max-file-size")!.Value);

        await GrantAsync(alice, 1000);
        var stored = await GrantAsync(alice, 1000);
        using (var put = await PutAsync(stored, new byte[1000])) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        var over = Error(await RequestSlotAsync(alice, "1000"));
        Assert.Equal("resource-constraint", over.Condition);
        Assert.Equal("wait", over.Type);
        var stamp = DateTimeOffset.Parse((string)over.Error.Element(Upload + "retry")!.Attribute("stamp")!);
        Assert.True(stamp > DateTimeOffset.UtcNow.AddSeconds(-1) && stamp < DateTimeOffset.UtcNow.AddMinutes(1), stamp.ToString("O"));
        // A smaller request still fits; the first, unused slot expires and its bytes count no more.
        await GrantAsync(alice, 500);
        await Repo.WaitUntilAsync(async () => (string?)(await RequestSlotAsync(alice, "900")).Attribute("type") == "result",
            TimeSpan.FromSeconds(30), "the unused slot expired");
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_file_past_its_retention_is_404_before_any_sweep_and_gone_from_disk_and_database_within_one_sweep()
    {
        // No sweep after the one at start: only the check on every request stands between the file and a download.
        var (prosody, component, alice) = await StartAsync(Options(("Upload:Services", Clipboard + "=2s"), ("Sweeps:Interval", "1h")));
        await using var _ = prosody;
        await using (component)
        {
            var slot = await GrantAsync(alice, 4, "a.txt", "text/plain", Clipboard);
            using (var put = await PutAsync(slot, "abcd"u8.ToArray(), "text/plain")) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            await Repo.WaitUntilAsync(async () => (await component.Http.GetAsync(slot.Get)).StatusCode == HttpStatusCode.NotFound,
                TimeSpan.FromSeconds(20), "the file is no longer served");
            Assert.Equal(HttpStatusCode.NotFound, (await component.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, slot.Get))).StatusCode);
            Assert.Single(Files(component));
        }

        await using var swept = await ComponentUnderTest.StartAsync(prosody, Options(("Upload:Services", Clipboard + "=2s"), ("Sweeps:Interval", "1s")));
        await swept.WaitForAllConnectedAsync();
        var fresh = await GrantAsync(alice, 4, "b.txt", "text/plain", Clipboard);
        using (var put = await PutAsync(fresh, "efgh"u8.ToArray(), "text/plain")) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await Repo.WaitUntilAsync(() => Task.FromResult(Files(swept).Length == 0 && Rows(swept) == 0), TimeSpan.FromSeconds(20),
            "the file and its row are deleted");
        // Once the sweep deleted the row, nothing tells the file was there.
        Assert.Equal(HttpStatusCode.NotFound, (await swept.Http.GetAsync(fresh.Get)).StatusCode);
        await alice.DisposeAsync();
        Assert.Empty(swept.ErrorLines());
    }

    [Fact]
    public async Task Each_service_has_its_own_quota_per_user_so_full_uploads_leave_the_clipboard_usable()
    {
        var (prosody, component, alice) = await StartAsync(Options(("Upload:MaxFileSize", "2000"), ("Upload:QuotaPerUser", "2500")));
        await using var _ = prosody;
        await using var __ = component;
        await using var ___ = alice;

        var file = await GrantAsync(alice, 2000);
        using (var put = await PutAsync(file, new byte[2000])) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("resource-constraint", Error(await RequestSlotAsync(alice, "1000")).Condition);

        var clip = await GrantAsync(alice, 2000, "note.txt", "text/plain", Clipboard);
        using (var put = await PutAsync(clip, new byte[2000], "text/plain")) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal("resource-constraint", Error(await RequestSlotAsync(alice, "1000", "more.txt", "text/plain", Clipboard)).Condition);
        Assert.Equal("resource-constraint", Error(await RequestSlotAsync(alice, "1000")).Condition);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task A_full_disk_refuses_the_slot_or_the_PUT_with_507_leaving_no_file_or_row_and_the_quota_is_given_back()
    {
        // A real full disk: a 2 MiB tmpfs as the storage folder (the tests run as root).
        var mount = Repo.TempDirectory("xp-upload-full");
        var (mounted, why) = await Repo.RunAsync("mount", ["-t", "tmpfs", "-o", "size=2m", "tmpfs", mount]);
        Assert.True(mounted == 0, "mounting a tmpfs for the full-disk test failed (the tests must run as root): " + why);
        try
        {
            var (prosody, component, alice) = await StartAsync(Options(("Upload:StoragePath", mount), ("Upload:MaxFileSize", "10000000"),
                ("Upload:QuotaPerUser", "2000000")));
            await using var _ = prosody;
            await using var __ = component;
            await using var ___ = alice;
            int StoredRows() => (int)Rows(component);
            string[] In(string sub) => Directory.GetFiles(Path.Combine(mount, sub));

            // Clearly more than the free space: refused at once, before any byte is sent.
            var big = Error(await RequestSlotAsync(alice, "3000000", "big.bin", "application/octet-stream"));
            Assert.Equal("resource-constraint", big.Condition);
            Assert.Equal("wait", big.Type);
            Assert.Equal(0, StoredRows());

            var body = new byte[1_500_000];
            Random.Shared.NextBytes(body);
            var slot = await GrantAsync(alice, body.Length, "a.bin", "application/octet-stream");
            // Something else fills the disk between the slot and its PUT.
            var filler = Path.Combine(mount, "filler");
            await File.WriteAllBytesAsync(filler, new byte[1_000_000]);
            using (var put = await PutAsync(slot, body, "application/octet-stream"))
            {
                Assert.Equal((HttpStatusCode)507, put.StatusCode);
                Assert.DoesNotContain("/", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            }
            Assert.Empty(In("tmp"));
            Assert.Empty(In("files"));
            Assert.Equal(0, StoredRows());
            Assert.Equal(HttpStatusCode.NotFound, (await component.Http.GetAsync(slot.Get)).StatusCode);

            // Room again, no restart: a new slot of the same size fits the 2 MB quota only because the failed one gave its bytes back.
            File.Delete(filler);
            var again = await GrantAsync(alice, body.Length, "a.bin", "application/octet-stream");
            using (var put = await PutAsync(again, body, "application/octet-stream")) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            using var http = new HttpClient();
            Assert.Equal(body, await http.GetByteArrayAsync(again.Get));
            Assert.Empty(In("tmp"));
            Assert.Empty(component.ErrorLines());
        }
        finally
        {
            var (unmounted, output) = await Repo.RunAsync("umount", [mount]);
            Directory.Delete(mount);
            Assert.True(unmounted == 0, "umount failed: " + output);
        }
    }

    [Fact]
    public async Task Deleting_an_account_deletes_its_files_and_rows_and_nobody_else_s()
    {
        var (prosody, component, alice) = await StartAsync(Options());
        await using var _ = prosody;
        await using var __ = component;
        await prosody.RegisterAsync("bob", "bob-secret");
        await using var bob = await XmppTestClient.LoginAsync(prosody.C2sPort, "bob", "bob-secret");
        var mine = await GrantAsync(alice, 3);
        using (var put = await PutAsync(mine, [1, 2, 3])) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        await GrantAsync(alice, 3, "unused.jpg");
        var his = await GrantAsync(bob, 3, "x.jpg", domain: Clipboard);
        using (var put = await PutAsync(his, [4, 5, 6])) Assert.Equal(HttpStatusCode.Created, put.StatusCode);

        var removed = await alice.IqAsync("<iq type='set'><query xmlns='jabber:iq:register'><remove/></query></iq>");
        Assert.Equal("result", (string?)removed.Attribute("type"));
        await alice.DisposeAsync();

        await Repo.WaitUntilAsync(() => Task.FromResult(Rows(component) == 1), TimeSpan.FromSeconds(15), "alice's rows are deleted");
        Assert.Equal(IdOf(his.Get), Path.GetFileName(Assert.Single(Files(component))));
        Assert.Equal(HttpStatusCode.NotFound, (await component.Http.GetAsync(mine.Get)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await component.Http.GetAsync(his.Get)).StatusCode);
        Assert.Empty(component.ErrorLines());
    }

    /// <summary>What a component run as its own process needs: the link to <paramref name="prosody"/>, its HTTP port, database and upload folder.</summary>
    private static Dictionary<string, string> ProcessEnvironment(ProsodyServer prosody, string state, int httpPort, string storage) => new()
    {
        ["XMPPPRIVACY_Component__Port"] = prosody.ComponentPort.ToString(),
        ["XMPPPRIVACY_Component__Secret"] = prosody.Secret,
        ["XMPPPRIVACY_Http__Urls"] = $"http://127.0.0.1:{httpPort}",
        ["XMPPPRIVACY_Storage__Path"] = Path.Combine(state, "db.sqlite"),
        ["XMPPPRIVACY_Upload__StoragePath"] = storage,
    };

    [Fact]
    public async Task Killed_during_a_PUT_the_component_leaves_no_partial_file_and_serves_nothing_of_it_after_restart()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-upload-kill");
        var httpPort = Repo.FreePort();
        var storage = Path.Combine(state, "uploads");
        var environment = ProcessEnvironment(prosody, state, httpPort, storage);
        var process = await StartRunAsync(environment, httpPort);
        Process? restarted = null;
        try
        {
            await prosody.RegisterAsync("alice", "alice-secret");
            await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
            var slot = SlotOf(await RequestSlotAsync(alice, "10000000", "big.bin", "application/octet-stream"));
            var uri = new Uri(slot.Put);
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", uri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PUT {uri.PathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {slot.Authorization}\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n"));
            await stream.WriteAsync(new byte[4_000_000]);
            await stream.FlushAsync();
            var temporary = Path.Combine(storage, "tmp");
            await Repo.WaitUntilAsync(() => Task.FromResult(Directory.GetFiles(temporary).Any(f => new FileInfo(f).Length > 0)),
                TimeSpan.FromSeconds(20), "the upload is being written");

            process.Kill(entireProcessTree: true); // SIGKILL: nothing runs on the way out
            await process.WaitForExitAsync();
            Assert.NotEmpty(Directory.GetFiles(temporary));

            restarted = await StartRunAsync(environment, httpPort);
            Assert.Empty(Directory.GetFiles(temporary));
            Assert.Empty(Directory.GetFiles(Path.Combine(storage, "files")));
            using var http = new HttpClient();
            Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(slot.Get)).StatusCode);
            using var connection = new SqliteConnection($"Data Source={Path.Combine(state, "db.sqlite")};Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT COUNT(*) FROM upload_files WHERE state <> 'slot';";
            Assert.Equal(0L, (long)command.ExecuteScalar()!);
        }
        finally
        {
            foreach (var started in new[] { process, restarted })
            {
                if (started is null) continue;
                if (!started.HasExited) started.Kill(entireProcessTree: true);
                started.Dispose();
            }
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task Stopped_with_SIGTERM_during_a_PUT_the_component_exits_0_and_leaves_no_partial_file()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-upload-term");
        var httpPort = Repo.FreePort();
        var storage = Path.Combine(state, "uploads");
        var environment = ProcessEnvironment(prosody, state, httpPort, storage);
        using var process = await StartRunAsync(environment, httpPort);
        try
        {
            await prosody.RegisterAsync("alice", "alice-secret");
            await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
            var slot = SlotOf(await RequestSlotAsync(alice, "10000000", "big.bin", "application/octet-stream"));
            var uri = new Uri(slot.Put);
            using var tcp = new TcpClient();
            await tcp.ConnectAsync("127.0.0.1", uri.Port);
            var stream = tcp.GetStream();
            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"PUT {uri.PathAndQuery} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {slot.Authorization}\r\nContent-Type: application/octet-stream\r\nContent-Length: 10000000\r\n\r\n"));
            await stream.WriteAsync(new byte[2_000_000]);
            await stream.FlushAsync();
            var temporary = Path.Combine(storage, "tmp");
            await Repo.WaitUntilAsync(() => Task.FromResult(Directory.GetFiles(temporary).Any(f => new FileInfo(f).Length > 0)),
                TimeSpan.FromSeconds(20), "the upload is being written");

            await Repo.TerminateAsync(process.Id);
            using (var exit = new CancellationTokenSource(TimeSpan.FromSeconds(25))) await process.WaitForExitAsync(exit.Token);

            Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{Output}");
            Assert.Empty(Directory.GetFiles(temporary));
            Assert.Empty(Directory.GetFiles(Path.Combine(storage, "files")));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            Directory.Delete(state, recursive: true);
        }
    }

    /// <summary>What the processes started here wrote, for failure messages.</summary>
    private static readonly StringBuilder Output = new();

    private static async Task<Process> StartRunAsync(Dictionary<string, string> environment, int httpPort, string? traceFile = null)
    {
        var start = new ProcessStartInfo(traceFile is null ? "dotnet" : "strace")
            { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        if (traceFile is not null)
            foreach (var arg in new[] { "-f", "--seccomp-bpf", "-e", "trace=openat,fsync,fdatasync,rename,renameat,renameat2,link,linkat", "-o", traceFile, "dotnet" })
                start.ArgumentList.Add(arg);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "xmpp-privacy.dll"));
        start.ArgumentList.Add("run");
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (Output) Output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Output) Output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await ComponentChecks.WaitForHealthyProcessAsync(httpPort, timeout: TimeSpan.FromSeconds(traceFile is null ? 30 : 90));
        return process;
    }

    /// <summary>What the system call on <paramref name="index"/> returned, also when strace split it into unfinished and resumed.</summary>
    private static string Result(string[] lines, int index)
    {
        var line = lines[index];
        if (line.EndsWith("<unfinished ...>", StringComparison.Ordinal))
        {
            var pid = line[..line.IndexOf(' ')];
            line = lines.Skip(index + 1).First(l => l.StartsWith(pid + " <... openat resumed>", StringComparison.Ordinal));
        }
        return line[(line.LastIndexOf('=') + 1)..].Trim();
    }

    [Fact]
    public async Task Before_201_the_file_is_flushed_renamed_into_place_and_its_folder_flushed_so_a_crash_cannot_lose_it()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        var state = Repo.TempDirectory("xp-upload-sync");
        var httpPort = Repo.FreePort();
        var storage = Path.Combine(state, "uploads");
        var trace = Path.Combine(state, "strace.txt");
        var environment = ProcessEnvironment(prosody, state, httpPort, storage);
        // The real process under strace(1): the system calls show what reached the disk before the answer.
        var process = await StartRunAsync(environment, httpPort, trace);
        try
        {
            await prosody.RegisterAsync("alice", "alice-secret");
            await using var alice = await XmppTestClient.LoginAsync(prosody.C2sPort, "alice", "alice-secret");
            var slot = SlotOf(await RequestSlotAsync(alice, "100000", "a.bin", "application/octet-stream"));
            using (var put = await PutAsync(slot, new byte[100_000], "application/octet-stream")) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            var lines = await File.ReadAllLinesAsync(trace);
            var folder = Path.Combine(storage, "files");
            var target = $"\"{Path.Combine(folder, IdOf(slot.Get))}\"";

            // The temporary file is opened and fsync'ed, then renamed (or linked) to files/<id>.
            var moved = Array.FindIndex(lines, l => l.Contains(target, StringComparison.Ordinal)
                && (l.Contains(" rename", StringComparison.Ordinal) || l.Contains(" link", StringComparison.Ordinal)));
            Assert.True(moved >= 0, "no rename into files/:\n" + string.Join('\n', lines.TakeLast(40)));
            var part = System.Text.RegularExpressions.Regex.Match(lines[moved], "\"([^\"]+\\.part)\"").Groups[1].Value;
            var openedPart = Array.FindLastIndex(lines, moved, l => l.Contains($"openat(AT_FDCWD, \"{part}\"", StringComparison.Ordinal));
            Assert.True(openedPart >= 0, "the temporary file was not opened: " + part);
            var partFd = Result(lines, openedPart);
            Assert.Contains(lines[openedPart..moved], l => l.Contains($"fsync({partFd})", StringComparison.Ordinal) && l.EndsWith("= 0", StringComparison.Ordinal));

            // Then the folder itself is opened and fsync'ed, which makes the new name durable.
            var openedFolder = Array.FindIndex(lines, moved, l => l.Contains($"openat(AT_FDCWD, \"{folder}\", O_RDONLY", StringComparison.Ordinal));
            Assert.True(openedFolder > moved, "the folder was not opened after the rename:\n" + string.Join('\n', lines[moved..]));
            var folderFd = Result(lines, openedFolder);
            Assert.Contains(lines[openedFolder..], l => l.Contains($"fsync({folderFd})", StringComparison.Ordinal) && l.EndsWith("= 0", StringComparison.Ordinal));
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            process.Dispose();
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task With_a_real_ejabberd_both_services_grant_slots_and_the_file_comes_back_byte_identical()
    {
        await using var ejabberd = await EjabberdServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(ejabberd, Options(("Upload:MaxFileSize", "200000")));
        await component.WaitForAllConnectedAsync();
        await ejabberd.RegisterAsync("alice", "alice-secret");
        await using var alice = await XmppTestClient.LoginAsync(ejabberd.C2sPort, "alice", "alice-secret");
        using var http = new HttpClient();

        foreach (var domain in new[] { EjabberdServer.UploadDomain, Clipboard })
        {
            var info = await alice.IqAsync($"<iq type='get' to='{domain}'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
            Assert.Contains(info.Descendants(Ns.DiscoInfo + "identity"), i => (string?)i.Attribute("category") == "store" && (string?)i.Attribute("type") == "file");
            var body = new byte[150_000];
            Random.Shared.NextBytes(body);
            var slot = await GrantAsync(alice, body.Length, "scan.pdf", "application/pdf", domain);
            using (var put = await PutAsync(slot, body, "application/pdf")) Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.Equal(body, await http.GetByteArrayAsync(slot.Get));
        }
        var oversize = Error(await RequestSlotAsync(alice, "200001"));
        Assert.Equal("not-acceptable", oversize.Condition);
        Assert.Equal("200000", oversize.Error.Element(Upload + "file-too-large")!.Element(Upload + "max-file-size")!.Value);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Slixmpp_s_HTTP_File_Upload_plugin_finds_the_service_uploads_to_both_and_gets_each_file_back()
    {
        await using var prosody = await ProsodyServer.StartAsync();
        await using var component = await ComponentUnderTest.StartAsync(prosody, Options(("Upload:MaxFileSize", "300000")));
        await component.WaitForAllConnectedAsync();
        await prosody.RegisterAsync("slix", "slix-secret");

        var (code, output) = await Repo.RunAsync("/usr/bin/python3",
            [Path.Combine(Repo.Root, "scripts", "check-uploads-with-slixmpp.py"), "--port", prosody.C2sPort.ToString(),
             "--user", "slix", "--password", "slix-secret"], timeout: TimeSpan.FromSeconds(90));

        Assert.True(code == 0, output);
        Assert.Contains("upload.localhost: uploaded scan.pdf and got it back byte-identical", output);
        Assert.Contains("clipboard.localhost: uploaded note.txt and got it back byte-identical", output);
        Assert.Contains("max-file-size 300000", output);
        Assert.Contains("oversize: not-acceptable", output);
        Assert.Empty(component.ErrorLines());
    }

    [Fact]
    public async Task Check_config_warns_when_the_storage_path_cannot_be_written()
    {
        var blocked = Path.Combine(Repo.TempDirectory("xp-upload-config"), "a-file");
        await File.WriteAllTextAsync(blocked, "");
        try
        {
            var (code, output) = await Repo.RunAsync("dotnet", [Path.Combine(AppContext.BaseDirectory, "xmpp-privacy.dll"), "check-config"],
                new Dictionary<string, string> { ["XMPPPRIVACY_Upload__StoragePath"] = Path.Combine(blocked, "uploads") });

            Assert.Equal(0, code);
            Assert.Contains("warning: Upload:StoragePath", output, StringComparison.Ordinal);
            Assert.Contains("is not writable", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(blocked)!, recursive: true);
        }
    }
}
