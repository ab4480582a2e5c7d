using System.Diagnostics;
using System.Globalization;

namespace Platewatch.Simulation.Tests;

/// <summary>
/// Not a test: a measurement, run by hand and never timed against a limit. Release build, explicit only:
/// <c>SIM_VEHICLES=500000 SIM_DAYS=4 dotnet run -c Release --project tests/Platewatch.Simulation.Tests -- -method "*Measure_generation_rate" -explicit only</c>
/// </summary>
public sealed class GenerationRate
{
    [Fact(Explicit = true)]
    public void Measure_generation_rate()
    {
        int vehicles = Env("SIM_VEHICLES", 500_000), days = Env("SIM_DAYS", 4), batchSize = Env("SIM_BATCH", CitySimulator.DefaultBatchSize);
        var options = new SimulationOptions { Vehicles = vehicles, Days = days };
        var wall = Stopwatch.StartNew();
        var sim = new CitySimulator(options);
        long estimate = sim.EstimateReads();
        var setup = wall.Elapsed;
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        long gc0 = GC.GetTotalAllocatedBytes();
        var pause0 = GC.GetTotalPauseDuration();
        wall.Restart();
        long reads = 0;
        foreach (var batch in sim.Generate(batchSize)) reads += batch.Count;
        double seconds = wall.Elapsed.TotalSeconds;
        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpu0).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{vehicles:N0} vehicles x {days} days: {reads:N0} reads (estimated {estimate:N0}) in {seconds:F2} s = {reads / seconds:N0} reads/s; " +
            $"CPU {cpu:F2} s ({cpu * 1e9 / reads:F0} ns/read); {(GC.GetTotalAllocatedBytes() - gc0) / (double)reads:F0} B allocated/read; " +
            $"GC pauses {(GC.GetTotalPauseDuration() - pause0).TotalSeconds:F2} s; {reads / (double)vehicles / days:F2} reads per vehicle-day; batches of {batchSize}; setup {setup.TotalSeconds:F2} s; {Environment.ProcessorCount} cores"));
        Assert.True(reads > 0);
    }

    private static int Env(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out int v) ? v : fallback;
}
