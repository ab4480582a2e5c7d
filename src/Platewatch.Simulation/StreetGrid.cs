using Platewatch.Geo;

namespace Platewatch.Simulation;

/// <summary>
/// A jittered Manhattan grid. Rows are east-west streets (row 0 southernmost), columns north-south ones;
/// every fourth of each is an arterial. Distances along a street come from prefix sums, so the time a
/// vehicle reaches any intersection of a trip is O(1).
/// </summary>
internal sealed class StreetGrid
{
    public const int ArterialEvery = 4;

    public StreetGrid(SimulationOptions options, ref Rng rng)
    {
        var b = options.Bounds;
        MetersPerDegreeLat = Haversine.EarthRadiusMeters * Math.PI / 180;
        MetersPerDegreeLon = MetersPerDegreeLat * Math.Cos(Haversine.DegreesToRadians((b.MinLatitude + b.MaxLatitude) / 2));
        double heightM = (b.MaxLatitude - b.MinLatitude) * MetersPerDegreeLat;
        double widthM = (b.MaxLongitude - b.MinLongitude) * MetersPerDegreeLon;
        Rows = Math.Clamp((int)Math.Round(heightM / options.BlockMeters), 2, 2000);
        Cols = Math.Clamp((int)Math.Round(widthM / options.BlockMeters), 2, 2000);
        double dLat = (b.MaxLatitude - b.MinLatitude) / Rows;
        double dLon = (b.MaxLongitude - b.MinLongitude) / Cols;

        int n = Rows * Cols;
        Lat = new double[n];
        Lon = new double[n];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 0; c < Cols; c++)
            {
                // Jitter keeps the grid from looking synthetic on a map while keeping every block non-degenerate.
                Lat[Index(r, c)] = b.MinLatitude + ((r + 0.5 + rng.Range(-0.15, 0.15)) * dLat);
                Lon[Index(r, c)] = b.MinLongitude + ((c + 0.5 + rng.Range(-0.15, 0.15)) * dLon);
            }
        }

        ArterialRow = new bool[Rows];
        ArterialCol = new bool[Cols];
        for (int r = ArterialEvery / 2; r < Rows; r += ArterialEvery) ArterialRow[r] = true;
        for (int c = ArterialEvery / 2; c < Cols; c += ArterialEvery) ArterialCol[c] = true;
        if (Rows <= ArterialEvery / 2) ArterialRow[Rows / 2] = true;
        if (Cols <= ArterialEvery / 2) ArterialCol[Cols / 2] = true;
        NearestArterialRow = Nearest(ArterialRow);
        NearestArterialCol = Nearest(ArterialCol);

        RowCum = new float[n];
        for (int r = 0; r < Rows; r++)
        {
            for (int c = 1; c < Cols; c++)
                RowCum[(r * Cols) + c] = RowCum[(r * Cols) + c - 1] + (float)Distance(Index(r, c - 1), Index(r, c));
        }
        ColCum = new float[n];
        for (int c = 0; c < Cols; c++)
        {
            for (int r = 1; r < Rows; r++)
                ColCum[(c * Rows) + r] = ColCum[(c * Rows) + r - 1] + (float)Distance(Index(r - 1, c), Index(r, c));
        }
    }

    public int Rows { get; }
    public int Cols { get; }
    public int Count => Rows * Cols;
    public double MetersPerDegreeLat { get; }
    public double MetersPerDegreeLon { get; }
    public double[] Lat { get; }
    public double[] Lon { get; }
    public bool[] ArterialRow { get; }
    public bool[] ArterialCol { get; }
    public int[] NearestArterialRow { get; }
    public int[] NearestArterialCol { get; }

    /// <summary>Metres from (r, 0) along row r, at [r * Cols + c].</summary>
    public float[] RowCum { get; }

    /// <summary>Metres from (0, c) along column c, at [c * Rows + r].</summary>
    public float[] ColCum { get; }

    public int Index(int row, int col) => (row * Cols) + col;

    public int RowOf(int i) => i / Cols;

    public int ColOf(int i) => i % Cols;

    public bool IsArterial(int i) => ArterialRow[RowOf(i)] || ArterialCol[ColOf(i)];

    public double RowDistance(int row, int c1, int c2) => Math.Abs(RowCum[(row * Cols) + c2] - RowCum[(row * Cols) + c1]);

    public double ColDistance(int col, int r1, int r2) => Math.Abs(ColCum[(col * Rows) + r2] - ColCum[(col * Rows) + r1]);

    /// <summary>Flat-earth distance; exact enough within a city.</summary>
    public double Distance(int a, int b) => DistanceMeters(Lat[a], Lon[a], Lat[b], Lon[b]);

    public double DistanceMeters(double lat1, double lon1, double lat2, double lon2)
    {
        double dy = (lat2 - lat1) * MetersPerDegreeLat;
        double dx = (lon2 - lon1) * MetersPerDegreeLon;
        return Math.Sqrt((dx * dx) + (dy * dy));
    }

    /// <summary>Moves a position by metres north and east.</summary>
    public (double Lat, double Lon) Offset(double lat, double lon, double north, double east) =>
        (lat + (north / MetersPerDegreeLat), lon + (east / MetersPerDegreeLon));

    public int Clamp(int row, int col) => Index(Math.Clamp(row, 0, Rows - 1), Math.Clamp(col, 0, Cols - 1));

    private static int[] Nearest(bool[] arterial)
    {
        var nearest = new int[arterial.Length];
        for (int i = 0; i < arterial.Length; i++)
        {
            int best = -1;
            for (int d = 0; best < 0 && d < arterial.Length; d++)
            {
                if (i - d >= 0 && arterial[i - d]) best = i - d;
                else if (i + d < arterial.Length && arterial[i + d]) best = i + d;
            }
            nearest[i] = best < 0 ? i : best;
        }
        return nearest;
    }
}
