using Platewatch.Reads;

namespace Platewatch.Simulation;

[Flags]
internal enum VehicleFlags : byte
{
    None = 0,
    Commuter = 1,
    StreetParked = 2,
    GarageAtWork = 4,

    /// <summary>Habitually takes the column-first (north-south first) route.</summary>
    Transposed = 8,
    ConvoyFollower = 16,
    Visitor = 32,

    /// <summary>Leads a convoy or hosts a visitor: kept to a plain routine so the plant shows.</summary>
    Planted = 64,
}

/// <summary>One vehicle's fixed traits. A struct in one array: a million of them cost tens of megabytes, not objects.</summary>
internal struct VehicleSpec
{
    public int Home;

    /// <summary>-1 for vehicles that do not commute.</summary>
    public int Work;

    /// <summary>Where on the home block the vehicle parks, metres from the intersection: along one of its streets.</summary>
    public float HomeNorth;
    public float HomeEast;

    /// <summary>Habitual weekday departure, minutes after local midnight.</summary>
    public short DepartMinute;
    public short WorkMinutes;

    /// <summary>Chance, in percent, of an errand on a given evening or weekend slot.</summary>
    public byte ErrandPercent;
    public byte Region;
    public VehicleFlags Flags;
    public short Attributes;

    public readonly bool Has(VehicleFlags f) => (Flags & f) != 0;
}

internal readonly record struct VisitPlan(int Pair, int Host);

internal readonly record struct FollowPlan(int Convoy, int Leader, int Order);

/// <summary>The vehicles, their plates and the planted relationships between them.</summary>
internal sealed class Population
{
    public static readonly string[] Types = ["sedan", "suv", "pickup", "hatchback", "van", "wagon", "coupe"];
    public static readonly double[] TypeShares = [0.34, 0.30, 0.14, 0.08, 0.06, 0.05, 0.03];
    public static readonly string[] Colours = ["white", "black", "silver", "grey", "blue", "red", "green", "brown", "beige", "yellow"];
    public static readonly double[] ColourShares = [0.24, 0.22, 0.14, 0.16, 0.09, 0.08, 0.03, 0.02, 0.01, 0.01];
    public static readonly string[] Makes =
        ["Toyota", "Honda", "Ford", "Chevrolet", "Subaru", "Tesla", "Nissan", "Hyundai", "Kia", "Volkswagen", "BMW", "Mercedes-Benz", "Jeep", "Mazda", "Ram"];
    public static readonly double[] MakeShares = [0.16, 0.11, 0.11, 0.08, 0.09, 0.06, 0.06, 0.05, 0.05, 0.05, 0.04, 0.04, 0.04, 0.04, 0.02];

    public const double ConvoyDayChance = 0.5;

    private readonly StreetGrid _grid;
    private readonly CameraLayout _layout;

    public Population(SimulationOptions o, StreetGrid grid, CameraLayout layout, ref Rng rng)
    {
        _grid = grid;
        _layout = layout;
        int n = o.Vehicles;
        Vehicles = new VehicleSpec[n];
        Plates = new string[n];
        (Regions, var cumulative) = PlateFormats.RegionTable(o.HomeRegion);
        var formats = Regions.Select(PlateFormats.FormatOf).ToArray();
        var taken = Regions.Select(_ => new HashSet<string>(StringComparer.Ordinal)).ToArray();
        AttributeCache = BuildAttributes();

        var hubs = new (int Row, int Col, double Weight)[4];
        hubs[0] = (layout.DowntownRow, layout.DowntownCol, 0.45);
        for (int h = 1; h < hubs.Length; h++)
            hubs[h] = ((int)(grid.Rows * rng.Range(0.15, 0.85)), (int)(grid.Cols * rng.Range(0.15, 0.85)), 0.10);

        for (int v = 0; v < n; v++)
        {
            ref var s = ref Vehicles[v];
            s.Home = rng.Next(grid.Count);
            // Households line the streets out of their intersection, up to about half a block each way, at the kerb.
            // Squeezing a block's households into a square around the intersection parked unrelated households within
            // metres of each other every night, which the truth does not list and real streets rarely do.
            // Two draws, as the square placement took, so every later draw (and so the rest of the city) is unchanged.
            double along = rng.Range(-0.45, 0.45) * o.BlockMeters, u = rng.NextDouble();
            double kerb = (3 + (6 * (u * 4 % 1))) * (u * 2 % 1 < 0.5 ? 1 : -1);
            (s.HomeNorth, s.HomeEast) = u < 0.5 ? ((float)along, (float)kerb) : ((float)kerb, (float)along);
            bool commuter = rng.Chance(0.75);
            s.Work = -1;
            if (commuter)
            {
                double pick = rng.NextDouble(), acc = 0;
                int hub = -1;
                for (int h = 0; h < hubs.Length && hub < 0; h++)
                {
                    acc += hubs[h].Weight;
                    if (pick < acc) hub = h;
                }
                s.Work = hub < 0
                    ? rng.Next(grid.Count)
                    : grid.Clamp(hubs[hub].Row + (int)Math.Round(rng.Normal() * 3), hubs[hub].Col + (int)Math.Round(rng.Normal() * 3));
                if (hub == 0 && layout.Garages.Length > 0 && rng.Chance(0.35))
                {
                    s.Work = layout.Garages[rng.Next(layout.Garages.Length)];
                    s.Flags |= VehicleFlags.GarageAtWork;
                }
                s.Flags |= VehicleFlags.Commuter;
            }
            s.DepartMinute = (short)Math.Clamp(465 + (rng.Normal() * 40), 360, 600);
            s.WorkMinutes = (short)Math.Clamp(510 + (rng.Normal() * 40), 360, 660);
            s.ErrandPercent = (byte)rng.Next(10, 60);
            if (rng.Chance(0.55)) s.Flags |= VehicleFlags.StreetParked;
            if (rng.Chance(0.5)) s.Flags |= VehicleFlags.Transposed;
            s.Attributes = (short)AttributeIndex(Pick(TypeShares, ref rng), Pick(ColourShares, ref rng), Pick(MakeShares, ref rng));

            int region = Pick(cumulative, ref rng, cumulativeAlready: true);
            s.Region = (byte)region;
            string plate;
            do plate = PlateFormats.Generate(formats[region], ref rng);
            while (!taken[region].Add(plate));
            Plates[v] = plate;
        }

        _taken = taken;
        _formats = formats;
        Plant(o, ref rng);
    }

    private readonly HashSet<string>[] _taken;
    private readonly string[] _formats;

    public VehicleSpec[] Vehicles { get; }

    /// <summary>Each vehicle's plate; clones share the original's string instance.</summary>
    public string[] Plates { get; }
    public string[] Regions { get; }
    public VehicleAttributes[] AttributeCache { get; }

    public Dictionary<int, VisitPlan> Visitors { get; } = [];
    public List<(int Visitor, int Host)> VisitPairs { get; } = [];
    public Dictionary<int, FollowPlan> Followers { get; } = [];
    public List<int[]> ConvoyMembers { get; } = [];
    public List<(int A, int B, AssociateKind Kind)> Associates { get; } = [];
    public List<(int Original, int Clone)> Clones { get; } = [];
    public List<(string Plate, string Region, HotlistCategory Category, int? Vehicle)> Hotlist { get; } = [];

    public static int AttributeIndex(int type, int colour, int make) => (((type * Colours.Length) + colour) * Makes.Length) + make;

    public static (int Type, int Colour, int Make) AttributeParts(int index) =>
        (index / (Colours.Length * Makes.Length), index / Makes.Length % Colours.Length, index % Makes.Length);

    public (double Lat, double Lon) HomeSpot(int v)
    {
        ref var s = ref Vehicles[v];
        return _grid.Offset(_grid.Lat[s.Home], _grid.Lon[s.Home], s.HomeNorth, s.HomeEast);
    }

    /// <summary>Where a vehicle parks when it stops at an intersection other than home: stable per vehicle and place.</summary>
    public (double Lat, double Lon) SpotNear(int v, int intersection, ulong seed)
    {
        ulong h = Rng.Hash(seed, (ulong)v, (ulong)intersection, 0x5907);
        double north = ((h & 0xFFFF) / 65535.0 * 120) - 60;
        double east = (((h >> 16) & 0xFFFF) / 65535.0 * 120) - 60;
        return _grid.Offset(_grid.Lat[intersection], _grid.Lon[intersection], north, east);
    }

    private static int Pick(double[] shares, ref Rng rng, bool cumulativeAlready = false)
    {
        double u = rng.NextDouble(), acc = 0;
        for (int i = 0; i < shares.Length; i++)
        {
            acc = cumulativeAlready ? shares[i] : acc + shares[i];
            if (u < acc) return i;
        }
        return shares.Length - 1;
    }

    private static VehicleAttributes[] BuildAttributes()
    {
        var all = new VehicleAttributes[Types.Length * Colours.Length * Makes.Length];
        for (int i = 0; i < all.Length; i++)
        {
            var (t, c, m) = AttributeParts(i);
            all[i] = new VehicleAttributes(Types[t], Colours[c], Makes[m]);
        }
        return all;
    }

    private void Plant(SimulationOptions o, ref Rng rng)
    {
        int n = Vehicles.Length;
        var used = new HashSet<int>();
        int Take(ref Rng r)
        {
            // Plants need a home-region plate: out-of-region plates are a different signal.
            for (int attempt = 0; ; attempt++)
            {
                int v = r.Next(n);
                if (!used.Contains(v) && (Vehicles[v].Region == 0 || attempt > 1000) && used.Add(v)) return v;
            }
        }
        int rows = _grid.Rows;
        int clones = o.ClonedPlates, pairs = o.AssociatePairs, convoys = o.Convoys;
        long need = (2L * clones) + (2L * pairs) + (3L * convoys);
        if (need > n / 2)
        {
            double f = n / 2 / (double)need;
            (clones, pairs, convoys) = ((int)(clones * f), (int)(pairs * f), (int)(convoys * f));
        }

        for (int i = 0; i < clones; i++)
        {
            // Opposite ends of the city, each commuting within its own end, leaving at about the same time:
            // the same plate then shows up far apart within the hour.
            int a = Take(ref rng), b = Take(ref rng);
            int band = Math.Max(1, rows / 4);
            PlaceAt(a, rows - 1 - rng.Next(band), band, ref rng);
            PlaceAt(b, rng.Next(band), band, ref rng);
            Vehicles[b].DepartMinute = (short)(Vehicles[a].DepartMinute + rng.Next(-15, 16));
            Vehicles[b].Region = Vehicles[a].Region;
            _taken[Vehicles[b].Region].Remove(Plates[b]);
            Plates[b] = Plates[a];
            var (ta, ca, ma) = AttributeParts(Vehicles[a].Attributes);
            Vehicles[b].Attributes = (short)AttributeIndex(ta, (ca + 1 + rng.Next(Colours.Length - 1)) % Colours.Length, (ma + 1 + rng.Next(Makes.Length - 1)) % Makes.Length);
            Clones.Add((a, b));
        }

        for (int i = 0; i < pairs; i++)
        {
            int a = Take(ref rng), b = Take(ref rng);
            ref var sa = ref Vehicles[a];
            ref var sb = ref Vehicles[b];
            if (i % 2 == 0)
            {
                sb.Home = sa.Home;
                // Next door: a few metres along the same kerb.
                float north = (float)rng.Range(-15, 15), east = (float)rng.Range(-15, 15);
                bool northSouth = Math.Abs(sa.HomeNorth) >= Math.Abs(sa.HomeEast);
                sb.HomeNorth = sa.HomeNorth + (northSouth ? north : 0);
                sb.HomeEast = sa.HomeEast + (northSouth ? 0 : east);
                sa.Flags = (sa.Flags | VehicleFlags.StreetParked | VehicleFlags.Commuter) & ~VehicleFlags.GarageAtWork;
                if (sa.Work < 0) sa.Work = rng.Next(_grid.Count);
                sb.Flags = (sb.Flags | VehicleFlags.StreetParked | VehicleFlags.Commuter) & ~VehicleFlags.GarageAtWork;
                sb.Work = sa.Work;
                Associates.Add((a, b, AssociateKind.Neighbours));
            }
            else
            {
                sa.Flags |= VehicleFlags.Visitor;
                sb.Flags |= VehicleFlags.StreetParked | VehicleFlags.Planted;
                Visitors[a] = new VisitPlan(VisitPairs.Count, b);
                VisitPairs.Add((a, b));
                Associates.Add((a, b, AssociateKind.OvernightVisits));
            }
        }

        for (int i = 0; i < convoys; i++)
        {
            int size = rng.Chance(0.6) ? 2 : 3;
            var members = new int[size];
            members[0] = Take(ref rng);
            ref var lead = ref Vehicles[members[0]];
            lead.Flags = (lead.Flags | VehicleFlags.Commuter | VehicleFlags.Planted) & ~VehicleFlags.GarageAtWork;
            if (lead.Work < 0) lead.Work = rng.Next(_grid.Count);
            lead.ErrandPercent = 70;
            for (int m = 1; m < size; m++)
            {
                members[m] = Take(ref rng);
                Vehicles[members[m]].Flags |= VehicleFlags.ConvoyFollower;
                Followers[members[m]] = new FollowPlan(i, members[0], m);
            }
            ConvoyMembers.Add(members);
        }

        // Hotlists mix plates in the city with plates never seen; cloned plates are typically reported stolen.
        var categories = new[] { HotlistCategory.StolenVehicle, HotlistCategory.StolenPlate, HotlistCategory.WantedPerson, HotlistCategory.MissingPerson, HotlistCategory.AmberAlert };
        double[] shares = [0.40, 0.20, 0.22, 0.12, 0.06];
        for (int i = 0; i < o.HotlistCandidates; i++)
        {
            if (i < Clones.Count && i < o.HotlistCandidates / 4)
            {
                int v = Clones[i].Original;
                Hotlist.Add((Plates[v], Regions[Vehicles[v].Region], HotlistCategory.StolenPlate, v));
                continue;
            }
            var category = categories[Pick(shares, ref rng)];
            if (rng.Chance(0.8))
            {
                int v = rng.Next(n);
                Hotlist.Add((Plates[v], Regions[Vehicles[v].Region], category, v));
            }
            else
            {
                string plate;
                do plate = PlateFormats.Generate(_formats[0], ref rng);
                while (!_taken[0].Add(plate));
                Hotlist.Add((plate, Regions[0], category, null));
            }
        }
    }

    /// <summary>Puts a vehicle's home and work in the band of rows starting at <paramref name="row"/>.</summary>
    private void PlaceAt(int v, int row, int band, ref Rng rng)
    {
        ref var s = ref Vehicles[v];
        int bandStart = row >= _grid.Rows / 2 ? _grid.Rows - band : 0;
        s.Home = _grid.Index(row, rng.Next(_grid.Cols));
        s.Work = _grid.Index(bandStart + rng.Next(band), rng.Next(_grid.Cols));
        s.Flags = (s.Flags | VehicleFlags.Commuter | VehicleFlags.Planted) & ~VehicleFlags.GarageAtWork;
        s.ErrandPercent = 50;
    }
}
