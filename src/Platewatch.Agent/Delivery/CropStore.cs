using System.Security.Cryptography;

namespace Platewatch.Agent.Delivery;

/// <summary>
/// The best plate crop of each pass, as <c>crops/SHA256.jpg</c> in the data directory: the name is the hash the read
/// carries in <c>images.plateCrop</c>. Bounded in bytes, the oldest removed first. The server has no image upload yet,
/// so this is where a read's crop can be found.
/// </summary>
internal sealed class CropStore
{
    private readonly string _dir;
    private readonly long _maxBytes;
    private readonly Lock _lock = new();
    private readonly Queue<(string Path, long Bytes)> _files = new();
    private long _bytes;

    public CropStore(string dataDirectory, long maxBytes)
    {
        _dir = Path.Combine(dataDirectory, "crops");
        _maxBytes = maxBytes;
        Directory.CreateDirectory(_dir);
        foreach (var f in new DirectoryInfo(_dir).EnumerateFiles("*.jpg").OrderBy(f => f.LastWriteTimeUtc))
        {
            _files.Enqueue((f.FullName, f.Length));
            _bytes += f.Length;
        }
    }

    public static string Hash(byte[] jpeg) => Convert.ToHexStringLower(SHA256.HashData(jpeg));

    public void Save(byte[] jpeg)
    {
        ArgumentNullException.ThrowIfNull(jpeg);
        string path = Path.Combine(_dir, Hash(jpeg) + ".jpg");
        lock (_lock)
        {
            if (File.Exists(path)) return;
            File.WriteAllBytes(path, jpeg);
            _files.Enqueue((path, jpeg.Length));
            _bytes += jpeg.Length;
            while (_bytes > _maxBytes && _files.Count > 1)
            {
                var (old, bytes) = _files.Dequeue();
                try { File.Delete(old); } catch (IOException) { }
                _bytes -= bytes;
            }
        }
    }
}
