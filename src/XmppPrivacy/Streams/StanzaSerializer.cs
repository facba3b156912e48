using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace XmppPrivacy.Streams;

/// <summary>
/// Turns outbound stanzas into UTF-8 bytes with one long-lived <see cref="XmlWriter"/> per connection
/// (creating a writer per stanza, as <c>XElement.ToString</c> does, costs about 14 KB each time).
/// Characters XML cannot carry make it throw, so the caller learns of it; the writer is then renewed.
/// </summary>
internal sealed class StanzaSerializer
{
    private static readonly XmlWriterSettings Settings = new()
    {
        ConformanceLevel = ConformanceLevel.Fragment,
        OmitXmlDeclaration = true,
        Encoding = new UTF8Encoding(false),
        CheckCharacters = true,
        NamespaceHandling = NamespaceHandling.OmitDuplicates,
        Indent = false,
    };

    private readonly Lock _gate = new();
    private readonly MemoryStream _buffer = new();
    private XmlWriter _writer;

    public StanzaSerializer() => _writer = XmlWriter.Create(_buffer, Settings);

    public byte[] Serialize(XElement stanza)
    {
        lock (_gate)
        {
            try
            {
                stanza.WriteTo(_writer);
                _writer.Flush();
                return _buffer.ToArray();
            }
            catch
            {
                _writer = XmlWriter.Create(_buffer, Settings);
                throw;
            }
            finally
            {
                _buffer.SetLength(0);
            }
        }
    }
}
