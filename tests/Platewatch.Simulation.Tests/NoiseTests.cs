using Platewatch.Plates;

namespace Platewatch.Simulation.Tests;

public sealed class NoiseTests
{
    private static readonly SimulationOptions Noisy = TestCity.Options with { Vehicles = 300, Days = 3, MisreadRate = 0.10 };

    [Fact]
    public void Misread_rate_is_roughly_as_configured()
    {
        var sim = new CitySimulator(Noisy);
        var plates = sim.Truth.Vehicles.Select(v => v.Plate).ToHashSet();
        var reads = sim.Generate().SelectMany(b => b).ToList();
        double rate = reads.Count(r => !plates.Contains(r.Plate)) / (double)reads.Count;
        Assert.True(reads.Count > 3000, $"{reads.Count} reads");
        Assert.InRange(rate, 0.085, 0.115);
    }

    [Fact]
    public void Misreads_are_look_alikes_of_a_real_plate_ranked_below_by_confidence()
    {
        var sim = new CitySimulator(Noisy);
        var plates = sim.Truth.Vehicles.Select(v => v.Plate).ToHashSet();
        var reads = sim.Generate().SelectMany(b => b).ToList();
        var misreads = reads.Where(r => !plates.Contains(r.Plate)).ToList();
        var clean = reads.Where(r => plates.Contains(r.Plate)).ToList();
        Assert.True(misreads.Average(r => r.Confidence) < clean.Average(r => r.Confidence) - 0.2);
        int withTruth = misreads.Count(r => r.Candidates.Any(c => plates.Contains(c.Plate)));
        Assert.True(withTruth > misreads.Count * 0.7, $"{withTruth} of {misreads.Count} misreads list the true plate");
        Assert.All(misreads, r => Assert.Contains(plates, p => PlateText.SkeletonDistance(p, r.Plate, 2) == 0 || p.Length == r.Plate.Length));
        Assert.All(reads, r => Assert.All(r.Candidates, c =>
        {
            Assert.True(c.Confidence <= r.Confidence);
            Assert.NotEqual(r.Plate, c.Plate);
        }));
    }

    [Fact]
    public void Clean_reads_mostly_carry_no_candidates()
    {
        var plates = TestCity.Truth.Vehicles.Select(v => v.Plate).ToHashSet();
        var clean = TestCity.Reads.Where(r => plates.Contains(r.Plate)).ToList();
        Assert.All(clean, r => Assert.InRange(r.Candidates.Length, 0, 2));
        Assert.InRange(clean.Count(r => r.Candidates.Length > 0), clean.Count * 0.05, clean.Count * 0.3);
        Assert.True(clean.Average(r => r.Confidence) > 0.85);
    }

    [Fact]
    public void Zero_misread_rate_gives_only_true_plates()
    {
        var sim = new CitySimulator(Noisy with { MisreadRate = 0 });
        var plates = sim.Truth.Vehicles.Select(v => v.Plate).ToHashSet();
        Assert.All(sim.Generate().SelectMany(b => b), r => Assert.Contains(r.Plate, plates));
    }

    [Fact]
    public void Miss_rate_thins_fixed_camera_reads_as_configured()
    {
        var options = Noisy with { MisreadRate = 0 };
        int all = FixedReads(options with { MissRate = 0 });
        int thinned = FixedReads(options with { MissRate = 0.3 });
        Assert.InRange(thinned / (double)all, 0.66, 0.74);
    }

    private static int FixedReads(SimulationOptions options)
    {
        var sim = new CitySimulator(options);
        var fixedIds = sim.City.Cameras.Where(c => !c.IsMobile).Select(c => c.Id).ToHashSet();
        return sim.Generate().SelectMany(b => b).Count(r => fixedIds.Contains(r.CameraId));
    }
}
