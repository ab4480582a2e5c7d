using Platewatch.Recognition;
using Platewatch.Rendering;

[assembly: AssemblyFixture(typeof(Platewatch.Recognition.Tests.RecognizerFixture))]

namespace Platewatch.Recognition.Tests;

/// <summary>
/// One recognizer and one renderer for the whole run: loading the models costs a few hundred milliseconds.
/// The models come from scripts/fetch-models.sh; without them every recognition test fails with that instruction.
/// </summary>
public sealed class RecognizerFixture : IDisposable
{
    private readonly Lazy<PlateRecognizer> _recognizer = new(() => PlateRecognizer.Create(new RecognizerOptions { ModelsDirectory = FindModels() }));
    private readonly Lazy<PlateRenderer> _renderer = new(PlateRenderer.CreateDefault);

    public PlateRecognizer Recognizer => _recognizer.Value;
    public PlateRenderer Renderer => _renderer.Value;

    public static string? FindModels()
    {
        string? env = Environment.GetEnvironmentVariable("PLATEWATCH_MODELS");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string c = Path.Combine(d.FullName, "models");
            if (File.Exists(Path.Combine(c, "SHA256SUMS"))) return c;
        }
        return null;
    }

    public static string RepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Platewatch.slnx"))) return d.FullName;
        }
        throw new DirectoryNotFoundException("Platewatch.slnx not found above the test binaries.");
    }

    public void Dispose()
    {
        if (_recognizer.IsValueCreated) _recognizer.Value.Dispose();
        if (_renderer.IsValueCreated) _renderer.Value.Dispose();
    }
}
