using System.Collections.Concurrent;
using System.Diagnostics;

namespace Platewatch.Agent.Tests.Support;

internal sealed record ExeResult(int ExitCode, string Stdout, string Stderr);

/// <summary>The real 'platewatch' executable, run as a user would; long-running ones (serve, agent) with their output collected.</summary>
internal sealed class PlatewatchProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private PlatewatchProcess(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output => string.Join('\n', _lines);

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static PlatewatchProcess Start(string workDir, params string[] args)
    {
        var p = Process.Start(Info(workDir, args))!;
        return new PlatewatchProcess(p);
    }

    public static async Task<ExeResult> RunAsync(string workDir, params string[] args)
    {
        using var p = Process.Start(Info(workDir, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new ExeResult(p.ExitCode, await stdout, await stderr);
    }

    private static ProcessStartInfo Info(string workDir, string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "platewatch.dll"));
        foreach (string a in args) psi.ArgumentList.Add(a);
        psi.Environment["NO_COLOR"] = "1";
        psi.Environment["PLATEWATCH_MODELS"] = Models.Directory;
        return psi;
    }

    /// <summary>Waits until a line of output contains <paramref name="text"/>; false if the process exits or time runs out first.</summary>
    public async Task<bool> WaitForOutputAsync(string text, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        while (DateTime.UtcNow < until)
        {
            if (_lines.Any(l => l.Contains(text, StringComparison.Ordinal))) return true;
            if (_process.HasExited) return _lines.Any(l => l.Contains(text, StringComparison.Ordinal));
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        return false;
    }

    public async Task<int> WaitForExitAsync(TimeSpan within)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(within);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"platewatch did not exit within {within.TotalSeconds} s. Output:\n{Output}");
        }
        _process.WaitForExit(); // drains the asynchronous output readers
        return _process.ExitCode;
    }

    /// <summary>SIGTERM, as a service manager stops it; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan within)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
        return await WaitForExitAsync(within);
    }

    /// <summary>SIGKILL: no chance to flush or clean up.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: false);
        _process.WaitForExit();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }
        catch (InvalidOperationException) { }
        _process.Dispose();
    }
}

internal static class Models
{
    public static string Directory { get; } = Find();

    private static string Find()
    {
        string? env = Environment.GetEnvironmentVariable("PLATEWATCH_MODELS");
        if (!string.IsNullOrWhiteSpace(env)) return env;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            string c = Path.Combine(d.FullName, "models");
            if (File.Exists(Path.Combine(c, "SHA256SUMS"))) return c;
        }
        return Path.Combine(AppContext.BaseDirectory, "models");
    }
}
