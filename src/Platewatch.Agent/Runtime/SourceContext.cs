using Microsoft.Data.Sqlite;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Delivery;
using Platewatch.Agent.Positioning;
using Platewatch.Agent.Tracking;
using Platewatch.Recognition;
using SkiaSharp;

namespace Platewatch.Agent.Runtime;

/// <summary>What every source of one agent shares, and the one way a source turns passes into queued reads.</summary>
internal sealed class SourceContext(
    AgentOptions agent,
    SourceOptions source,
    IPlateRecognizer recognizer,
    AgentStore store,
    PositionSource positions,
    AgentJournal journal,
    AgentLog log,
    AgentCounters counters,
    Action notify)
{
    public AgentOptions Agent => agent;
    public SourceOptions Source => source;
    public IPlateRecognizer Recognizer => recognizer;
    public AgentStore Store => store;
    public AgentLog Log => log;
    public AgentCounters Counters => counters;
    public AgentJournal Journal => journal;
    public PositionSource Positions => positions;

    public RecognitionHints Hints { get; } = new() { ExpectedRegions = agent.Regions, TopN = 5 };

    /// <summary>
    /// Queues a read for each pass that has a position, records the rest as without a fix, and commits the source's
    /// progress with them in one transaction.
    /// </summary>
    public void Emit(IReadOnlyList<PlateGroup> groups, IDictionary<long, byte[]> crops, PlateTracker? tracker, Action<SqliteTransaction>? progress)
    {
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(crops);
        if (groups.Count == 0 && progress is null) return;
        var reads = new List<OutgoingRead>(groups.Count);
        var records = new List<string>(groups.Count);
        long now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        foreach (var g in groups)
        {
            // The frame-to-acknowledgement delay starts at the pass's last frame when frame times are the clock's (a live
            // stream); a file's or folder's frame times are not, so there it starts when the pass is queued.
            long seen = source.Kind == SourceKind.Stream ? Math.Min(now, g.End.ToUnixTimeMilliseconds()) : now;
            crops.Remove(g.TrackId, out byte[]? crop);
            var position = positions.At(g.Best.Time);
            string? id = null;
            if (position is null)
            {
                counters.NoFix();
                log.Warn($"source {source.Name}: {g.Plate} at {g.Best.Time.UtcDateTime:O} has no GPS fix; recorded locally as without a fix, not sent with a guessed position");
            }
            else
            {
                var dto = ReadBuilder.Build(g, position, source.CameraId, agent.AgencyId, crop);
                id = dto.Id;
                reads.Add(new OutgoingRead(dto.Id!, ReadBuilder.Json(dto), seen));
                log.Info($"source {source.Name}: {g.Plate} ({g.Confidence:F2}, {g.Frames} frames, {g.Direction}{(g.Parked ? ", parked" : "")}) at {g.Best.Time.UtcDateTime:O}");
            }
            records.Add(ReadBuilder.PassRecord(g, source.Name, id, position));
        }
        int dropped = store.Commit(source.Name, reads, tx =>
        {
            progress?.Invoke(tx);
            if (tracker is not null && groups.Count > 0) AgentStore.SavePasses(tx, source.Name, tracker.Emitted);
        });
        counters.Read(reads.Count);
        if (dropped > 0) log.Warn($"queue: over its size limit ({agent.QueueMaxBytes >> 20} MB); dropped the {dropped} oldest reads (counted in the heartbeat)");
        journal.Passes(records);
        if (reads.Count > 0) notify();
    }

    /// <summary>A JPEG of the plate with a margin around it, for the pass's best frame.</summary>
    public static byte[]? Crop(ReadOnlyMemory<byte> bgr, int width, int height, Box box)
    {
        int mx = (int)(box.Width * 0.2f), my = (int)(box.Height * 0.4f);
        int x0 = Math.Clamp((int)box.X - mx, 0, width - 1), y0 = Math.Clamp((int)box.Y - my, 0, height - 1);
        int x1 = Math.Clamp((int)(box.X + box.Width) + mx, x0 + 1, width), y1 = Math.Clamp((int)(box.Y + box.Height) + my, y0 + 1, height);
        int w = x1 - x0, h = y1 - y0;
        if (w < 4 || h < 4) return null;
        using var bmp = new SKBitmap(new SKImageInfo(w, h, SKColorType.Bgra8888, SKAlphaType.Opaque));
        var src = bgr.Span;
        byte[] bgra = new byte[w * h * 4];
        for (int y = 0; y < h; y++)
        {
            int si = ((y0 + y) * width + x0) * 3, d = y * w * 4;
            for (int x = 0; x < w; x++, si += 3, d += 4)
            {
                bgra[d] = src[si];
                bgra[d + 1] = src[si + 1];
                bgra[d + 2] = src[si + 2];
                bgra[d + 3] = 255;
            }
        }
        System.Runtime.InteropServices.Marshal.Copy(bgra, 0, bmp.GetPixels(), bgra.Length);
        using var data = bmp.Encode(SKEncodedImageFormat.Jpeg, 85);
        return data?.ToArray();
    }

    public static Box BoxOf(IReadOnlyList<PointF> corners)
    {
        ArgumentNullException.ThrowIfNull(corners);
        if (corners.Count == 0) return default;
        float x0 = corners.Min(c => c.X), y0 = corners.Min(c => c.Y), x1 = corners.Max(c => c.X), y1 = corners.Max(c => c.Y);
        return new Box(x0, y0, x1 - x0, y1 - y0);
    }
}
