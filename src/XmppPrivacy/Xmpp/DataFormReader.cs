using System.Xml.Linq;

namespace XmppPrivacy.Xmpp;

/// <summary>
/// Reads a submitted XEP-0004 form into var → values, refusing what no client sends: a form that is not
/// <c>submit</c>, more than <see cref="MaxFields"/> fields, a field without var, a duplicate var, a
/// value longer than <see cref="MaxValueLength"/>, too many values, or a wrong <c>FORM_TYPE</c>.
/// Values are trimmed; <c>FORM_TYPE</c> is checked and left out of the result.
/// </summary>
public static class DataFormReader
{
    public const int MaxFields = 32;
    public const int MaxValueLength = 3071;

    /// <param name="formType">The <c>FORM_TYPE</c> the form must have if it names one; null accepts any.</param>
    /// <param name="maxValues">The most values one field may carry.</param>
    public static Outcome<IReadOnlyDictionary<string, IReadOnlyList<string>>> Read(XElement form, string? formType, int maxValues)
    {
        if (form.Name != Ns.DataForms + "x" || (string?)form.Attribute("type") != "submit")
            return StanzaError.BadRequest("The form must be of type 'submit'.");
        var fields = form.Elements(Ns.DataForms + "field").Take(MaxFields + 1).ToList();
        if (fields.Count > MaxFields)
            return StanzaError.BadRequest($"A form has at most {MaxFields} fields.");
        var values = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var field in fields)
        {
            if ((string?)field.Attribute("var") is not { Length: > 0 and <= 256 } name)
                return StanzaError.BadRequest("Every field of the form needs a 'var'.");
            if (values.ContainsKey(name))
                return StanzaError.BadRequest("A field appears more than once in the form.");
            var list = field.Elements(Ns.DataForms + "value").Take(maxValues + 1).ToList();
            if (list.Count > maxValues)
                return StanzaError.BadRequest($"A field of the form has at most {maxValues} values.");
            var texts = new List<string>(list.Count);
            foreach (var value in list)
            {
                if (value.HasElements || value.Value.Length > MaxValueLength)
                    return StanzaError.BadRequest($"A value of the form is longer than {MaxValueLength} characters or not text.");
                texts.Add(value.Value.Trim());
            }
            values[name] = texts;
        }
        if (formType is not null && values.TryGetValue("FORM_TYPE", out var type) && !(type.Count == 1 && type[0] == formType))
            return StanzaError.BadRequest($"The form's FORM_TYPE must be {formType}.");
        values.Remove("FORM_TYPE");
        return new(values, null);
    }

    /// <summary>
    /// Reads the answer to the form <paramref name="asked"/>: a submission as <see cref="Read"/> reads it, with the
    /// asked form's <c>FORM_TYPE</c> if it has one, and every field it marks required present with a non-empty value.
    /// </summary>
    public static Outcome<IReadOnlyDictionary<string, IReadOnlyList<string>>> ReadAnswer(XElement form, DataForm asked, int maxValues)
    {
        var read = Read(form, asked.FormType, maxValues);
        if (read.Failed) return read;
        foreach (var field in asked.Fields.Where(f => f.Required && f.Var is not null))
            if (!read.Value!.TryGetValue(field.Var!, out var given) || !given.Any(v => v.Length > 0))
                return StanzaError.BadRequest($"The field '{field.Label ?? field.Var}' is required.");
        return read;
    }

    /// <summary>An XEP-0004 boolean: 1/true or 0/false, exactly one value.</summary>
    public static bool TryBoolean(IReadOnlyList<string> values, out bool value)
    {
        value = false;
        switch (values)
        {
            case ["1" or "true"]: value = true; return true;
            case ["0" or "false"]: return true;
            default: return false;
        }
    }
}
