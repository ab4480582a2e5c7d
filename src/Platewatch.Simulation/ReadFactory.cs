using System.Collections.Immutable;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Simulation;

/// <summary>
/// Turns a sorted day of raw reads into <see cref="PlateRead"/>s, adding the recognizer's noise. Each read's
/// randomness comes from its position in the day's sorted order, so any slice can be built on any thread.
/// </summary>
internal sealed class ReadFactory
{
    private readonly Population _pop;
    private readonly CameraLayout _cams;
    private readonly double _misreadRate;
    private readonly ulong _seed;
    private readonly string[] _regions;

    public ReadFactory(SimulationOptions o, Population pop, CameraLayout cams)
    {
        _pop = pop;
        _cams = cams;
        _misreadRate = o.MisreadRate;
        _seed = (ulong)o.Seed;
        _regions = pop.Regions;
    }

    /// <summary>
    /// Builds reads [from, to) of a day, given its raw reads already in sorted order and their sort keys,
    /// into <paramref name="output"/> starting at <paramref name="outAt"/>.
    /// </summary>
    public void Build(int day, long dayStartUnixMs, ulong[] keys, RawRead[] sorted, int from, int to, PlateRead[] output, int outAt)
    {
        ulong daySeed = Rng.Hash(_seed, 0xDA7, (ulong)(uint)day);
        // Reads within one millisecond get a rising counter in the id's rand_a field (RFC 9562, method 1),
        // so ids sort exactly as the reads do.
        int seq = 0;
        for (int q = from - 1; q >= 0 && (keys[q] >> 32) == (keys[from] >> 32); q--) seq++;
        for (int i = from; i < to; i++)
        {
            if (i > from) seq = (keys[i] >> 32) == (keys[i - 1] >> 32) ? seq + 1 : 0;
            ref readonly var raw = ref sorted[i];
            var rng = new Rng(Rng.Hash(daySeed, (ulong)i));
            output[outAt + (i - from)] = Make(in raw, dayStartUnixMs + raw.TimeMs, seq, ref rng);
        }
    }

    private PlateRead Make(in RawRead raw, long unixMs, int seq, ref Rng rng)
    {
        string truth = raw.Plate;
        var kind = _cams.Kinds[raw.Camera];
        bool mobile = kind is CameraKind.PatrolCar or CameraKind.Bus;
        string plate = truth;
        float confidence;
        var candidates = ImmutableArray<PlateCandidate>.Empty;
        if (rng.Chance(_misreadRate))
        {
            plate = Confusables.Misread(truth, rng.Chance(0.15) ? 2 : 1, ref rng);
            confidence = (float)rng.Range(0.40, 0.80);
            // The recognizer usually still ranks the true plate second: that is what misread-tolerant search relies on.
            double shape = rng.NextDouble();
            if (shape < 0.75)
            {
                candidates = [new PlateCandidate(truth, confidence * (float)rng.Range(0.6, 0.95))];
            }
            else if (shape < 0.9)
            {
                float second = confidence * (float)rng.Range(0.6, 0.95);
                string other = Confusables.Misread(truth, 1, ref rng);
                candidates = other == plate
                    ? [new PlateCandidate(truth, second)]
                    : [new PlateCandidate(truth, second), new PlateCandidate(other, second * (float)rng.Range(0.3, 0.8))];
            }
            else
            {
                string other = Confusables.Misread(plate, 1, ref rng);
                if (other != truth) candidates = [new PlateCandidate(other, confidence * (float)rng.Range(0.3, 0.8))];
            }
        }
        else
        {
            double u = rng.NextDouble();
            confidence = (float)((0.995 - (0.17 * u * u)) * (mobile ? 0.97 : 1.0));
            double shape = rng.NextDouble();
            if (shape > 0.85)
            {
                float c1 = confidence * (float)rng.Range(0.05, 0.4);
                string a = Confusables.Misread(truth, 1, ref rng);
                if (shape > 0.96)
                {
                    string b = Confusables.Misread(truth, 1, ref rng);
                    candidates = b == a
                        ? [new PlateCandidate(a, c1)]
                        : [new PlateCandidate(a, c1), new PlateCandidate(b, c1 * (float)rng.Range(0.3, 0.9))];
                }
                else
                {
                    candidates = [new PlateCandidate(a, c1)];
                }
            }
        }

        VehicleAttributes? attributes = null;
        double attrChance = kind switch { CameraKind.Pole or CameraKind.Toll => 0.7, CameraKind.Parking => 0.5, _ => 0.35 };
        if (rng.Chance(attrChance))
        {
            int index = raw.Attributes;
            if (rng.Chance(0.04))
            {
                // Colour classifiers confuse neighbouring shades under street lighting.
                var (t, c, m) = Population.AttributeParts(index);
                c = c switch { 0 => 2, 2 => 3, 3 => 2, 1 => 3, _ => c };
                index = Population.AttributeIndex(t, c, m);
            }
            attributes = _pop.AttributeCache[index];
        }

        var camera = _cams.Cameras[raw.Camera];
        return new PlateRead
        {
            Id = NewId(unixMs, seq, ref rng),
            Plate = plate,
            Region = _regions[raw.Region],
            Confidence = MathF.Round(confidence * 10_000f) / 10_000f,
            Candidates = candidates,
            CapturedAt = DateTimeOffset.FromUnixTimeMilliseconds(unixMs),
            Location = new GeoPoint(raw.Lat, raw.Lon, raw.Accuracy),
            Heading = float.IsNaN(raw.Heading) ? null : raw.Heading,
            SpeedKmh = float.IsNaN(raw.Speed) ? null : MathF.Round(raw.Speed),
            Vehicle = attributes,
            CameraId = camera.Id,
            AgencyId = camera.AgencyId,
        };
    }

    /// <summary>A UUIDv7 from the seeded stream: Guid.CreateVersion7 draws from an unseeded generator.</summary>
    internal static ReadId NewId(long unixMs, int seq, ref Rng rng)
    {
        Span<byte> b = stackalloc byte[16];
        ulong randB = rng.NextULong();
        int randA = Math.Min(seq, 0xFFF);
        b[0] = (byte)(unixMs >> 40);
        b[1] = (byte)(unixMs >> 32);
        b[2] = (byte)(unixMs >> 24);
        b[3] = (byte)(unixMs >> 16);
        b[4] = (byte)(unixMs >> 8);
        b[5] = (byte)unixMs;
        b[6] = (byte)(0x70 | (randA >> 8));
        b[7] = (byte)randA;
        b[8] = (byte)(0x80 | ((randB >> 56) & 0x3F));
        for (int i = 9; i < 16; i++) b[i] = (byte)(randB >> ((15 - i) * 8));
        return new ReadId(new Guid(b, bigEndian: true));
    }
}
