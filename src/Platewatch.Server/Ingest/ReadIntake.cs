using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Platewatch.Reads;
using Platewatch.Server.Alerts;
using Platewatch.Server.Hosting;

namespace Platewatch.Server.Ingest;

/// <summary>
/// The one place where reads accepted over HTTP, in any format, enter the store. Everything that must happen to
/// each newly stored read (metrics, hotlist matching) hangs off this, so no ingest route can skip it.
/// </summary>
/// <remarks>
/// Group commit: small requests that arrive while a commit is in progress are appended together in the next one, so
/// a thousand cameras sending one read each cost a few durable commits, not a thousand. Each request is still
/// acknowledged only after the commit that holds its reads.
/// </remarks>
internal sealed class ReadIntake : IAsyncDisposable
{
    private readonly DataDirectory _data;
    private readonly AlertEngine _alerts;
    private readonly TimeProvider _time;
    private readonly bool _groupCommit;
    private readonly int _maxGroupReads;
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    public ReadIntake(DataDirectory data, AlertEngine alerts, IOptions<LimitOptions> limits, TimeProvider time)
    {
        _data = data;
        _alerts = alerts;
        _time = time;
        _groupCommit = limits.Value.GroupCommit;
        _maxGroupReads = Math.Max(1, limits.Value.MaxGroupCommitReads);
        _writer = _groupCommit ? Task.Run(WriteLoopAsync) : Task.CompletedTask;
    }

    /// <summary>
    /// Requests this small are grouped; larger ones already amortise their commit, and measured slower when
    /// merged into bigger groups (docs/benchmarks.md, "HTTP ingest"), so they append directly.
    /// </summary>
    private const int GroupBelow = 256;

    private sealed record Pending(IReadOnlyList<PlateRead> Reads, TaskCompletionSource<IReadOnlySet<ReadId>> Done);

    /// <summary>Appends durably and returns the ids that were already stored (duplicates).</summary>
    public async Task<IReadOnlySet<ReadId>> StoreAsync(IReadOnlyList<PlateRead> reads, CancellationToken cancellationToken)
    {
        if (reads.Count == 0) return new HashSet<ReadId>();
        ServerMetrics.ReadsQueued.Add(reads.Count);
        try
        {
            IReadOnlySet<ReadId> duplicates;
            if (!_groupCommit || reads.Count >= GroupBelow)
            {
                var appended = await _data.Store.AppendAsync(reads, cancellationToken).ConfigureAwait(false);
                duplicates = new HashSet<ReadId>(appended.DuplicateIds);
            }
            else
            {
                // Checked here, per request, so one caller's bad read can never fail the group it would have joined
                // (a direct append is checked by the store itself).
                PlateReadValidator.ThrowIfInvalid(reads, _time.GetUtcNow());
                var pending = new Pending(reads, new TaskCompletionSource<IReadOnlySet<ReadId>>(TaskCreationOptions.RunContinuationsAsynchronously));
                if (!_queue.Writer.TryWrite(pending)) throw new InvalidOperationException("The server is shutting down; nothing from this request was stored.");
                // A caller that gives up still has its reads committed with the group; its resend will be a duplicate.
                duplicates = await pending.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            // After the durable commit and before the ack: a hit is in the alert outbox by the time the camera hears back.
            // Duplicates are matched too: if an earlier attempt stored the reads but failed before its alerts were
            // written (the sender got an error, not an ack), the resend is all that is left to raise them. Alerts are
            // unique per (read, entry), so a read matched twice alerts once.
            await _alerts.OnStoredAsync(reads, cancellationToken).ConfigureAwait(false);
            return duplicates;
        }
        finally
        {
            ServerMetrics.ReadsQueued.Add(-reads.Count);
        }
    }

    private async Task WriteLoopAsync()
    {
        var group = new List<Pending>();
        var all = new List<PlateRead>();
        var inGroup = new HashSet<ReadId>();
        var repeats = new List<HashSet<ReadId>?>();
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            all.Clear();
            inGroup.Clear();
            repeats.Clear();
            while (all.Count < _maxGroupReads && _queue.Reader.TryRead(out var p))
            {
                group.Add(p);
                // The same read sent by two requests of one group (a resend racing its original) is appended once,
                // as the first request's; the later request is told it is a duplicate. So the store's duplicates
                // are exactly the reads stored before, and each new read has one owner, which matches it for alerts.
                HashSet<ReadId>? mineRepeated = null;
                foreach (var r in p.Reads)
                {
                    if (inGroup.Add(r.Id)) all.Add(r);
                    else (mineRepeated ??= []).Add(r.Id);
                }
                repeats.Add(mineRepeated);
            }
            if (group.Count == 0) continue;
            try
            {
                var appended = await _data.Store.AppendAsync(all, CancellationToken.None).ConfigureAwait(false);
                var stored = appended.DuplicateIds.IsDefaultOrEmpty ? null : new HashSet<ReadId>(appended.DuplicateIds);
                for (int i = 0; i < group.Count; i++)
                {
                    var mine = repeats[i] ?? [];
                    if (stored is not null) foreach (var r in group[i].Reads) if (stored.Contains(r.Id)) mine.Add(r.Id);
                    group[i].Done.TrySetResult(mine);
                }
            }
            catch (Exception ex)
            {
                foreach (var p in group) p.Done.TrySetException(ex);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }
}
