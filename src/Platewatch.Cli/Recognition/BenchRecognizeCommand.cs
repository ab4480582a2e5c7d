using System.Globalization;
using System.Text.Json;
using Platewatch.Recognition;
using Platewatch.Recognition.Evaluation;
using Platewatch.Rendering;
using SkiaSharp;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Recognition;

internal sealed class BenchRecognizeCommand : Command<BenchRecognizeCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--models <DIR>")]
        [System.ComponentModel.Description("Models directory (default: $PLATEWATCH_MODELS, else ./models).")]
        public string? Models { get; init; }

        [CommandOption("--images <DIR>")]
        [System.ComponentModel.Description("Use these images (resized to 1280x720) instead of synthetic frames.")]
        public string? Images { get; init; }

        [CommandOption("--frames <N>")]
        [System.ComponentModel.Description("Distinct frames.")]
        [System.ComponentModel.DefaultValue(20)]
        public int Frames { get; init; } = 20;

        [CommandOption("--rounds <N>")]
        [System.ComponentModel.Description("Passes over the frames per configuration.")]
        [System.ComponentModel.DefaultValue(2)]
        public int Rounds { get; init; } = 2;

        [CommandOption("--out <FILE>")]
        [System.ComponentModel.DefaultValue("bench-recognize.json")]
        public string Out { get; init; } = "bench-recognize.json";
    }

    private const int Width = 1280, Height = 720;
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var frames = settings.Images is null ? SyntheticFrames(settings.Frames) : LoadFrames(settings.Images, settings.Frames);
        var report = RecognitionBench.Run(frames, settings.Models, settings.Rounds, s => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(s)}[/]"), cancellationToken);
        var table = new Table().AddColumns("configuration", "images/s", "median ms", "p95 ms", "CPU ms/image", "plates/frame");
        foreach (var r in report.Rows)
            table.AddRow(r.Name, F(r.ImagesPerSecond), F(r.MedianMs), F(r.P95Ms), F(r.CpuMsPerImage), F(r.MeanPlatesPerImage));
        AnsiConsole.Write(new Rule($"bench recognize: {report.Width}x{report.Height}, {Markup.Escape(report.Machine)}"));
        AnsiConsole.Write(table);
        File.WriteAllText(settings.Out, JsonSerializer.Serialize(report, s_json));
        AnsiConsole.MarkupLine($"report written to [blue]{Markup.Escape(settings.Out)}[/]");
        return 0;
    }

    private static string F(double v) => v.ToString("F1", CultureInfo.InvariantCulture);

    private static List<ImagePixels> SyntheticFrames(int count)
    {
        using var plates = PlateRenderer.CreateDefault();
        var scene = new SceneRenderer(plates);
        var rng = new Random(42);
        var styles = new[] { PlateStyle.UnitedStates, PlateStyle.European, PlateStyle.BrazilGrey };
        var frames = new List<ImagePixels>(count);
        for (int i = 0; i < count; i++)
        {
            var style = styles[i % styles.Length];
            string text = style switch
            {
                PlateStyle.European => $"{(char)('A' + rng.Next(26))}{(char)('A' + rng.Next(26))}{rng.Next(100, 999)}{(char)('A' + rng.Next(26))}{(char)('A' + rng.Next(26))}",
                _ => $"{(char)('A' + rng.Next(26))}{(char)('A' + rng.Next(26))}{(char)('A' + rng.Next(26))}{rng.Next(1000, 9999)}",
            };
            var spec = new PlateSpec { Text = text, Style = style, TopText = style == PlateStyle.UnitedStates ? "OHIO" : style == PlateStyle.European ? "F" : "SP SAO PAULO", Width = rng.Next(110, 220), Seed = i };
            using var bmp = scene.Render(Width, Height, [new PlacedPlate(spec, rng.Next(100, 900), rng.Next(300, 560))], i, "2026-11-28 12:00:00");
            frames.Add(new ImagePixels(bmp.GetPixelSpan().ToArray(), Width, Height, PixelFormat.Bgra32));
        }
        return frames;
    }

    private static List<ImagePixels> LoadFrames(string dir, int count)
    {
        var frames = new List<ImagePixels>();
        foreach (string f in Directory.EnumerateFiles(dir).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).Take(count))
        {
            using var src = SKBitmap.Decode(f);
            if (src is null) continue;
            using var dst = src.Resize(new SKImageInfo(Width, Height, SKColorType.Bgra8888, SKAlphaType.Opaque), new SKSamplingOptions(SKFilterMode.Linear));
            frames.Add(new ImagePixels(dst.GetPixelSpan().ToArray(), Width, Height, PixelFormat.Bgra32));
        }
        if (frames.Count == 0) throw new InvalidOperationException($"{dir} holds no JPEG or PNG images.");
        return frames;
    }
}
