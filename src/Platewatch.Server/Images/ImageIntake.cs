using Microsoft.Extensions.Options;
using Platewatch.Formats;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Images;

/// <summary>A multipart image part after intake: its hash, or why it was refused.</summary>
internal sealed record PartImage(string? Sha, string? Error);

/// <summary>
/// Turns the images that arrive with reads (inline base64, multipart parts, or hashes of earlier uploads) into
/// content-addressed references, checking each against the caps before it is stored.
/// </summary>
internal sealed class ImageIntake(IImageStore store, IOptions<LimitOptions> limits)
{
    /// <summary>Checks and stores one image; returns its SHA-256 hex or the reason it was refused.</summary>
    public async Task<(string? Sha, string? Error)> StoreAsync(ReadOnlyMemory<byte> bytes, string what, CancellationToken cancellationToken)
    {
        var caps = limits.Value;
        if (bytes.Length == 0) return (null, $"{what} is empty");
        if (bytes.Length > caps.MaxImageBytes) return (null, $"{what} is {bytes.Length} bytes; at most {caps.MaxImageBytes} are accepted");
        if (!ImageProbe.TryProbe(bytes.Span, out var info, out string why)) return (null, $"{what} is {why}");
        if ((long)info.Width * info.Height > caps.MaxImagePixels)
            return (null, $"{what} is {info.Width}x{info.Height} pixels; at most {caps.MaxImagePixels} pixels are accepted");
        return (await store.PutAsync(bytes, cancellationToken).ConfigureAwait(false), null);
    }

    /// <summary>
    /// Resolves the read's image fields in place to hashes. <paramref name="parts"/> maps multipart part names
    /// (and file names) to the hashes of the parts already stored. Returns the reason on failure.
    /// </summary>
    public async Task<string?> ResolveAsync(ReadDto dto, IReadOnlyDictionary<string, PartImage> parts, CancellationToken cancellationToken)
    {
        if (dto.Images is not { } img) return null;
        var (crop, cropError) = await ResolveOneAsync(img.PlateCrop, img.PlateCropBase64, "images.plateCrop", parts, cancellationToken).ConfigureAwait(false);
        if (cropError is not null) return cropError;
        var (context, contextError) = await ResolveOneAsync(img.Context, img.ContextBase64, "images.context", parts, cancellationToken).ConfigureAwait(false);
        if (contextError is not null) return contextError;
        dto.Images = crop is null && context is null ? null : new ImagesDto { PlateCrop = crop, Context = context };
        return null;
    }

    private async Task<(string? Sha, string? Error)> ResolveOneAsync(string? reference, string? base64, string field, IReadOnlyDictionary<string, PartImage> parts, CancellationToken cancellationToken)
    {
        if (base64 is not null)
        {
            if (reference is not null) return (null, $"{field}: give the image inline or by reference, not both");
            if (base64.Length > (limits.Value.MaxImageBytes * 4 / 3) + 4) return (null, $"{field}Base64 is larger than {limits.Value.MaxImageBytes} bytes");
            byte[] bytes;
            try
            {
                bytes = Convert.FromBase64String(base64);
            }
            catch (FormatException)
            {
                return (null, $"{field}Base64 is not valid base64");
            }
            return await StoreAsync(bytes, field, cancellationToken).ConfigureAwait(false);
        }
        if (reference is null) return (null, null);
        if (parts.TryGetValue(reference, out var part)) return part.Error is null ? (part.Sha, null) : (null, $"{field}: part '{reference}' was refused: {part.Error}");
        string sha = reference.ToLowerInvariant();
        if (!FileImageStore.IsHash(sha)) return (null, $"{field} must be a SHA-256 hex digest or the name of a multipart part of this request");
        if (!await store.ReferenceAsync(sha, cancellationToken).ConfigureAwait(false))
            return (null, $"{field} names an image the server does not have; send it inline ({field}Base64) or as a multipart part");
        return (sha, null);
    }
}
