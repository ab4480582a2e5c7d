using System.Diagnostics;

namespace Platewatch.Cli.Tests;

internal sealed record CliResult(int ExitCode, string Stdout, string Stderr);

/// <summary>Runs the real 'platewatch' executable in a scratch directory of its own, as a user would.</summary>
internal sealed class CliRunner : IDisposable
{
    public CliRunner()
    {
        Directory.CreateDirectory(WorkDir);
    }

    public string WorkDir { get; } = Path.Combine(Path.GetTempPath(), "pw-cli-" + Guid.NewGuid().ToString("N"));

    public string DataDir => Path.Combine(WorkDir, "data");

    public string PathOf(string name) => Path.Combine(WorkDir, name);

    public async Task<CliResult> RunAsync(params string[] args)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "platewatch.dll");
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = WorkDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["PLATEWATCH_DATA"] = DataDir;
        psi.Environment["NO_COLOR"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }

    public void Dispose()
    {
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { }
    }
}
