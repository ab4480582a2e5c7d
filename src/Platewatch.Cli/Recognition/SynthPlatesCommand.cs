using System.Globalization;
using System.Text;
using Platewatch.Recognition.Evaluation;
using Platewatch.Rendering;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Recognition;

/// <summary>
/// Writes a labelled crop set of synthetic European plates (groundtruth.csv: file, country, plate), for
/// <c>platewatch eval DIR --region eu</c>. The development sets hold no European plate; these exercise what the
/// pipeline does per country (formats, the country band, its code) with the renderer's font, not a real camera's.
/// </summary>
internal sealed class SynthPlatesCommand : Command<SynthPlatesCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--out <DIR>")]
        [System.ComponentModel.Description("Directory to write the images and groundtruth.csv into (created).")]
        public string Out { get; init; } = "synthetic-eu";

        [CommandOption("--count <N>")]
        [System.ComponentModel.Description("Plates to write, spread over 16 countries.")]
        [System.ComponentModel.DefaultValue(160)]
        public int Count { get; init; } = 160;

        [CommandOption("--seed <N>")]
        [System.ComponentModel.Description("Random seed: the same seed writes the same set.")]
        [System.ComponentModel.DefaultValue(7)]
        public int Seed { get; init; } = 7;

        [CommandOption("--infrared")]
        [System.ComponentModel.Description("Write the plates in grey, as an infrared camera sees them: no blue band, only a dark one.")]
        public bool Infrared { get; init; }

        public override ValidationResult Validate() =>
            Count is < 1 or > 100_000 ? ValidationResult.Error("--count must be 1 to 100000.") : ValidationResult.Success();
    }

    private const string Az = "ABCDEFGHIJKLMNOPQRSTUVWXYZ", Digits = "0123456789";
    private const int Yellow = 0xF5C800;

    // Letters the countries issue: France leaves out I, O and U; Britain I and Q, and Z in the two-letter area code;
    // Sweden I, Q and V; Czechia's second character is a region's letter.
    private const string FrenchLetters = "ABCDEFGHJKLMNPQRSTVWXYZ", BritishArea = "ABCDEFGHJKLMNOPRSTUVWXY";
    private const string SwedishLetters = "ABCDEFGHJKLMNOPRSTUWXYZ", CzechRegions = "ABCEHJKLMPSTUZ";

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var rnd = new Random(settings.Seed);
        string R(string set, int n)
        {
            var sb = new StringBuilder(n);
            for (int i = 0; i < n; i++) sb.Append(set[rnd.Next(set.Length)]);
            return sb.ToString();
        }
        // The band's code, the country, and a number as the plate shows it (spaces and dashes included).
        var countries = new (string Band, string Country, Func<string> Number)[]
        {
            ("D", "de", () => $"{R(Az, rnd.Next(1, 4))} {R(Az, rnd.Next(1, 3))} {R(Digits[1..], 1)}{R(Digits, rnd.Next(0, 4))}"),
            ("F", "fr", () => $"{R(FrenchLetters, 2)}-{R(Digits, 3)}-{R(FrenchLetters, 2)}"),
            ("I", "it", () => $"{R("ABCDEFGHJKLMNPRSTVWXYZ", 2)} {R(Digits, 3)}{R("ABCDEFGHJKLMNPRSTVWXYZ", 2)}"),
            ("E", "es", () => $"{R(Digits, 4)} {R("BCDFGHJKLMNPRSTVWXYZ", 3)}"),
            ("NL", "nl", () => $"{R(Digits, 2)}-{R("BDFGHJKLNPRSTVXZ", 3)}-{R(Digits, 1)}"),
            ("PL", "pl", () => $"{R(Az, 2)} {R(Digits, 5)}"),
            ("CZ", "cz", () => $"{R(Digits[1..], 1)}{R(CzechRegions, 1)}{R(Digits, 1)} {R(Digits, 4)}"),
            ("A", "at", () => $"{R(Az, rnd.Next(1, 3))} {R(Digits, rnd.Next(3, 5))}{R(Az, 1)}"),
            ("B", "be", () => $"1-{R(Az, 3)}-{R(Digits, 3)}"),
            ("GB", "gb", () => $"{R(BritishArea, 2)}{R(Digits, 2)} {R(BritishArea + "Z", 3)}"),
            ("S", "se", () => $"{R(SwedishLetters, 3)} {R(Digits, 2)}{R(Digits + SwedishLetters, 1)}"),
            ("P", "pt", () => $"{R(Az, 2)}-{R(Digits, 2)}-{R(Az, 2)}"),
            ("RO", "ro", () => $"{R(Az, 2)} {R(Digits, 2)} {R(Az, 3)}"),
            ("H", "hu", () => $"{R(Az, 4)}-{R(Digits, 3)}"),
            ("SK", "sk", () => $"{R(Az, 2)}{R(Digits, 3)}{R(Az, 2)}"),
            ("DK", "dk", () => $"{R(Az, 2)} {R(Digits, 2)} {R(Digits, 3)}"),
        };

        Directory.CreateDirectory(settings.Out);
        using var renderer = PlateRenderer.CreateDefault();
        var csv = new StringBuilder("file,state,plate\n");
        AnsiConsole.Progress().AutoClear(true).Start(ctx =>
        {
            var task = ctx.AddTask("rendering plates", maxValue: settings.Count);
            for (int i = 0; i < settings.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (band, country, number) = countries[i % countries.Length];
                string text = number();
                // Spoiled as cameras spoil plates: blur, noise, a tilt, faded contrast, JPEG.
                var spec = new PlateSpec
                {
                    Text = text, Style = PlateStyle.European, TopText = band, Width = rnd.Next(150, 280),
                    Blur = rnd.NextSingle() < 0.4f ? rnd.NextSingle() * 1.1f : 0, Noise = rnd.Next(0, 14), Perspective = rnd.NextSingle() * 0.1f,
                    Rotation = rnd.Next(-4, 5), JpegQuality = rnd.NextSingle() < 0.5f ? rnd.Next(40, 80) : 0, Contrast = 0.5f + rnd.NextSingle() * 0.5f, Seed = i,
                    // Dutch plates are yellow front and back, British rear plates yellow (every other one here).
                    Background = country == "nl" || (country == "gb" && i % 2 == 1) ? Yellow : null,
                    Infrared = settings.Infrared,
                };
                string file = string.Create(CultureInfo.InvariantCulture, $"{country}{i:D5}.{(spec.JpegQuality > 0 ? "jpg" : "png")}");
                File.WriteAllBytes(Path.Combine(settings.Out, file), renderer.RenderEncoded(spec));
                csv.Append(CultureInfo.InvariantCulture, $"{file},{country},{Datasets.NormalizePlate(text)}\n");
                task.Value = i + 1;
            }
        });
        File.WriteAllText(Path.Combine(settings.Out, "groundtruth.csv"), csv.ToString());
        AnsiConsole.MarkupLine($"{settings.Count} plates written to [blue]{Markup.Escape(settings.Out)}[/]; score them with [bold]platewatch eval {Markup.Escape(settings.Out)} --region eu[/].");
        return 0;
    }
}
