using System.Buffers;
using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace Platewatch.Agent.Sources;

/// <summary>A decoded frame in BGR24, its buffer rented: return it with <see cref="Dispose"/>.</summary>
internal sealed class RawFrame : IDisposable
{
    private byte[]? _pixels;

    public RawFrame(byte[] pixels, int width, int height, double pts)
    {
        _pixels = pixels;
        Width = width;
        Height = height;
        Pts = pts;
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>The frame's presentation time in the media, in seconds.</summary>
    public double Pts { get; }

    public ReadOnlyMemory<byte> Pixels => (_pixels ?? throw new ObjectDisposedException(nameof(RawFrame))).AsMemory(0, Width * Height * 3);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _pixels, null) is { } p) ArrayPool<byte>.Shared.Return(p);
    }
}

/// <summary>Thrown when ffmpeg cannot be started or cannot read the input; the message says which and why, in one line.</summary>
internal sealed class VideoSourceException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Decodes a video file or stream with an ffmpeg child process: raw BGR24 frames on its standard output, and, from the
/// <c>showinfo</c> filter on its standard error, each frame's size and presentation time. Sampling happens inside ffmpeg
/// (a <c>select</c> on an absolute time grid, so a resumed file samples the same frames), so frames the agent would
/// skip are never converted or copied. A separate process keeps a decoder crash or a hung network read out of the
/// agent, and can be killed and restarted.
/// </summary>
internal sealed partial class FfmpegReader : IAsyncDisposable
{
    private const int MaxPixels = 4096 * 2160;

    private readonly Process _process;
    private readonly Stream _stdout;
    private readonly Channel<(double Pts, int Width, int Height)> _frames = Channel.CreateUnbounded<(double, int, int)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _stderrTask;
    private readonly Lock _lock = new();
    private string? _lastMessage;

    private FfmpegReader(Process process)
    {
        _process = process;
        _stdout = process.StandardOutput.BaseStream;
        _stderrTask = Task.Run(ReadStderrAsync);
    }

    /// <summary>The <c>creation_time</c> the container declares, when it does.</summary>
    public DateTimeOffset? CreationTime { get; private set; }

    /// <summary>The last diagnostic ffmpeg printed: why it stopped, when it stopped early.</summary>
    public string? LastMessage
    {
        get { lock (_lock) return _lastMessage; }
    }

    public static FfmpegReader Start(string input, bool isStream, double sampleFps, double? seekSeconds, string ffmpeg = "ffmpeg")
    {
        var psi = new ProcessStartInfo(ffmpeg)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (string a in Arguments(input, isStream, sampleFps, seekSeconds)) psi.ArgumentList.Add(a);
        try
        {
            var p = Process.Start(psi) ?? throw new VideoSourceException($"ffmpeg did not start for {input}.");
            return new FfmpegReader(p);
        }
        catch (Win32Exception ex)
        {
            throw new VideoSourceException($"ffmpeg is not installed or not on PATH ({ex.Message}): install it (apt-get install ffmpeg).", ex);
        }
    }

    internal static IReadOnlyList<string> Arguments(string input, bool isStream, double sampleFps, double? seekSeconds)
    {
        var a = new List<string> { "-hide_banner", "-nostdin", "-nostats", "-loglevel", "info" };
        if (isStream)
        {
            // Without a socket timeout a camera that stops sending leaves ffmpeg waiting forever.
            a.AddRange(["-rw_timeout", "10000000"]);
            // ffmpeg otherwise studies 5 s of a live stream before the first frame, and then hands those seconds over at once.
            a.AddRange(["-analyzeduration", "1000000", "-probesize", "1000000"]);
            // RTSP over TCP: no lost UDP packets smearing frames; the RTSP demuxer has its own socket timeout.
            if (input.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase)) a.AddRange(["-rtsp_transport", "tcp", "-timeout", "10000000"]);
        }
        if (seekSeconds is > 0) a.AddRange(["-ss", seekSeconds.Value.ToString("0.###", CultureInfo.InvariantCulture)]);
        // Timestamps stay as the media has them (no reset to 0 after a seek), so a resumed file keeps its frame times.
        a.AddRange(["-copyts", "-i", input, "-an", "-sn", "-dn"]);
        string r = sampleFps.ToString("0.###", CultureInfo.InvariantCulture);
        a.AddRange(["-vf", $"select='isnan(prev_selected_t)+gte(floor(t*{r})-floor(prev_selected_t*{r}),1)',showinfo"]);
        a.AddRange(["-fps_mode", "passthrough", "-pix_fmt", "bgr24", "-f", "rawvideo", "pipe:1"]);
        return a;
    }

    /// <summary>The next frame, or null at the end of the input. Throws <see cref="TimeoutException"/> when none comes within <paramref name="stall"/>.</summary>
    public async Task<RawFrame?> NextAsync(TimeSpan stall, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(stall);
        (double Pts, int Width, int Height) info;
        try
        {
            if (!await _frames.Reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) return null;
            info = await _frames.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"no frame for {stall.TotalSeconds:F0} s");
        }
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxPixels)
            throw new VideoSourceException($"frames of {info.Width}x{info.Height} are beyond the agent's limit ({MaxPixels} pixels).");
        int size = info.Width * info.Height * 3;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
        try
        {
            await _stdout.ReadExactlyAsync(buffer.AsMemory(0, size), timeout.Token).ConfigureAwait(false);
        }
        catch (EndOfStreamException)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return null;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw new TimeoutException($"no frame for {stall.TotalSeconds:F0} s");
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
        return new RawFrame(buffer, info.Width, info.Height, info.Pts);
    }

    /// <summary>Waits for ffmpeg to exit; its exit code (0 for a clean end of input).</summary>
    public async Task<int> WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await _stderrTask.ConfigureAwait(false);
        return _process.ExitCode;
    }

    private async Task ReadStderrAsync()
    {
        var reader = _process.StandardError;
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Contains("Parsed_showinfo", StringComparison.Ordinal))
                {
                    var m = ShowInfo().Match(line);
                    if (m.Success)
                    {
                        double pts = double.Parse(m.Groups[1].ValueSpan, NumberStyles.Float, CultureInfo.InvariantCulture);
                        int w = int.Parse(m.Groups[2].ValueSpan, CultureInfo.InvariantCulture), h = int.Parse(m.Groups[3].ValueSpan, CultureInfo.InvariantCulture);
                        _frames.Writer.TryWrite((pts, w, h));
                    }
                    continue;
                }
                if (CreationTime is null && CreationTimeLine().Match(line) is { Success: true } c &&
                    DateTimeOffset.TryParse(c.Groups[1].Value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var ct))
                {
                    CreationTime = ct;
                    continue;
                }
                string trimmed = line.Trim();
                if (trimmed.Length > 0 && !line.StartsWith(' ') && !trimmed.StartsWith("Input #", StringComparison.Ordinal) &&
                    !trimmed.StartsWith("Output #", StringComparison.Ordinal) && !trimmed.StartsWith("Stream mapping", StringComparison.Ordinal) &&
                    !trimmed.StartsWith("Press [q]", StringComparison.Ordinal) && !trimmed.StartsWith("video:", StringComparison.Ordinal) &&
                    !trimmed.StartsWith("frame=", StringComparison.Ordinal))
                    lock (_lock) _lastMessage = trimmed.Length > 300 ? trimmed[..300] : trimmed;
            }
        }
        catch (IOException) { }
        catch (ObjectDisposedException) { }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited) _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvalidOperationException) { }
        try { await _stderrTask.ConfigureAwait(false); } catch (IOException) { }
        _process.Dispose();
    }

    [GeneratedRegex(@"pts_time:\s*(-?[0-9.]+(?:e-?[0-9]+)?).*?\ss:(\d+)x(\d+)")]
    private static partial Regex ShowInfo();

    [GeneratedRegex(@"^\s+creation_time\s*:\s*(\S+)")]
    private static partial Regex CreationTimeLine();
}
