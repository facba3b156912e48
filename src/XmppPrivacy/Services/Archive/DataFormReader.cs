using System.Xml.Linq;
using XmppPrivacy.Xmpp;

namespace XmppPrivacy.Services.Archive;

/// <summary>
/// Reads a submitted XEP-0004 form into var → values, refusing what no client sends: a form that is not
/// <c>submit</c>, more than <see cref="MaxFields"/> fields, a field without var, a duplicate var, a
/// value longer than <see cref="MaxValueLength"/>, too many values, or a wrong <c>FORM_TYPE</c>.
/// </summary>
public static class DataFormReader
{
    public const int MaxFields = 32;
    public const int MaxValueLength = 3071;

    public static ArchiveOutcome<IReadOnlyDictionary<string, IReadOnlyList<string>>> Read(
        XElement form, string formType, int maxValues)
    {
        if ((string?)form.Attribute("type") != "submit")
            return StanzaError.BadRequest("The query form must be of type 'submit'.");
        var fields = form.Elements(ArchiveNs.DataForms + "field").Take(MaxFields + 1).ToList();
        if (fields.Count > MaxFields)
            return StanzaError.BadRequest($"A query form has at most {MaxFields} fields.");
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            if ((string?)field.Attribute("var") is not { Length: > 0 and <= 256 } name)
                return StanzaError.BadRequest("Every field of the query form needs a 'var'.");
            if (values.ContainsKey(name))
                return StanzaError.BadRequest("A field appears more than once in the query form.");
            var list = field.Elements(ArchiveNs.DataForms + "value").Take(maxValues + 1).ToList();
            if (list.Count > maxValues)
                return StanzaError.BadRequest($"A field of the query form has at most {maxValues} values.");
            var texts = new List<string>(list.Count);
            foreach (var value in list)
            {
                if (value.HasElements || value.Value.Length > MaxValueLength)
                    return StanzaError.BadRequest($"A value of the query form is longer than {MaxValueLength} characters or not text.");
                texts.Add(value.Value.Trim());
            }
            values[name] = texts;
        }
        if (values.TryGetValue("FORM_TYPE", out var type) && !(type.Count == 1 && type[0] == formType))
            return StanzaError.BadRequest($"The query form's FORM_TYPE must be {formType}.");
        values.Remove("FORM_TYPE");
        return new(values, null);
    }
}
