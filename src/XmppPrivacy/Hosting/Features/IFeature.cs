namespace XmppPrivacy.Hosting.Features;

/// <summary>
/// A feature of the component: one folder under <c>Services/</c> whose one declaration says everything about
/// it — its options, schema, services and stanza handlers, sweeps, account data, HTTP routes, health, metrics
/// and CLI verbs — the way a Prosody <c>mod_x.lua</c> does at its top. The host lists the features in
/// <see cref="Catalogue"/>, one line each, and knows nothing else about them.
/// </summary>
public interface IFeature
{
    /// <summary>A short, stable name: the schema's key in the database and the feature's label in logs.</summary>
    string Name { get; }

    void Declare(FeatureBuilder feature);
}
