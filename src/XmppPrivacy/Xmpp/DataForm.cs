using System.Xml.Linq;

namespace XmppPrivacy.Xmpp;

/// <summary>
/// An XEP-0004 data form as we write it: a form to fill in, a result (possibly a table of reported fields and
/// items), or a submission; an XEP-0128 extended disco form is a result carrying a hidden <c>FORM_TYPE</c>.
/// Read submitted forms with <see cref="DataFormReader"/>.
/// </summary>
public sealed record DataForm(string Type, IReadOnlyList<FormField> Fields)
{
    public string? Title { get; init; }
    public string? Instructions { get; init; }

    /// <summary>The columns of a result table (<c>&lt;reported/&gt;</c>); null when the form is no table.</summary>
    public IReadOnlyList<FormField>? Reported { get; init; }

    /// <summary>The rows of a result table (<c>&lt;item/&gt;</c>), each a field per reported column.</summary>
    public IReadOnlyList<IReadOnlyList<FormField>> Items { get; init; } = [];

    /// <summary>The value of the hidden <c>FORM_TYPE</c> field, if there is one.</summary>
    public string? FormType => Fields.FirstOrDefault(f => f.Var == "FORM_TYPE")?.Values.FirstOrDefault();

    /// <summary>A form for the asker to fill in.</summary>
    public static DataForm Form(string? title, string? instructions, params FormField[] fields) =>
        new("form", fields) { Title = title, Instructions = instructions };

    /// <summary>A result with plain fields.</summary>
    public static DataForm Result(string? title, params FormField[] fields) => new("result", fields) { Title = title };

    /// <summary>A result table: the reported columns, then one row of fields per item.</summary>
    public static DataForm Table(string? title, IReadOnlyList<FormField> reported, IEnumerable<IReadOnlyList<FormField>> items) =>
        new("result", []) { Title = title, Reported = reported, Items = items.ToList() };

    /// <summary>A submission of values.</summary>
    public static DataForm Submit(params FormField[] fields) => new("submit", fields);

    /// <summary>An XEP-0128 extended information form for disco#info: a result whose hidden <c>FORM_TYPE</c> names it.</summary>
    public static DataForm Extended(string formType, params FormField[] fields) =>
        new("result", [FormField.Hidden("FORM_TYPE", formType), .. fields]);

    public XElement ToElement()
    {
        var x = new XElement(Ns.DataForms + "x", new XAttribute("type", Type));
        if (Title is not null) x.Add(new XElement(Ns.DataForms + "title", Title));
        if (Instructions is not null) x.Add(new XElement(Ns.DataForms + "instructions", Instructions));
        x.Add(Fields.Select(f => f.ToElement()));
        if (Reported is not null) x.Add(new XElement(Ns.DataForms + "reported", Reported.Select(f => f.ToElement())));
        x.Add(Items.Select(row => new XElement(Ns.DataForms + "item", row.Select(f => f.ToElement()))));
        return x;
    }
}

/// <summary>One field of a <see cref="DataForm"/> (XEP-0004 §3.2), with its type, label, values and options.</summary>
public sealed record FormField(string? Var, string? Type = null, string? Label = null)
{
    public IReadOnlyList<string> Values { get; init; } = [];
    public bool Required { get; init; }
    public string? Description { get; init; }
    public IReadOnlyList<FormOption> Options { get; init; } = [];

    public static FormField TextSingle(string var, string? label = null, string? value = null, bool required = false) =>
        new(var, "text-single", label) { Values = One(value), Required = required };

    public static FormField TextMulti(string var, string? label = null, IEnumerable<string>? values = null, bool required = false) =>
        new(var, "text-multi", label) { Values = values?.ToList() ?? [], Required = required };

    public static FormField JidSingle(string var, string? label = null, string? value = null, bool required = false) =>
        new(var, "jid-single", label) { Values = One(value), Required = required };

    public static FormField Boolean(string var, string? label = null, bool? value = null, bool required = false) =>
        new(var, "boolean", label) { Values = value is { } v ? [v ? "1" : "0"] : [], Required = required };

    public static FormField ListSingle(string var, string? label, string? value, IEnumerable<FormOption> options, bool required = false) =>
        new(var, "list-single", label) { Values = One(value), Options = options.ToList(), Required = required };

    public static FormField ListMulti(string var, string? label, IEnumerable<string> values, IEnumerable<FormOption> options, bool required = false) =>
        new(var, "list-multi", label) { Values = values.ToList(), Options = options.ToList(), Required = required };

    public static FormField Hidden(string var, string value) => new(var, "hidden") { Values = [value] };

    public static FormField Fixed(string text) => new(null, "fixed") { Values = [text] };

    /// <summary>A column of a result table's <c>&lt;reported/&gt;</c>.</summary>
    public static FormField Column(string var, string? label = null, string? type = null) => new(var, type, label);

    /// <summary>A field with values only: a cell of a result table, or a submitted value.</summary>
    public static FormField Value(string var, params string[] values) => new(var) { Values = values };

    public XElement ToElement() =>
        new(Ns.DataForms + "field",
            Var is null ? null : new XAttribute("var", Var),
            Type is null ? null : new XAttribute("type", Type),
            Label is null ? null : new XAttribute("label", Label),
            Description is null ? null : new XElement(Ns.DataForms + "desc", Description),
            Required ? new XElement(Ns.DataForms + "required") : null,
            Values.Select(v => new XElement(Ns.DataForms + "value", v)),
            Options.Select(o => new XElement(Ns.DataForms + "option", o.Label is null ? null : new XAttribute("label", o.Label),
                new XElement(Ns.DataForms + "value", o.Value))));

    private static IReadOnlyList<string> One(string? value) => value is null ? [] : [value];
}

/// <summary>An option of a list field.</summary>
public sealed record FormOption(string Value, string? Label = null);
