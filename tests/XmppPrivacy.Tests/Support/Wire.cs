using System.Text;
using System.Xml.Linq;
using XmppPrivacy.Streams;

namespace XmppPrivacy.Tests.Support;

/// <summary>Bytes of an inbound stream as a server sends it, and a reader run over them.</summary>
internal static class Wire
{
    public const string Header =
        "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' " +
        "xmlns:stream='http://etherx.jabber.org/streams' from='privacy.localhost' id='s1'>";

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();

    /// <summary>The header followed by <paramref name="afterHeader"/>.</summary>
    public static byte[] Stream(string afterHeader) => Utf8(Header + afterHeader);

    /// <summary>Reads the header and then every stanza until the stream ends.</summary>
    public static async Task<List<XElement>> ReadAllAsync(Stream input, StreamLimits? limits = null)
    {
        using var reader = new XmlStanzaReader(input, limits);
        return await ReadAllAsync(reader);
    }

    public static async Task<List<XElement>> ReadAllAsync(XmlStanzaReader reader)
    {
        await reader.ReadHeaderAsync(CancellationToken.None).WaitAsync(FakeServer.Patience);
        var stanzas = new List<XElement>();
        while (await reader.ReadStanzaAsync(CancellationToken.None).WaitAsync(FakeServer.Patience) is { } stanza)
            stanzas.Add(stanza);
        return stanzas;
    }

    public static Task<List<XElement>> ReadAllAsync(byte[] bytes, StreamLimits? limits = null) =>
        ReadAllAsync(new MemoryStream(bytes), limits);

    /// <summary>The stream error reading <paramref name="bytes"/> ends with.</summary>
    public static Task<StreamErrorException> StreamErrorAsync(byte[] bytes, StreamLimits? limits = null) =>
        Assert.ThrowsAsync<StreamErrorException>(() => ReadAllAsync(bytes, limits));
}
