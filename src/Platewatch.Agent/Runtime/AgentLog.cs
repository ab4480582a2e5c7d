using System.Globalization;

namespace Platewatch.Agent.Runtime;

/// <summary>The agent's log: one line per event, UTC time first, to a writer (the CLI's standard error).</summary>
internal sealed class AgentLog(TextWriter writer)
{
    private readonly Lock _lock = new();

    public void Info(string message) => Write("info ", message);
    public void Warn(string message) => Write("warn ", message);
    public void Error(string message) => Write("error", message);

    private void Write(string level, string message)
    {
        string line = string.Create(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {message}");
        lock (_lock)
        {
            writer.WriteLine(line);
            writer.Flush();
        }
    }
}

/// <summary>Running totals for the heartbeat. Thread-safe.</summary>
internal sealed class AgentCounters
{
    private readonly Lock _lock = new();
    private readonly List<long> _ackDelays = [];
    private long _frames, _processed, _reads, _delivered, _noFix, _dropped;

    public bool QueueEmpty { get; set; }

    public long Frames => Interlocked.Read(ref _frames);
    public long Processed => Interlocked.Read(ref _processed);
    public long Reads => Interlocked.Read(ref _reads);
    public long DeliveredTotal => Interlocked.Read(ref _delivered);
    public long NoFixTotal => Interlocked.Read(ref _noFix);

    public void NoFix() => Interlocked.Increment(ref _noFix);

    /// <summary>Live frames dropped because reading fell behind the camera.</summary>
    public long FramesDropped => Interlocked.Read(ref _dropped);

    public void FrameDropped() => Interlocked.Increment(ref _dropped);

    public void Frame(bool processed)
    {
        Interlocked.Increment(ref _frames);
        if (processed) Interlocked.Increment(ref _processed);
    }

    public void Read(int n) => Interlocked.Add(ref _reads, n);

    public void Delivered(long n) => Interlocked.Add(ref _delivered, n);

    /// <summary>Called with every frame-to-acknowledgement delay (benchmarks).</summary>
    public Action<long>? OnAck { get; init; }

    public void RecordAck(long delayMs)
    {
        OnAck?.Invoke(delayMs);
        lock (_lock)
        {
            if (_ackDelays.Count < 100_000) _ackDelays.Add(delayMs);
        }
    }

    /// <summary>Frame-to-acknowledgement delays since the last call, in milliseconds, sorted.</summary>
    public long[] TakeAckDelays()
    {
        lock (_lock)
        {
            long[] a = [.. _ackDelays];
            _ackDelays.Clear();
            Array.Sort(a);
            return a;
        }
    }
}
