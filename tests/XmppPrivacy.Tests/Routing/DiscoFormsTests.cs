using System.Xml.Linq;
using XmppPrivacy.Routing;
using XmppPrivacy.Services.Core;
using XmppPrivacy.Tests.Support;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Routing;

/// <summary>XEP-0128 extended forms in a domain's own disco#info, declared by its services.</summary>
public sealed class DiscoFormsTests
{
    private const string Upload = "urn:xmpp:http:upload:0";

    private static Router Build(params IComponentService[] services) =>
        new(["upload.localhost"], [new CoreService(), .. services], new IqTracker(), new TestLog().For<Router>());

    [Fact]
    public async Task A_form_declared_for_the_domain_follows_its_identities_and_features_in_disco_info()
    {
        var router = Build(new UploadLike());
        var outbound = new RecordingOutbound("upload.localhost");

        await router.RouteAsync(Stanza.Iq("get", "alice@localhost/phone", "upload.localhost", "d1", new XElement(Ns.DiscoInfo + "query")), outbound, CancellationToken.None);

        var query = Assert.Single(outbound.Sent).Element(Ns.DiscoInfo + "query")!;
        Assert.Equal(["identity", "feature", "feature", "feature", "feature", "feature", "x"], query.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(("store", "file", "HTTP File Upload"), query.Elements(Ns.DiscoInfo + "identity")
            .Select(i => ((string?)i.Attribute("category"), (string?)i.Attribute("type"), (string?)i.Attribute("name"))).Single());
        var form = query.Element(Ns.DataForms + "x")!;
        Assert.Equal("result", (string?)form.Attribute("type"));
        Assert.Equal([("FORM_TYPE", "hidden", Upload), ("max-file-size", null, "10485760")],
            form.Elements(Ns.DataForms + "field").Select(f => ((string?)f.Attribute("var"), (string?)f.Attribute("type"), f.Element(Ns.DataForms + "value")?.Value)));
    }

    [Fact]
    public void A_disco_form_without_form_type_or_not_a_result_is_refused()
    {
        var builder = new ServiceBuilder("upload.localhost");

        Assert.Throws<ArgumentException>(() => builder.InfoForm(DataForm.Result(null, FormField.Value("max-file-size", "1"))));
        Assert.Throws<ArgumentException>(() => builder.InfoForm(DataForm.Form(null, null, FormField.Hidden("FORM_TYPE", Upload))));
    }

    [Fact]
    public void Two_disco_forms_of_one_type_on_a_domain_are_refused_when_the_router_is_built()
    {
        Assert.Throws<InvalidOperationException>(() => Build(new UploadLike(), new UploadLike()));
    }

    private sealed class UploadLike : IComponentService
    {
        public IReadOnlyCollection<string>? Domains => null;

        public void Declare(ServiceBuilder service) => service
            .Identity("store", "file", "HTTP File Upload")
            .Feature(Upload)
            .InfoForm(DataForm.Extended(Upload, FormField.Value("max-file-size", "10485760")));
    }
}
