namespace Platewatch.Simulation;

/// <summary>
/// SplitMix64: tiny, fast and fully specified, so a seed means the same stream on every runtime version
/// (System.Random's seeded algorithm is an implementation detail). Every independent piece of the
/// simulation (a vehicle's day, a patrol car's shift, one read's noise) gets its own stream from
/// <see cref="For(ulong, ulong, ulong, ulong)"/>, which is what keeps parallel generation deterministic.
/// It is a mutable struct: pass it by <c>ref</c>.
/// </summary>
internal struct Rng
{
    private ulong _state;

    public Rng(ulong seed) => _state = seed;

    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    public static ulong Hash(ulong a, ulong b, ulong c = 0, ulong d = 0) =>
        Mix(a + Mix(b + Mix(c + Mix(d + 0x9E3779B97F4A7C15UL))));

    public static Rng For(ulong a, ulong b, ulong c = 0, ulong d = 0) => new(Hash(a, b, c, d));

    public ulong NextULong()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [0, n); the multiply-shift bias is far below anything the simulation can notice.</summary>
    public int Next(int n) => (int)(((NextULong() >> 32) * (ulong)n) >> 32);

    public int Next(int min, int maxExclusive) => min + Next(maxExclusive - min);

    public double Range(double min, double max) => min + ((max - min) * NextDouble());

    public bool Chance(double p) => NextDouble() < p;

    /// <summary>Standard normal (Box-Muller; the second value is dropped to keep the struct small).</summary>
    public double Normal()
    {
        double u1 = 1.0 - NextDouble();
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
