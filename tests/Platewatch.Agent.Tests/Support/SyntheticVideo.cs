using System.Diagnostics;
using System.Globalization;
using Platewatch.Rendering;
using SkiaSharp;

namespace Platewatch.Agent.Tests.Support;

/// <summary>A car in a synthetic video: its plate crosses the picture left to right from <paramref name="Enter"/> for <paramref name="Seconds"/>.</summary>
internal sealed record Car(string Plate, double Enter, double Seconds = 2.0, string State = "OHIO");

/// <summary>
/// Renders frames of cars passing a fixed camera with the plate renderer, and encodes them with the real ffmpeg (H.264 in
/// MP4) with a creation time, so the agent's frame times are known.
/// </summary>
internal static class SyntheticVideo
{
    public static readonly DateTimeOffset CreationTime = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    public static async Task<string> RenderAsync(string path, IReadOnlyList<Car> cars, double seconds, int width = 960, int height = 540, int fps = 10)
    {
        using var plates = PlateRenderer.CreateDefault();
        var scene = new SceneRenderer(plates);
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[]
        {
            "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgra", "-s", $"{width}x{height}", "-r", fps.ToString(CultureInfo.InvariantCulture),
            "-i", "pipe:0", "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", "-g", fps.ToString(CultureInfo.InvariantCulture),
            "-metadata", $"creation_time={CreationTime:yyyy-MM-ddTHH:mm:ss.ffffffZ}", path,
        }) psi.ArgumentList.Add(a);
        using var ffmpeg = Process.Start(psi)!;
        var errors = ffmpeg.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdin = ffmpeg.StandardInput.BaseStream;
        int frames = (int)Math.Round(seconds * fps);
        int plateWidth = width / 5;
        for (int i = 0; i < frames; i++)
        {
            double t = (double)i / fps;
            var placed = new List<PlacedPlate>();
            foreach (var car in cars)
            {
                double f = (t - car.Enter) / car.Seconds;
                if (f is < 0 or > 1) continue;
                float x = (float)(plateWidth * 0.6 + f * (width - plateWidth * 2.6));
                placed.Add(new PlacedPlate(new PlateSpec { Text = car.Plate, TopText = car.State, Width = plateWidth, Seed = car.Plate.GetHashCode(StringComparison.Ordinal) }, x, height * 0.6f));
            }
            using var bmp = scene.Render(width, height, placed, seed: 7);
            await stdin.WriteAsync(bmp.GetPixelSpan().ToArray(), TestContext.Current.CancellationToken);
        }
        stdin.Close();
        await ffmpeg.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg could not encode the test video: {await errors}");
        return path;
    }
}
