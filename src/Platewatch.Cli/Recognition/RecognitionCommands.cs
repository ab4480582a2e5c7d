using Spectre.Console.Cli;

namespace Platewatch.Cli.Recognition;

/// <summary>Registers <c>recognize</c>, <c>eval</c>, <c>synth-plates</c> and <c>bench recognize</c>.</summary>
internal static class RecognitionCommands
{
    public static void Register(IConfigurator config)
    {
        config.AddCommand<RecognizeCommand>("recognize")
            .WithDescription("Read licence plates from an image or every image in a directory.")
            .WithExample("recognize", "car.jpg")
            .WithExample("recognize", "photos/", "--json", "--region", "us");
        config.AddCommand<EvalCommand>("eval")
            .WithDescription("Score the recognizer on a labelled set (OpenALPR benchmark layout, or crops with groundtruth.csv).")
            .WithExample("eval", "../shared/datasets/openalpr-br", "--region", "br");
        config.AddCommand<SynthPlatesCommand>("synth-plates")
            .WithDescription("Write a labelled set of synthetic European plates (16 countries, with their bands) for eval.")
            .WithExample("synth-plates", "--out", "synthetic-eu", "--count", "160");
    }

    public static void RegisterBench(IConfigurator<CommandSettings> bench)
    {
        bench.AddCommand<BenchRecognizeCommand>("recognize")
            .WithDescription("Recognition throughput on 1280x720 frames, for 1 and 2 threads.");
    }
}

/// <summary>Options every recognition command shares.</summary>
internal class RecognizerSettings : CommandSettings
{
    [CommandOption("--models <DIR>")]
    [System.ComponentModel.Description("Models directory (default: $PLATEWATCH_MODELS, else ./models). Fill it with scripts/fetch-models.sh.")]
    public string? Models { get; init; }

    [CommandOption("--region <CODES>")]
    [System.ComponentModel.Description("Expected regions, comma separated: us, eu, br, de, us-ca...")]
    public string? Region { get; init; }

    [CommandOption("--top <N>")]
    [System.ComponentModel.Description("Candidates per plate.")]
    [System.ComponentModel.DefaultValue(10)]
    public int Top { get; init; } = 10;

    public override Spectre.Console.ValidationResult Validate() =>
        Top is < 1 or > 100 ? Spectre.Console.ValidationResult.Error("--top must be 1 to 100.") : Spectre.Console.ValidationResult.Success();

    public Platewatch.Recognition.RecognitionHints Hints() => new()
    {
        TopN = Top,
        ExpectedRegions = (Region ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
    };
}
