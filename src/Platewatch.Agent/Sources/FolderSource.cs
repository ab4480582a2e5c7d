using System.Collections.Immutable;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Delivery;
using Platewatch.Agent.Runtime;
using Platewatch.Agent.Tracking;
using Platewatch.Recognition;

namespace Platewatch.Agent.Sources;

/// <summary>
/// Watches a folder that a camera fills with images (usually by FTP). Each image is one capture: its plates become reads
/// timed by the file's modification time. The reads and the file's entry in the ledger (name, size, time) commit in one
/// transaction, and only then is the file archived or deleted, so a restart at any point processes each file once.
/// The folder is polled rather than watched: change notifications are unreliable on network shares and miss files that
/// arrived while the agent was down.
/// </summary>
internal sealed class FolderSource(SourceContext ctx)
{
    private const long MaxFileBytes = 50L << 20;
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);
    private static readonly HashSet<string> Extensions = new(StringComparer.OrdinalIgnoreCase) { ".jpg", ".jpeg", ".png", ".webp" };

    private SourceOptions Source => ctx.Source;

    public async Task RunAsync(CancellationToken ct)
    {
        ctx.Log.Info($"source {Source.Name}: watching {Source.Location} ({(Source.After == AfterProcessing.Delete ? "deleting" : $"archiving to {Source.ArchiveDirectory}")} processed files)");
        while (!ct.IsCancellationRequested)
        {
            try
            {
                ScanOnce(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ctx.Log.Error($"source {Source.Name}: cannot list {Source.Location}: {ex.Message}; trying again");
            }
            try { await Task.Delay(Source.Poll, ct).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }

    /// <summary>Processes every settled image in the folder once. Returns how many were processed.</summary>
    public int ScanOnce(CancellationToken ct)
    {
        var now = DateTime.UtcNow;
        var files = new DirectoryInfo(Source.Location).EnumerateFiles()
            // Settled: not written to for a second. A time well in the future is a camera's clock kept by the upload, not a
            // file being written now; without this it would wait forever.
            .Where(f => Extensions.Contains(f.Extension) && (now - f.LastWriteTimeUtc >= Settle || f.LastWriteTimeUtc - now > TimeSpan.FromMinutes(1)))
            .OrderBy(f => f.LastWriteTimeUtc).ThenBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        int n = 0;
        foreach (var file in files)
        {
            ct.ThrowIfCancellationRequested();
            long size = file.Length, mtime = new DateTimeOffset(file.LastWriteTimeUtc).ToUnixTimeMilliseconds();
            if (!ctx.Store.IsFileDone(Source.Name, file.Name, size, mtime)) Process(file, size, mtime, ct);
            // Archived or deleted only after the commit: a crash in between leaves a file the ledger already knows.
            Finish(file);
            n++;
        }
        return n;
    }

    private void Process(FileInfo file, long size, long mtime, CancellationToken ct)
    {
        var time = DateTimeOffset.FromUnixTimeMilliseconds(mtime);
        ctx.Counters.Frame(processed: true);
        IReadOnlyList<PlateGroup> groups = [];
        if (size > MaxFileBytes)
        {
            ctx.Log.Error($"source {Source.Name}: {file.Name} is {size >> 20} MB, larger than a camera image ({MaxFileBytes >> 20} MB); skipped");
        }
        else
        {
            try
            {
                byte[] bytes = File.ReadAllBytes(file.FullName);
                var result = ctx.Recognizer.Recognize(bytes, ctx.Hints, ct);
                var opts = ctx.Agent.Tracking;
                groups = [.. result.Plates
                    .Where(p => p.Confidence >= opts.MinConfidence && p.Text.Length >= opts.MinLength)
                    .Select((p, i) =>
                    {
                        var obs = new PlateObservation(time, p.Text, p.Confidence, p.CharacterConfidences, p.Region, SourceContext.BoxOf(p.Corners));
                        var candidates = p.Candidates.Select(c => new VotedCandidate(c.Text, c.Confidence)).ToImmutableArray();
                        return new PlateGroup(-(i + 1), p.Text, p.Confidence, candidates, p.Region, time, time, obs, TravelDirection.Stationary, false, 1);
                    })];
            }
            catch (InvalidImageException ex)
            {
                ctx.Log.Error($"source {Source.Name}: {file.Name} is not a usable image ({ex.Message}); skipped");
            }
            catch (IOException ex)
            {
                ctx.Log.Error($"source {Source.Name}: cannot read {file.Name}: {ex.Message}; will try again");
                return;
            }
        }
        ctx.Emit(groups, new Dictionary<long, byte[]>(), null, tx => AgentStore.MarkFileDone(tx, Source.Name, file.Name, size, mtime, groups.Count));
    }

    private void Finish(FileInfo file)
    {
        try
        {
            if (Source.After == AfterProcessing.Delete)
            {
                file.Delete();
                return;
            }
            string dir = Source.ArchiveDirectory!;
            Directory.CreateDirectory(dir);
            string target = Path.Combine(dir, file.Name);
            if (File.Exists(target))
                target = Path.Combine(dir, $"{Path.GetFileNameWithoutExtension(file.Name)}-{Guid.NewGuid():N}{file.Extension}");
            file.MoveTo(target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ctx.Log.Error($"source {Source.Name}: processed {file.Name} but cannot {(Source.After == AfterProcessing.Delete ? "delete" : "archive")} it: {ex.Message}; it will not be read again");
        }
    }
}
