using System.Globalization;
using System.Text.Json;
using Platewatch.Recognition;
using Platewatch.Recognition.Evaluation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Recognition;

internal sealed class EvalCommand : Command<EvalCommand.Settings>
{
    internal sealed class Settings : RecognizerSettings
    {
        [CommandArgument(0, "<DIR>")]
        [System.ComponentModel.Description("A labelled set: NAME.txt per image ('image x y w h PLATE'), or groundtruth.csv ('file,state,plate').")]
        public string Dir { get; init; } = "";

        [CommandOption("--out <FILE>")]
        [System.ComponentModel.Description("Where to write the JSON report (default: eval-<set>.json).")]
        public string? Out { get; init; }

        [CommandOption("--limit <N>")]
        [System.ComponentModel.Description("Score only the first N images.")]
        public int? Limit { get; init; }

        [CommandOption("--misreads <N>")]
        [System.ComponentModel.Description("How many misreads to list.")]
        [System.ComponentModel.DefaultValue(30)]
        public int Misreads { get; init; } = 30;
    }

    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(settings.Dir)) throw new DirectoryNotFoundException($"No such directory: {settings.Dir}");
        string name = new DirectoryInfo(settings.Dir).Name;
        using var recognizer = PlateRecognizer.Create(new RecognizerOptions { ModelsDirectory = settings.Models });
        var hints = settings.Hints();
        string outFile = settings.Out ?? $"eval-{name}.json";
        var table = new Table().AddColumns("metric", "value");
        IReadOnlyList<Misread> misreads;
        object report;

        if (Datasets.IsCropSet(settings.Dir))
        {
            var samples = Datasets.LoadCrops(settings.Dir).Take(settings.Limit ?? int.MaxValue).ToList();
            var r = WithProgress(samples.Count, tick => Evaluator.RunCrops(recognizer, name, samples, hints, tick, cancellationToken));
            table.AddRow("images", r.Images.ToString(CultureInfo.InvariantCulture))
                .AddRow("OCR top-1", Pct(r.Top1))
                .AddRow("OCR top-1, O and 0 as one", Pct(r.Top1ZeroAsO))
                .AddRow($"OCR top-{r.TopNSize}", Pct(r.TopN))
                .AddRow("state identified", Pct(r.StateAccuracy))
                .AddRow("median ms / image", Ms(r.MedianMs))
                .AddRow("p95 ms / image", Ms(r.P95Ms))
                .AddRow("CPU ms / image (all threads)", Ms(r.MeanCpuMs));
            misreads = r.Misreads;
            report = r;
        }
        else
        {
            var samples = Datasets.LoadEndToEnd(settings.Dir).Take(settings.Limit ?? int.MaxValue).ToList();
            var r = WithProgress(samples.Count, tick => Evaluator.RunEndToEnd(recognizer, name, samples, hints, tick, cancellationToken));
            table.AddRow("images", r.Images.ToString(CultureInfo.InvariantCulture))
                .AddRow("detection rate", Pct(r.DetectionRate))
                .AddRow("top-1", Pct(r.Top1))
                .AddRow("top-1, O and 0 as one", Pct(r.Top1ZeroAsO))
                .AddRow($"top-{r.TopNSize}", Pct(r.TopN))
                .AddRow("false plates / image", r.FalsePlatesPerImage.ToString("F3", CultureInfo.InvariantCulture))
                .AddRow("median ms / image", Ms(r.MedianMs))
                .AddRow("p95 ms / image", Ms(r.P95Ms))
                .AddRow("CPU ms / image (all threads)", Ms(r.MeanCpuMs));
            // Speed targets are set per frame size; sets mix sizes.
            foreach (var t in r.BySize.Where(t => t.Images >= 5))
                table.AddRow($"median / p95 ms, {t.Width}x{t.Height} ({t.Images.ToString(CultureInfo.InvariantCulture)} images)", $"{Ms(t.MedianMs)} / {Ms(t.P95Ms)}");
            misreads = r.Misreads;
            report = r;
        }

        AnsiConsole.Write(new Rule($"eval {Markup.Escape(name)}"));
        AnsiConsole.Write(table);
        if (misreads.Count > 0)
        {
            var mt = new Table().AddColumns("image", "expected", "got", "candidates", "kind");
            foreach (var m in misreads.Take(settings.Misreads))
                mt.AddRow(Markup.Escape(Path.GetFileName(m.Image)), Markup.Escape(m.Expected), Markup.Escape(m.Got), Markup.Escape(string.Join(" ", m.Candidates)), m.Note);
            AnsiConsole.MarkupLine($"[bold]misreads[/] ({misreads.Count}{(misreads.Count > settings.Misreads ? $", first {settings.Misreads}" : "")}):");
            AnsiConsole.Write(mt);
        }
        File.WriteAllText(outFile, JsonSerializer.Serialize(report, report.GetType(), s_json));
        AnsiConsole.MarkupLine($"report written to [blue]{Markup.Escape(outFile)}[/]");
        return 0;
    }

    private static T WithProgress<T>(int total, Func<Action<int>, T> run)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive) return run(_ => { });
        T result = default!;
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("reading plates", maxValue: total);
            result = run(done => task.Value = done);
        });
        return result;
    }

    private static string Pct(double v) => (v * 100).ToString("F1", CultureInfo.InvariantCulture) + " %";
    private static string Ms(double v) => v.ToString("F1", CultureInfo.InvariantCulture);
}
