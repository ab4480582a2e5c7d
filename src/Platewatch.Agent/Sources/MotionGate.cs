namespace Platewatch.Agent.Sources;

/// <summary>
/// Skips idle frames: a frame whose coarse grey thumbnail differs from the last processed frame's by less than a
/// threshold (mean absolute difference, 0-255) is idle, unless <c>keepalive</c> has passed since the last processed
/// frame (so a parked vehicle is still seen now and then). Comparing with the last processed frame, not the previous
/// one, means a slow change still adds up to motion.
/// </summary>
internal sealed class MotionGate(double threshold, TimeSpan keepalive)
{
    private const int Cells = 64 * 36;
    private readonly byte[] _reference = new byte[Cells];
    private readonly byte[] _current = new byte[Cells];
    private DateTimeOffset? _lastProcessed;

    /// <summary>The last difference measured, for logs and benchmarks.</summary>
    public double LastDifference { get; private set; }

    public bool IsIdle(ReadOnlySpan<byte> bgr, int width, int height, DateTimeOffset time)
    {
        Thumbnail(bgr, width, height, _current);
        if (_lastProcessed is { } last && time - last < keepalive && time >= last)
        {
            long sum = 0;
            for (int i = 0; i < Cells; i++) sum += Math.Abs(_current[i] - _reference[i]);
            LastDifference = (double)sum / Cells;
            if (LastDifference < threshold) return true;
        }
        _current.CopyTo(_reference, 0);
        _lastProcessed = time;
        return false;
    }

    // One sampled pixel per cell: enough to see a car enter, cheap enough to run on every frame.
    private static void Thumbnail(ReadOnlySpan<byte> bgr, int width, int height, byte[] into)
    {
        int i = 0;
        for (int cy = 0; cy < 36; cy++)
        {
            int y = (cy * 2 + 1) * height / 72;
            for (int cx = 0; cx < 64; cx++)
            {
                int x = (cx * 2 + 1) * width / 128;
                int o = (y * width + x) * 3;
                into[i++] = (byte)((bgr[o] * 29 + bgr[o + 1] * 150 + bgr[o + 2] * 77) >> 8);
            }
        }
    }
}
