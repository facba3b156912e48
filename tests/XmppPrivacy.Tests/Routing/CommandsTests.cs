using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Routing;

/// <summary>XEP-0050 as the router speaks it for every declared command.</summary>
public sealed class CommandsTests
{
    private const string Admin = "admin@localhost/pc";
    private const string User = "ivan@localhost/phone";

    private static Router Build(params IComponentService[] services) =>
        new(["privacy.localhost"], [new CoreService(), .. services], new IqTracker(), new TestLog().For<Router>());

    private static async Task<XElement> AskAsync(Router router, string from, object payload, string type = "set")
    {
        var outbound = new RecordingOutbound();
        await router.RouteAsync(Stanza.Iq(type, from, "privacy.localhost", "c1", payload), outbound, CancellationToken.None);
        await router.IdleAsync(); // commands are answered beside the stanza loop
        return Assert.Single(outbound.Sent);
    }

    private static XElement Command(string node, string? action = null, string? session = null, params object[] content) =>
        new(Ns.Commands + "command", new XAttribute("node", node),
            action is null ? null : new XAttribute("action", action), session is null ? null : new XAttribute("sessionid", session), content);

    private static XElement Submit(params (string Var, string Value)[] fields) =>
        DataForm.Submit(fields.Select(f => FormField.Value(f.Var, f.Value)).ToArray()).ToElement();

    [Fact]
    public async Task The_domain_advertises_commands_and_lists_only_those_the_asker_may_run()
    {
        var router = Build(new EchoCommands());

        var info = await AskAsync(router, User, new XElement(Ns.DiscoInfo + "query"), "get");
        var admin = await AskAsync(router, Admin, new XElement(Ns.DiscoItems + "query", new XAttribute("node", Ns.Commands.NamespaceName)), "get");
        var user = await AskAsync(router, User, new XElement(Ns.DiscoItems + "query", new XAttribute("node", Ns.Commands.NamespaceName)), "get");

        Assert.Contains(Ns.Commands.NamespaceName, info.Descendants(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
        Assert.Equal([("privacy.localhost", "echo", "Echo"), ("privacy.localhost", "hello", "Say hello")],
            admin.Descendants(Ns.DiscoItems + "item").Select(i => ((string?)i.Attribute("jid"), (string?)i.Attribute("node"), (string?)i.Attribute("name"))));
        Assert.Equal(["hello"], user.Descendants(Ns.DiscoItems + "item").Select(i => (string?)i.Attribute("node")));
    }

    [Fact]
    public async Task Disco_info_on_a_command_node_names_it_as_a_command_node_with_commands_and_data_forms()
    {
        var answer = await AskAsync(Build(new EchoCommands()), Admin, new XElement(Ns.DiscoInfo + "query", new XAttribute("node", "echo")), "get");

        var query = answer.Element(Ns.DiscoInfo + "query")!;
        Assert.Equal("echo", (string?)query.Attribute("node"));
        Assert.Equal([("automation", "command-node", "Echo")], query.Elements(Ns.DiscoInfo + "identity")
            .Select(i => ((string?)i.Attribute("category"), (string?)i.Attribute("type"), (string?)i.Attribute("name"))));
        Assert.Equal([Ns.Commands.NamespaceName, Ns.DataForms.NamespaceName], query.Elements(Ns.DiscoInfo + "feature").Select(f => (string?)f.Attribute("var")));
    }

    [Fact]
    public async Task Execute_without_a_form_answers_executing_with_the_form_a_complete_action_and_a_session()
    {
        var answer = await AskAsync(Build(new EchoCommands()), Admin, Command("echo", "execute"));

        var command = answer.Element(Ns.Commands + "command")!;
        Assert.Equal(("echo", "executing"), ((string?)command.Attribute("node"), (string?)command.Attribute("status")));
        Assert.False(string.IsNullOrEmpty((string?)command.Attribute("sessionid")));
        var actions = command.Element(Ns.Commands + "actions")!;
        Assert.Equal("complete", (string?)actions.Attribute("execute"));
        Assert.NotNull(actions.Element(Ns.Commands + "complete"));
        var form = command.Element(Ns.DataForms + "x")!;
        Assert.Equal(("form", "Echo", "Says it back."), ((string?)form.Attribute("type"), form.Element(Ns.DataForms + "title")?.Value, form.Element(Ns.DataForms + "instructions")?.Value));
        var field = form.Element(Ns.DataForms + "field")!;
        Assert.Equal(("text", "text-single", "Text", "hi"), ((string?)field.Attribute("var"), (string?)field.Attribute("type"), (string?)field.Attribute("label"), field.Element(Ns.DataForms + "value")?.Value));
        Assert.NotNull(field.Element(Ns.DataForms + "required"));
    }

    [Theory]
    [InlineData("complete")]
    [InlineData("execute")]
    [InlineData(null)]
    public async Task A_submitted_form_runs_the_command_with_its_values_and_completes_it_in_the_same_session(string? action)
    {
        var answer = await AskAsync(Build(new EchoCommands()), Admin, Command("echo", action, "s1", Submit(("text", " hello "), ("times", "2"))));

        var command = answer.Element(Ns.Commands + "command")!;
        Assert.Equal(("completed", "s1"), ((string?)command.Attribute("status"), (string?)command.Attribute("sessionid")));
        Assert.Equal(("info", "hello hello"), ((string?)command.Element(Ns.Commands + "note")?.Attribute("type"), command.Element(Ns.Commands + "note")?.Value));
        var result = command.Element(Ns.DataForms + "x")!;
        Assert.Equal("result", (string?)result.Attribute("type"));
        Assert.Equal(["text", "times"], result.Element(Ns.DataForms + "reported")!.Elements(Ns.DataForms + "field").Select(f => (string?)f.Attribute("var")));
        Assert.Equal(["hello", "2"], result.Element(Ns.DataForms + "item")!.Elements(Ns.DataForms + "field").Select(f => f.Element(Ns.DataForms + "value")?.Value));
    }

    [Fact]
    public async Task A_command_without_a_form_runs_on_execute()
    {
        var answer = await AskAsync(Build(new EchoCommands()), User, Command("hello"));

        var command = answer.Element(Ns.Commands + "command")!;
        Assert.Equal("completed", (string?)command.Attribute("status"));
        Assert.Equal("Hello ivan@localhost/phone.", command.Element(Ns.Commands + "note")?.Value);
        Assert.Null(command.Element(Ns.DataForms + "x"));
    }

    [Fact]
    public async Task Cancel_answers_canceled()
    {
        var answer = await AskAsync(Build(new EchoCommands()), Admin, Command("echo", "cancel", "s9"));

        var command = answer.Element(Ns.Commands + "command")!;
        Assert.Equal(("canceled", "s9"), ((string?)command.Attribute("status"), (string?)command.Attribute("sessionid")));
    }

    [Theory]
    [InlineData("next")]
    [InlineData("prev")]
    [InlineData("jump")]
    public async Task An_action_a_one_step_command_does_not_have_is_bad_request_with_bad_action(string action)
    {
        var answer = await AskAsync(Build(new EchoCommands()), Admin, Command("echo", action));

        StanzaAssert.Error(answer, "c1", "modify", "bad-request");
        Assert.NotNull(answer.Descendants(Ns.Commands + "bad-action").SingleOrDefault());
    }

    [Fact]
    public async Task An_unknown_command_is_item_not_found_and_one_the_asker_may_not_run_is_forbidden()
    {
        var router = Build(new EchoCommands());

        var unknown = await AskAsync(router, Admin, Command("nothing"));
        var forbidden = await AskAsync(router, User, Command("echo", "execute"));

        StanzaAssert.Error(unknown, "c1", "cancel", "item-not-found");
        StanzaAssert.Error(forbidden, "c1", "auth", "forbidden");
    }

    [Theory]
    [InlineData("times", "1")]
    [InlineData("text", "")]
    public async Task A_submission_without_a_required_field_is_bad_request_and_the_command_does_not_run(string var, string value)
    {
        var echo = new EchoCommands();

        var answer = await AskAsync(Build(echo), Admin, Command("echo", "complete", null, Submit((var, value))));

        StanzaAssert.Error(answer, "c1", "modify", "bad-request");
        Assert.Equal(0, echo.Runs);
    }

    [Fact]
    public async Task A_submission_the_form_reader_refuses_is_bad_request()
    {
        var form = Submit(("text", "a"));
        form.Add(FormField.Value("text", "b").ToElement());

        var answer = await AskAsync(Build(new EchoCommands()), Admin, Command("echo", "complete", null, form));

        StanzaAssert.Error(answer, "c1", "modify", "bad-request");
    }

    [Fact]
    public async Task An_error_the_command_returns_is_the_answer()
    {
        var answer = await AskAsync(Build(new EchoCommands()), Admin, Command("echo", "complete", null, Submit(("text", "x"), ("times", "0"))));

        StanzaAssert.Error(answer, "c1", "modify", "bad-request");
        Assert.Equal("'times' is a whole number from 1 to 3.", answer.Descendants(Ns.Stanzas + "text").Single().Value);
    }

    [Fact]
    public void Two_services_declaring_the_same_command_node_are_refused_when_the_router_is_built()
    {
        Assert.Throws<InvalidOperationException>(() => Build(new EchoCommands(), new EchoCommands()));
    }

    [Fact]
    public async Task A_slow_command_holds_up_no_other_stanza_and_a_user_running_too_many_at_once_is_told_to_wait()
    {
        var slow = new SlowCommand();
        var router = new Router(["privacy.localhost"], [new CoreService(), slow], new IqTracker(), new TestLog().For<Router>(),
            limits: new RequestLimits(perUser: 1, total: 8));
        var outbound = new RecordingOutbound();

        await router.RouteAsync(Stanza.Iq("set", User, "privacy.localhost", "slow-1", Command("slow")), outbound, CancellationToken.None);
        await router.RouteAsync(Stanza.Iq("set", User, "privacy.localhost", "slow-2", Command("slow")), outbound, CancellationToken.None);
        await router.RouteAsync(Stanza.Iq("get", User, "privacy.localhost", "ping", new XElement(Ns.Ping + "ping")), outbound, CancellationToken.None);

        // The ping and the refusal are answered while the first command still runs.
        Assert.Equal(["slow-2 error", "ping result"], outbound.Sent.Select(s => $"{s.Attribute("id")!.Value} {s.Attribute("type")!.Value}"));
        Assert.NotNull(outbound.Sent[0].Descendants(Ns.Stanzas + "resource-constraint").SingleOrDefault());
        slow.Release.SetResult();
        await router.IdleAsync();
        Assert.Equal("slow-1 result", $"{outbound.Sent[2].Attribute("id")!.Value} {outbound.Sent[2].Attribute("type")!.Value}");
    }

    private sealed class SlowCommand : IComponentService
    {
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyCollection<string>? Domains => ["privacy.localhost"];

        public void Declare(ServiceBuilder service) => service.Command("slow", "Slow", _ => true, null, async (_, _, _) =>
        {
            await Release.Task;
            return CommandResult.Completed("done");
        });
    }

    /// <summary>"echo" for the admin (a form with a required field), "hello" for anyone (no form).</summary>
    private sealed class EchoCommands : IComponentService
    {
        public int Runs { get; private set; }

        public IReadOnlyCollection<string>? Domains => ["privacy.localhost"];

        public void Declare(ServiceBuilder service) => service
            .Command("echo", "Echo", asker => asker.Bare.ToString() == "admin@localhost",
                DataForm.Form("Echo", "Says it back.", FormField.TextSingle("text", "Text", "hi", required: true), FormField.TextSingle("times", "Times", "1")),
                (_, submitted, _) =>
                {
                    Runs++;
                    var times = submitted.TryGetValue("times", out var t) ? t.Single() : "1";
                    if (times is not ("1" or "2" or "3")) return ValueTask.FromResult<CommandResult>(StanzaError.BadRequest("'times' is a whole number from 1 to 3."));
                    var text = submitted["text"].Single();
                    return ValueTask.FromResult(CommandResult.Completed(
                        string.Join(' ', Enumerable.Repeat(text, int.Parse(times, System.Globalization.CultureInfo.InvariantCulture))),
                        DataForm.Table("Echoed", [FormField.Column("text", "Text"), FormField.Column("times", "Times")],
                            [[FormField.Value("text", text), FormField.Value("times", times)]])));
                })
            .Command("hello", "Say hello", _ => true, null,
                (request, _, _) => ValueTask.FromResult(CommandResult.Completed($"Hello {request.From}.")));
    }
}
