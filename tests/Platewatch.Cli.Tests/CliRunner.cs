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

    public Task<CliResult> RunAsync(params string[] args) => RunWithAsync(null, args);

    /// <summary>Runs with extra environment variables (a password, a token).</summary>
    public async Task<CliResult> RunWithAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var p = Process.Start(StartInfo(environment, args))!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await p.WaitForExitAsync(TestContext.Current.CancellationToken);
        return new CliResult(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts a long-running command (serve) and leaves it running; its output is drained so it never blocks.</summary>
    public Process Start(params string[] args) => Start(null, args);

    /// <inheritdoc cref="Start(string[])"/>
    public Process Start(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var p = Process.Start(StartInfo(environment, args))!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>A port nobody listens on right now, for a server or a receiver on 127.0.0.1.</summary>
    public static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Waits until a started <c>serve</c> answers /health/ready; fails if it exits first.</summary>
    public static async Task WaitReadyAsync(HttpClient http, Process server)
    {
        for (int i = 0; i < 300; i++)
        {
            Assert.False(server.HasExited, "platewatch serve exited at start-up");
            try
            {
                if ((await http.GetAsync("/health/ready", TestContext.Current.CancellationToken)).IsSuccessStatusCode) return;
            }
            catch (Exception ex) when (ex is HttpRequestException or System.Net.Sockets.SocketException or IOException)
            {
            }
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
        throw new TimeoutException("platewatch serve did not become ready");
    }

    private ProcessStartInfo StartInfo(IReadOnlyDictionary<string, string>? environment, string[] args)
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
        if (environment is not null) foreach (var (k, v) in environment) psi.Environment[k] = v;
        return psi;
    }

    public void Dispose()
    {
        try { Directory.Delete(WorkDir, recursive: true); } catch (IOException) { }
    }
}
