using System.Globalization;
using Platewatch.Geo;
using Platewatch.Reads;

namespace Platewatch.Simulation;

/// <summary>The street a fixed camera watches through its intersection: east-west (row) or north-south (column).</summary>
internal enum Axis : byte
{
    Row,
    Column,
}

/// <summary>
/// Where the cameras are and which traffic each sees. Pole and toll cameras watch one street through an
/// intersection, both directions; they go to arterial junctions first, as real deployments do. Parking
/// cameras sit at garage entrances downtown and read only vehicles that park in that garage.
/// </summary>
internal sealed class CameraLayout
{
    public CameraLayout(SimulationOptions o, StreetGrid grid, ref Rng rng)
    {
        int fixedCount = o.FixedCameras;
        if (fixedCount > grid.Count)
            throw new ArgumentException($"{fixedCount} fixed cameras do not fit a grid of {grid.Count} intersections: lower FixedCameras or BlockMeters.");
        int tolls = fixedCount >= 10 ? Math.Max(1, fixedCount / 20) : 0;
        int parking = fixedCount >= 5 ? Math.Max(1, fixedCount / 10) : 0;
        int poles = fixedCount - tolls - parking;
        int buses = o.MobileCameras / 3;
        int patrols = o.MobileCameras - buses;

        // Seattle's downtown sits a little south of the box's middle; other cities get the same shape.
        DowntownRow = Math.Clamp((int)(grid.Rows * 0.46), 0, grid.Rows - 1);
        DowntownCol = Math.Clamp((int)(grid.Cols * 0.52), 0, grid.Cols - 1);

        string police = o.AgencyId;
        string transit = o.TransitAgencyId ?? o.AgencyId;
        var cameras = new List<Camera>(fixedCount + o.MobileCameras);
        var kinds = new List<CameraKind>();
        var inter = new List<int>();
        var axes = new List<Axis>();
        var used = new bool[grid.Count];
        GarageCamera = new int[grid.Count];
        Array.Fill(GarageCamera, -1);

        var junctions = new List<int>();
        var arterialOnly = new List<int>();
        var rest = new List<int>();
        for (int i = 0; i < grid.Count; i++)
        {
            bool ar = grid.ArterialRow[grid.RowOf(i)], ac = grid.ArterialCol[grid.ColOf(i)];
            (ar && ac ? junctions : ar || ac ? arterialOnly : rest).Add(i);
        }
        Shuffle(junctions, ref rng);
        Shuffle(arterialOnly, ref rng);
        Shuffle(rest, ref rng);
        var placeOrder = junctions.Concat(arterialOnly).Concat(rest).ToList();
        int cursor = 0;

        void AddFixed(CameraKind kind, int at, Axis axis, string agency, string prefix, int number, ref Rng r)
        {
            used[at] = true;
            int idx = cameras.Count;
            // Mounted on a corner a few metres from the junction's centre.
            var (lat, lon) = grid.Offset(grid.Lat[at], grid.Lon[at], r.Range(-12, 12), r.Range(-12, 12));
            float heading = axis == Axis.Row ? (r.Chance(0.5) ? 90f : 270f) : (r.Chance(0.5) ? 0f : 180f);
            string name = string.Create(CultureInfo.InvariantCulture,
                $"{kind} camera at street {grid.RowOf(at)} x avenue {grid.ColOf(at)}");
            cameras.Add(new Camera(string.Create(CultureInfo.InvariantCulture, $"{prefix}-{number:D3}"), agency, kind, name,
                new GeoPoint(lat, lon, 3), heading));
            kinds.Add(kind);
            inter.Add(at);
            axes.Add(axis);
            if (kind == CameraKind.Parking) GarageCamera[at] = idx;
        }

        int NextPlace()
        {
            while (used[placeOrder[cursor]]) cursor++;
            return placeOrder[cursor];
        }

        Axis AxisFor(int at, ref Rng r)
        {
            bool ar = grid.ArterialRow[grid.RowOf(at)], ac = grid.ArterialCol[grid.ColOf(at)];
            return ar && ac ? (r.Chance(0.5) ? Axis.Row : Axis.Column) : ar ? Axis.Row : ac ? Axis.Column : (r.Chance(0.5) ? Axis.Row : Axis.Column);
        }

        // Garages cluster downtown, within a few blocks of its centre.
        var garages = new List<int>();
        for (int attempts = 0; garages.Count < parking && attempts < parking * 200; attempts++)
        {
            int spread = 2 + (attempts / 50);
            int at = grid.Clamp(DowntownRow + (int)Math.Round(rng.Normal() * spread), DowntownCol + (int)Math.Round(rng.Normal() * spread));
            if (used[at]) continue;
            AddFixed(CameraKind.Parking, at, Axis.Row, police, "park", garages.Count + 1, ref rng);
            garages.Add(at);
        }
        for (int t = 0; t < tolls; t++)
        {
            int at = NextPlace();
            AddFixed(CameraKind.Toll, at, AxisFor(at, ref rng), transit, "toll", t + 1, ref rng);
        }
        for (int p = 0; p < poles; p++)
        {
            int at = NextPlace();
            AddFixed(CameraKind.Pole, at, AxisFor(at, ref rng), police, "pole", p + 1, ref rng);
        }
        Garages = [.. garages];

        FirstMobile = cameras.Count;
        for (int p = 0; p < patrols; p++)
        {
            cameras.Add(new Camera(string.Create(CultureInfo.InvariantCulture, $"patrol-{p + 1:D2}"), police, CameraKind.PatrolCar,
                string.Create(CultureInfo.InvariantCulture, $"Patrol car {p + 1}")));
            kinds.Add(CameraKind.PatrolCar);
            inter.Add(-1);
            axes.Add(Axis.Row);
        }
        var loops = new List<int[]>();
        for (int b = 0; b < buses; b++)
        {
            cameras.Add(new Camera(string.Create(CultureInfo.InvariantCulture, $"bus-{b + 1:D2}"), transit, CameraKind.Bus,
                string.Create(CultureInfo.InvariantCulture, $"Bus route {b + 1}")));
            kinds.Add(CameraKind.Bus);
            inter.Add(-1);
            axes.Add(Axis.Row);
            loops.Add(BusLoop(grid, ref rng));
        }
        BusLoops = [.. loops];

        Cameras = [.. cameras];
        Kinds = [.. kinds];
        Intersection = [.. inter];
        Axes = [.. axes];
        PatrolCount = patrols;
        BusCount = buses;
        (RowCamStart, RowCamPos, RowCamId) = BuildIndex(grid.Rows, Axis.Row, i => grid.RowOf(i), i => grid.ColOf(i));
        (ColCamStart, ColCamPos, ColCamId) = BuildIndex(grid.Cols, Axis.Column, i => grid.ColOf(i), i => grid.RowOf(i));
    }

    public Camera[] Cameras { get; }
    public CameraKind[] Kinds { get; }

    /// <summary>The intersection of a fixed camera; -1 for mobile ones.</summary>
    public int[] Intersection { get; }
    public Axis[] Axes { get; }
    public int FirstMobile { get; }
    public int PatrolCount { get; }
    public int BusCount { get; }
    public int DowntownRow { get; }
    public int DowntownCol { get; }

    /// <summary>The parking camera at each intersection, or -1.</summary>
    public int[] GarageCamera { get; }
    public int[] Garages { get; }

    /// <summary>Each bus's closed loop of intersections along arterials, in driving order.</summary>
    public int[][] BusLoops { get; }

    // Cameras watching each row (east-west street), sorted by column: [RowCamStart[r], RowCamStart[r + 1]).
    public int[] RowCamStart { get; }
    public int[] RowCamPos { get; }
    public int[] RowCamId { get; }

    // Cameras watching each column (north-south street), sorted by row.
    public int[] ColCamStart { get; }
    public int[] ColCamPos { get; }
    public int[] ColCamId { get; }

    private (int[] Start, int[] Pos, int[] Id) BuildIndex(int lines, Axis axis, Func<int, int> lineOf, Func<int, int> posOf)
    {
        var entries = new List<(int Line, int Pos, int Id)>();
        for (int i = 0; i < Cameras.Length; i++)
        {
            if (Intersection[i] < 0 || Kinds[i] == CameraKind.Parking || Axes[i] != axis) continue;
            entries.Add((lineOf(Intersection[i]), posOf(Intersection[i]), i));
        }
        entries.Sort();
        var start = new int[lines + 1];
        foreach (var e in entries) start[e.Line + 1]++;
        for (int l = 0; l < lines; l++) start[l + 1] += start[l];
        return (start, [.. entries.Select(e => e.Pos)], [.. entries.Select(e => e.Id)]);
    }

    private static int[] BusLoop(StreetGrid grid, ref Rng rng)
    {
        var rows = Enumerable.Range(0, grid.Rows).Where(r => grid.ArterialRow[r]).ToList();
        var cols = Enumerable.Range(0, grid.Cols).Where(c => grid.ArterialCol[c]).ToList();
        int r1 = rows[rng.Next(rows.Count)], c1 = cols[rng.Next(cols.Count)];
        int r2 = rows.Count > 1 ? rows[rng.Next(rows.Count)] : Math.Clamp(r1 + 3, 0, grid.Rows - 1);
        int c2 = cols.Count > 1 ? cols[rng.Next(cols.Count)] : Math.Clamp(c1 + 3, 0, grid.Cols - 1);
        if (r1 == r2) r2 = r1 + (r1 + 3 < grid.Rows ? 3 : -3);
        if (c1 == c2) c2 = c1 + (c1 + 3 < grid.Cols ? 3 : -3);
        r2 = Math.Clamp(r2, 0, grid.Rows - 1);
        c2 = Math.Clamp(c2, 0, grid.Cols - 1);
        if (r1 > r2) (r1, r2) = (r2, r1);
        if (c1 > c2) (c1, c2) = (c2, c1);
        var loop = new List<int>();
        for (int c = c1; c < c2; c++) loop.Add(grid.Index(r1, c));
        for (int r = r1; r < r2; r++) loop.Add(grid.Index(r, c2));
        for (int c = c2; c > c1; c--) loop.Add(grid.Index(r2, c));
        for (int r = r2; r > r1; r--) loop.Add(grid.Index(r, c1));
        return [.. loop];
    }

    private static void Shuffle<T>(List<T> list, ref Rng rng)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }
}
