using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Tests.Support;

internal static class StanzaAssert
{
    /// <summary>An error reply to stanza <paramref name="id"/> with one error of this type and condition.</summary>
    public static void Error(XElement answer, string id, string type, string condition)
    {
        Assert.Equal("error", answer.Type());
        Assert.Equal(id, answer.Id());
        var error = Assert.Single(answer.Elements(Ns.Component + "error"));
        Assert.Equal(type, (string?)error.Attribute("type"));
        Assert.NotNull(error.Element(Ns.Stanzas + condition));
    }
}
