using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Platewatch.Cli.Workspace;

/// <summary>
/// Progress for long work: a bar with rate and ETA on a terminal; on a pipe or in CI, a plain line on
/// standard error every few seconds, so logs stay readable and stdout stays clean for --json.
/// </summary>
internal sealed class ProgressDisplay
{
    private readonly IAnsiConsole _console;

    public ProgressDisplay(IAnsiConsole console) => _console = console;

    /// <summary>Runs <paramref name="work"/>, which reports (done, total) through the callback it is given.</summary>
    public async Task<T> RunAsync<T>(string label, string unit, double total, Func<Action<double>, Task<T>> work)
    {
        if (_console.Profile.Capabilities.Interactive && !Console.IsErrorRedirected && !Console.IsOutputRedirected)
        {
            T result = default!;
            await _console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
                .StartAsync(async ctx =>
                {
                    var task = ctx.AddTask(label, maxValue: Math.Max(1, total));
                    var sw = Stopwatch.StartNew();
                    result = await work(done =>
                    {
                        task.Value = Math.Min(done, task.MaxValue);
                        double rate = done / Math.Max(0.001, sw.Elapsed.TotalSeconds);
                        task.Description = $"{label} [grey]{Human(rate)} {unit}/s[/]";
                    }).ConfigureAwait(false);
                    task.Value = task.MaxValue;
                }).ConfigureAwait(false);
            return result;
        }

        var watch = Stopwatch.StartNew();
        var last = TimeSpan.Zero;
        return await work(done =>
        {
            if (watch.Elapsed - last < TimeSpan.FromSeconds(5)) return;
            last = watch.Elapsed;
            double rate = done / Math.Max(0.001, watch.Elapsed.TotalSeconds);
            string eta = total > 0 && rate > 0 ? TimeSpan.FromSeconds(Math.Max(0, (total - done) / rate)).ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture) : "?";
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label}: {Human(done)}/{Human(total)} {unit} ({(total > 0 ? done / total : 0):P0}), {Human(rate)} {unit}/s, ETA {eta}"));
        }).ConfigureAwait(false);
    }

    public static string Human(double v) => v switch
    {
        >= 1e9 => (v / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + "G",
        >= 1e6 => (v / 1e6).ToString("0.##", CultureInfo.InvariantCulture) + "M",
        >= 1e4 => (v / 1e3).ToString("0.#", CultureInfo.InvariantCulture) + "k",
        _ => v.ToString("0", CultureInfo.InvariantCulture),
    };
}
