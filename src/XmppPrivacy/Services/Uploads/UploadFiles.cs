using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace XmppPrivacy.Services.Uploads;

/// <summary>
/// The upload folder: <c>files/&lt;id&gt;</c> for stored files and <c>tmp/</c> for uploads in progress. A path is
/// only ever made from an id this class generated and checked (22 base64url characters): no client text
/// reaches the file system.
/// </summary>
public sealed partial class UploadFiles
{
    private readonly string _files;
    private readonly string _temporary;

    /// <summary>Temporary files of this process start with it; any other one was left by an interrupted process.</summary>
    private readonly string _run = NewId()[..8];

    public UploadFiles(UploadOptions options)
    {
        var root = Path.GetFullPath(options.StoragePath);
        _files = Path.Combine(root, "files");
        _temporary = Path.Combine(root, "tmp");
    }

    /// <summary>128 random bits from the operating system's CSPRNG, base64url: a file's name on disk and in its URL.</summary>
    public static string NewId() => Base64Url(RandomNumberGenerator.GetBytes(16));

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static bool IsId(string? text) => text is not null && IdPattern().IsMatch(text);

    /// <summary>Creates the folders (at start; a failure there stops the process with the reason).</summary>
    public void EnsureFolders()
    {
        Directory.CreateDirectory(_files);
        Directory.CreateDirectory(_temporary);
    }

    /// <summary>The stored file of <paramref name="id"/>.</summary>
    public string PathOf(string id) => IsId(id) ? Path.Combine(_files, id) : throw new ArgumentException("Not an upload id.", nameof(id));

    /// <summary>
    /// A new temporary file for an upload to <paramref name="id"/>, created exclusively and only readable by us, with
    /// <paramref name="size"/> bytes reserved on disk at once (a disk without room fails here, before any byte is read).
    /// Unbuffered and synchronous: the upload writes each block it receives with one system call.
    /// </summary>
    public FileStream CreateTemporary(string id, out string path, long size = 0)
    {
        if (!IsId(id)) throw new ArgumentException("Not an upload id.", nameof(id));
        path = Path.Combine(_temporary, $"{_run}.{id}.{NewId()[..8]}.part");
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0, PreallocationSize = size,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            return new FileStream(path, options);
        }
        catch (IOException e) when (size > 0 && AvailableBytes() < size)
        {
            // .NET reports a reservation that did not fit as a plain IOException (and has removed the file).
            throw new StorageFullException(e);
        }
    }

    /// <summary>
    /// Puts a complete, flushed temporary file in place under its id (a rename within one file system), then flushes
    /// the folder so the rename itself is on disk: a crash right after the upload is acknowledged cannot lose it.
    /// </summary>
    public void MoveIntoPlace(string temporary, string id)
    {
        File.Move(temporary, PathOf(id), overwrite: false);
        SyncFolder(_files);
    }

    /// <summary>Bytes free for us in the storage folder's file system, or null when that cannot be told.</summary>
    public long? AvailableBytes()
    {
        try
        {
            return new DriveInfo(_files).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    /// <summary>
    /// fsync(2) of a folder, which makes the names created or renamed in it durable (.NET has no call for it). Unix
    /// only; on Windows a completed MoveFileEx is already durable with the file's own flush.
    /// </summary>
    public static void SyncFolder(string folder)
    {
        if (OperatingSystem.IsWindows()) return;
        var descriptor = Posix.Open(Encoding.UTF8.GetBytes(folder + "\0"), 0 /* O_RDONLY */);
        if (descriptor < 0) throw new IOException("The storage folder could not be opened to flush it.", Marshal.GetLastPInvokeError());
        try
        {
            if (Posix.Fsync(descriptor) != 0)
                throw new IOException("The storage folder could not be flushed to disk.", Marshal.GetLastPInvokeError());
        }
        finally
        {
            _ = Posix.Close(descriptor);
        }
    }

    private static class Posix
    {
        [DllImport("libc", EntryPoint = "open", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Open(byte[] path, int flags);

        [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Fsync(int descriptor);

        [DllImport("libc", EntryPoint = "close", SetLastError = true)]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        public static extern int Close(int descriptor);
    }

    public void Delete(string id)
    {
        if (IsId(id)) DeleteFile(Path.Combine(_files, id));
    }

    public static void DeleteFile(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>The ids of the stored files (anything else in the folder is not ours and is left alone).</summary>
    public IEnumerable<string> ListIds() =>
        Directory.Exists(_files) ? Directory.EnumerateFiles(_files).Select(Path.GetFileName).Where(IsId).Select(n => n!) : [];

    /// <summary>Removes temporary files that an earlier, interrupted process left; returns how many.</summary>
    public int RemoveInterrupted()
    {
        if (!Directory.Exists(_temporary)) return 0;
        var removed = 0;
        foreach (var path in Directory.EnumerateFiles(_temporary, "*.part"))
        {
            if (Path.GetFileName(path).StartsWith(_run + ".", StringComparison.Ordinal)) continue;
            DeleteFile(path);
            removed++;
        }
        return removed;
    }

    /// <summary>Temporary files present (for tests and health).</summary>
    public int TemporaryCount => Directory.Exists(_temporary) ? Directory.EnumerateFiles(_temporary).Count() : 0;

    /// <summary>Why the folder cannot be written, or null when a file can be created and deleted in it.</summary>
    public static string? CheckWritable(string storagePath)
    {
        try
        {
            var root = Path.GetFullPath(storagePath);
            Directory.CreateDirectory(root);
            var probe = Path.Combine(root, ".write-test-" + NewId()[..8]);
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return $"Upload:StoragePath '{storagePath}' is not writable by this user ({e.GetType().Name}); uploads will fail.";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{22}$")]
    private static partial Regex IdPattern();
}

/// <summary>The storage folder's disk has no room for an upload.</summary>
public sealed class StorageFullException(Exception inner) : IOException("No room for the upload on the storage folder's disk.", inner);
