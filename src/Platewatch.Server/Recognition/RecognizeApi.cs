using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Platewatch.Formats;
using Platewatch.Reads;
using Platewatch.Recognition;
using Platewatch.Recognition.Evaluation;
using Platewatch.Server.Accounts;
using Platewatch.Server.Apis;
using Platewatch.Server.Hosting;
using Platewatch.Server.Images;
using Platewatch.Server.Ingest;

namespace Platewatch.Server.Recognition;

/// <summary>
/// The server's one recognizer, loaded on first use from the installed models (scripts/fetch-models.sh puts
/// them in place; nothing is downloaded here). Shared by all requests: the recognizer is thread-safe.
/// </summary>
internal sealed class RecognizerHost(IOptions<RecognitionOptions> options) : IDisposable
{
    private readonly Lazy<IPlateRecognizer> _recognizer = new(() => PlateRecognizer.Create(new RecognizerOptions
    {
        ModelsDirectory = options.Value.ModelsDirectory,
        IntraOpThreads = Math.Max(1, options.Value.Threads),
    }));

    /// <summary>Recognitions running at once; more wait, so a burst of photos cannot starve ingest of every core.</summary>
    public SemaphoreSlim Slots { get; } = new(Math.Max(1, options.Value.MaxConcurrent));

    public IPlateRecognizer Recognizer => _recognizer.Value;

    public void Dispose()
    {
        if (_recognizer.IsValueCreated) _recognizer.Value.Dispose();
        Slots.Dispose();
    }
}

/// <summary>Bound from the "Recognition" section.</summary>
internal sealed class RecognitionOptions
{
    /// <summary>The models folder; by default $PLATEWATCH_MODELS or models/ above the working directory.</summary>
    public string? ModelsDirectory { get; set; }

    public int Threads { get; set; } = Math.Min(2, Environment.ProcessorCount);

    public int MaxConcurrent { get; set; } = 1;
}

internal sealed record RecognizeResponse(JsonObject Recognition, IngestResponse Ingest);

/// <summary>
/// <c>POST /api/v1/recognize</c>: a camera sends a photo (multipart "image", with optional lat, lon, capturedAt,
/// region); the server reads the plates, keeps the photo as each read's context image, and stores the reads
/// through the same intake as every other route. The answer holds the OpenALPR-style result and the per-read outcome.
/// </summary>
internal static class RecognizeApi
{
    public static IEndpointRouteBuilder MapRecognizeEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/recognize", RecognizeAsync).RequireAuthorization(Policies.Ingest).RequireRateLimiting(PlatewatchServer.IngestLimiter)
            .DisableAntiforgery().WithTags("ingest");
        return app;
    }

    private static async Task<Results<Ok<RecognizeResponse>, ProblemHttpResult>> RecognizeAsync(
        HttpContext http, RecognizerHost host, ReadIntake intake, ImageIntake images, IOptions<LimitOptions> limits, TimeProvider time, CancellationToken cancellationToken)
    {
        var caps = limits.Value;
        if (http.Request.ContentLength > caps.MaxBodyBytes) return IngestBody.TooLarge($"The body is larger than {caps.MaxBodyBytes} bytes.");
        if (!http.Request.HasFormContentType) return IngestBody.BadRequest("Send the photo as multipart/form-data with an 'image' part (and optional lat, lon, capturedAt, region fields).");
        http.Features.Set<IFormFeature>(new FormFeature(http.Request, new FormOptions { MultipartBodyLengthLimit = caps.MaxBodyBytes, ValueCountLimit = 16 }));
        var form = await http.Request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        if (form.Files.GetFile("image") is not { } file) return IngestBody.BadRequest("The 'image' part is missing.");
        if (file.Length > caps.MaxImageBytes) return IngestBody.TooLarge($"The image is {file.Length} bytes; at most {caps.MaxImageBytes} are accepted.");
        var bytes = new byte[file.Length];
        await using (var s = file.OpenReadStream())
        {
            await s.ReadExactlyAsync(bytes, cancellationToken).ConfigureAwait(false);
        }

        var now = time.GetUtcNow();
        var inv = CultureInfo.InvariantCulture;
        DateTimeOffset capturedAt = now;
        if (form["capturedAt"].ToString() is { Length: > 0 } at)
        {
            try
            {
                capturedAt = TimeRange.ParseInstant(at, "capturedAt");
            }
            catch (ArgumentException ex)
            {
                return IngestBody.BadRequest(ex.Message);
            }
        }
        LocationDto? location = null;
        if (form["lat"].ToString() is { Length: > 0 } latText || form["lon"].ToString().Length > 0)
        {
            if (!double.TryParse(form["lat"], NumberStyles.Float, inv, out double lat) || !double.TryParse(form["lon"], NumberStyles.Float, inv, out double lon))
                return IngestBody.BadRequest("lat and lon must both be decimal degrees.");
            location = new LocationDto { Lat = lat, Lon = lon };
        }
        else if (http.User.CameraPosition() is { } p)
        {
            location = new LocationDto { Lat = p.Lat, Lon = p.Lon };
        }
        else
        {
            return IngestBody.BadRequest("lat and lon are required: this camera key has no configured position (admin create-camera-key --position LAT,LON).");
        }

        // Checked and stored before recognition: the header check bounds the pixels the decoder will be given.
        var (sha, imageError) = await images.StoreAsync(bytes, "the image", cancellationToken).ConfigureAwait(false);
        if (sha is null) return IngestBody.BadRequest(imageError!);

        string? region = form["region"].ToString() is { Length: > 0 } r ? r : null;
        var hints = new RecognitionHints { ExpectedRegions = region is null ? [] : [region] };
        RecognitionResult result;
        try
        {
            await host.Slots.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                result = await host.Recognizer.RecognizeAsync(bytes, hints, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                host.Slots.Release();
            }
        }
        catch (ModelNotFoundException ex)
        {
            return TypedResults.Problem($"Recognition is not available: {ex.Message}", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Models not installed");
        }
        catch (InvalidImageException ex)
        {
            return IngestBody.BadRequest($"The image cannot be read: {ex.Message}");
        }

        var items = new List<IngestItem>(result.Plates.Length);
        for (int i = 0; i < result.Plates.Length; i++)
        {
            var plate = result.Plates[i];
            items.Add(new IngestItem(new ReadDto
            {
                // Derived from the photo and plate index: a camera that resends the same photo makes no new read.
                Id = ReadId.Derived(capturedAt, $"recognize:{sha}#{i}").ToString(),
                Plate = plate.Text,
                Confidence = plate.Confidence,
                CapturedAt = capturedAt,
                Location = location,
                Region = plate.Region.ToUpperInvariant(),
                Candidates = [.. plate.Candidates.Take(PlateReadValidator.MaxCandidates).Select(c => new CandidateDto { Plate = c.Text, Confidence = c.Confidence })],
                Images = new ImagesDto { Context = sha },
            }));
        }
        var ingest = await IngestApi.ProcessAsync(items, http.User, intake, images, new Dictionary<string, PartImage>(), now, cancellationToken).ConfigureAwait(false);
        return TypedResults.Ok(new RecognizeResponse(OpenAlprJson.ToJson(result, 10), ingest));
    }
}
