using System.Security.Cryptography;

namespace Platewatch.Server.Images;

/// <summary>
/// Images on local disk at DIR/images/ab/cd/abcd…(64 hex). Content addressing makes a resent image free and a
/// tampered file detectable; the two-level fan-out keeps directories small at billions of reads.
/// Retention: a file's modification time is the time of its newest reference (set when stored, renewed when a
/// later read refers to it). Reads are ingested after they are captured, so a file last referenced before the
/// retention cutoff belongs only to reads captured before it, and purging by that time never removes an image
/// a kept read still shows. (A backlog ingested late keeps its images until the next purge after it ages out.)
/// </summary>
internal sealed class FileImageStore(string root) : IImageStore
{
    public string Root { get; } = Path.GetFullPath(root);

    public async Task<string> PutAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        string sha = Convert.ToHexStringLower(SHA256.HashData(bytes.Span));
        string path = PathOf(sha);
        if (Touch(path)) return sha;
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        // Write aside, fsync, then rename: a crash leaves either no file or the whole image, never a torn one
        // under a hash it does not match.
        string temp = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            await using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await fs.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
        return sha;
    }

    public Task<Stream?> OpenAsync(string sha256, CancellationToken cancellationToken)
    {
        if (!IsHash(sha256)) return Task.FromResult<Stream?>(null);
        string path = PathOf(sha256);
        return Task.FromResult<Stream?>(File.Exists(path) ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024, FileOptions.Asynchronous) : null);
    }

    public Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken) =>
        Task.FromResult(IsHash(sha256) && File.Exists(PathOf(sha256)));

    public Task<bool> ReferenceAsync(string sha256, CancellationToken cancellationToken) =>
        Task.FromResult(IsHash(sha256) && Touch(PathOf(sha256)));

    public Task<long> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long deleted = 0;
        if (!Directory.Exists(Root)) return Task.FromResult(0L);
        foreach (string file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            string name = Path.GetFileName(file);
            // Leftover temporaries of a crashed write go too; anything else in the folder is not ours to delete.
            bool ours = IsHash(name) || name.EndsWith(".tmp", StringComparison.Ordinal);
            if (ours && File.GetLastWriteTimeUtc(file) < cutoff.UtcDateTime)
            {
                File.Delete(file);
                deleted++;
            }
        }
        return Task.FromResult(deleted);
    }

    /// <summary>Renews the file's time if it exists; false if it does not.</summary>
    private static bool Touch(string path)
    {
        try
        {
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow);
            return true;
        }
        catch (FileNotFoundException)
        {
            return false;
        }
        catch (DirectoryNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Lower-case SHA-256 hex; anything else never reaches the file system (no path tricks through a key).</summary>
    public static bool IsHash(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    private string PathOf(string sha) => Path.Combine(Root, sha[..2], sha[2..4], sha);
}
