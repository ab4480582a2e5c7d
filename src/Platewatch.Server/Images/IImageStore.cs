namespace Platewatch.Server.Images;

/// <summary>
/// Where plate crops and context images live, addressed by the SHA-256 of their bytes. A seam so that object
/// storage can replace the local disk without touching ingest or the image route.
/// </summary>
internal interface IImageStore
{
    /// <summary>Stores the bytes durably (idempotent: the same bytes give the same key) and returns their SHA-256 hex.</summary>
    Task<string> PutAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken);

    /// <summary>The image's bytes, or null when no image has that hash.</summary>
    Task<Stream?> OpenAsync(string sha256, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>
    /// A new read refers to an image already stored (by hash, or the same bytes sent again): true if it exists,
    /// and it is marked as in use now, so retention keeps it as long as its newest read.
    /// </summary>
    Task<bool> ReferenceAsync(string sha256, CancellationToken cancellationToken);

    /// <summary>Deletes images whose newest reference is older than the cutoff; returns how many.</summary>
    Task<long> PurgeOlderThanAsync(DateTimeOffset cutoff, CancellationToken cancellationToken);
}
