using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Platewatch.Formats;
using Platewatch.Server.Hosting;
using Platewatch.Server.Images;

namespace Platewatch.Server.Ingest;

/// <summary>
/// An ingest request's body: JSON, or multipart with the JSON in one named field and images in the others.
/// Image parts are checked and stored as they are read, so the reads can refer to them by part name.
/// </summary>
internal sealed class IngestBody : IDisposable
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 16 };

    private IngestBody(JsonDocument json, Dictionary<string, PartImage> parts, string? firstImageSha)
    {
        Json = json;
        Parts = parts;
        FirstImageSha = firstImageSha;
    }

    public JsonDocument Json { get; }

    /// <summary>Image parts by field name and by file name.</summary>
    public IReadOnlyDictionary<string, PartImage> Parts { get; }

    /// <summary>The first image part that was accepted (a webhook's single "upload").</summary>
    public string? FirstImageSha { get; }

    public void Dispose() => Json.Dispose();

    public static async Task<(IngestBody? Body, ProblemHttpResult? Problem)> ReadAsync(
        HttpContext http, LimitOptions caps, ImageIntake images, string jsonField, CancellationToken cancellationToken)
    {
        if (http.Request.ContentLength > caps.MaxBodyBytes) return (null, TooLarge($"The body is larger than {caps.MaxBodyBytes} bytes."));
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = caps.MaxBodyBytes;

        if (!http.Request.HasFormContentType)
        {
            try
            {
                var doc = await JsonDocument.ParseAsync(http.Request.Body, DocumentOptions, cancellationToken).ConfigureAwait(false);
                return (new IngestBody(doc, [], null), null);
            }
            catch (JsonException ex)
            {
                return (null, BadRequest($"The body is not JSON: {ReadFiles.FirstSentence(ex.Message)}"));
            }
        }

        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions
        {
            MultipartBodyLengthLimit = caps.MaxBodyBytes,
            ValueLengthLimit = (int)Math.Min(int.MaxValue, caps.MaxBodyBytes),
            ValueCountLimit = 64,
        }));
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        if (form.Files.Count > caps.MaxImagesPerRequest)
            return (null, TooLarge($"The request has {form.Files.Count} files; at most {caps.MaxImagesPerRequest} are accepted at once."));

        string? json = form.TryGetValue(jsonField, out var value) ? value.ToString() : null;
        var parts = new Dictionary<string, PartImage>(StringComparer.Ordinal);
        string? first = null;
        foreach (var file in form.Files)
        {
            if (string.Equals(file.Name, jsonField, StringComparison.Ordinal))
            {
                using var reader = new StreamReader(file.OpenReadStream());
                json = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            PartImage part;
            if (file.Length > caps.MaxImageBytes)
            {
                part = new PartImage(null, $"{file.Length} bytes; at most {caps.MaxImageBytes} are accepted");
            }
            else
            {
                var bytes = new byte[file.Length];
                await using (var s = file.OpenReadStream())
                {
                    await s.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
                }
                var (sha, error) = await images.StoreAsync(bytes, $"part '{file.Name}'", cancellationToken).ConfigureAwait(false);
                part = new PartImage(sha, error);
                first ??= sha;
            }
            parts[file.Name] = part;
            if (!string.IsNullOrEmpty(file.FileName)) parts.TryAdd(file.FileName, part);
        }
        if (json is null) return (null, BadRequest($"The multipart body has no '{jsonField}' part holding the JSON."));
        try
        {
            return (new IngestBody(JsonDocument.Parse(json, DocumentOptions), parts, first), null);
        }
        catch (JsonException ex)
        {
            return (null, BadRequest($"The '{jsonField}' part is not JSON: {ReadFiles.FirstSentence(ex.Message)}"));
        }
    }

    public static ProblemHttpResult TooLarge(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request too large");

    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest);
}
