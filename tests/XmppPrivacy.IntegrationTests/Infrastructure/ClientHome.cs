namespace XmppPrivacy.IntegrationTests.Infrastructure;

/// <summary>
/// A home folder that a real client, run as the unprivileged user nobody, may write: its configuration and
/// data folders, and the test server's certificate (see <see cref="ProsodyServer.WithCertificate"/>) to trust.
/// </summary>
public sealed class ClientHome : IDisposable
{
    public ClientHome(ProsodyServer prosody)
    {
        Path = Repo.TempDirectory("xp-client-home");
        Directory.CreateDirectory(System.IO.Path.Combine(Path, ".config", "poezio"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, ".local", "share"));
        Certificate = System.IO.Path.Combine(Path, "server.crt");
        File.Copy(ProsodyServer.CertificateOf(prosody), Certificate);
    }

    public string Path { get; }
    public string Certificate { get; }

    /// <summary>Lets the unprivileged user own what is in the folder (call after writing configuration files).</summary>
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Open()
    {
        foreach (var entry in Directory.EnumerateFileSystemEntries(Path, "*", SearchOption.AllDirectories).Append(Path))
            File.SetUnixFileMode(entry, Directory.Exists(entry) ? (UnixFileMode)0b111_111_111 : (UnixFileMode)0b110_110_110);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
