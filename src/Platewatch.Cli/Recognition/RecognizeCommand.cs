using System.Globalization;
using Platewatch.Recognition;
using Platewatch.Recognition.Evaluation;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Recognition;

internal sealed class RecognizeCommand : Command<RecognizeCommand.Settings>
{
    internal sealed class Settings : RecognizerSettings
    {
        [CommandArgument(0, "<FILE|DIR>")]
        [System.ComponentModel.Description("An image (JPEG, PNG, WebP) or a directory of images.")]
        public string Path { get; init; } = "";

        [CommandOption("--json")]
        [System.ComponentModel.Description("Print OpenALPR-format JSON, one object per image.")]
        public bool Json { get; init; }
    }

    private static readonly string[] s_extensions = [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif"];

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        List<string> files = Directory.Exists(settings.Path)
            ? Directory.EnumerateFiles(settings.Path).Where(f => s_extensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList()
            : File.Exists(settings.Path) ? [settings.Path] : throw new FileNotFoundException($"No such file or directory: {settings.Path}");
        using var recognizer = PlateRecognizer.Create(new RecognizerOptions { ModelsDirectory = settings.Models });
        var hints = settings.Hints();
        int failures = 0;
        foreach (string file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            RecognitionResult result;
            try
            {
                result = recognizer.Recognize(File.ReadAllBytes(file), hints, cancellationToken);
            }
            catch (InvalidImageException ex)
            {
                failures++;
                Console.Error.WriteLine($"platewatch: {file}: {ex.Message}");
                continue;
            }
            if (settings.Json)
            {
                Console.WriteLine(OpenAlprJson.Serialize(result, settings.Top));
                continue;
            }
            if (result.Plates.IsEmpty) Console.WriteLine($"{file}\t-\tno plate\t{result.Timings.TotalMs:F0} ms");
            foreach (var p in result.Plates)
            {
                string region = p.Region.Length == 0 ? "?" : $"{p.Region} {p.RegionConfidence * 100:F0}%";
                string others = string.Join(" ", p.Candidates.Skip(1).Take(3).Select(c => c.Text));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{file}\t{p.Text}\t{p.Confidence * 100:F1}%\t{region}\t{(p.MatchesFormat ? "format" : "no-format")}\t{result.Timings.TotalMs:F0} ms\t{others}"));
            }
        }
        // One unreadable file in one fails the command; in a directory, only when nothing could be read.
        return failures > 0 && (files.Count == 1 || failures == files.Count) ? 1 : 0;
    }
}
