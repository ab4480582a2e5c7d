namespace Platewatch.Simulation;

/// <summary>
/// One day of mobile-camera movement: every time a patrol car or bus reaches an intersection. Grouped by
/// intersection and sorted by time, so a vehicle parked (or passing) there finds the cameras that saw it
/// without any cross-vehicle state: that is what lets vehicles be simulated independently and in parallel.
/// </summary>
internal sealed class MobileVisits
{
    private MobileVisits(int[] start, int[] time, int[] camera, float[] heading, int windowMs)
    {
        Start = start;
        Time = time;
        Camera = camera;
        Heading = heading;
        SlotMask = new ulong[start.Length - 1];
        for (int i = 0; i + 1 < start.Length; i++)
        {
            for (int j = start[i]; j < start[i + 1]; j++)
            {
                int first = Math.Max(0, time[j] - windowMs) / SlotMs, last = Math.Min(DayMs - 1, time[j] + windowMs) / SlotMs;
                for (int s = first; s <= last; s++) SlotMask[i] |= 1UL << s;
            }
        }
    }

    /// <summary>The day cut into 64 slots of 22.5 minutes, for <see cref="SlotMask"/>.</summary>
    public const int SlotMs = DayMs / 64;

    /// <summary>
    /// Per intersection, one bit per slot in which a mobile camera is there (give or take the pass window).
    /// Nearly every intersection sees some camera each day, but only a few of its slots do; a vehicle driving
    /// through tests one bit instead of scanning the visits.
    /// </summary>
    public ulong[] SlotMask { get; }

    public bool Any(int intersection, int timeMs) => ((SlotMask[intersection] >> (timeMs / SlotMs)) & 1) != 0;

    /// <summary>Visits at intersection i are [Start[i], Start[i + 1]).</summary>
    public int[] Start { get; }
    public int[] Time { get; }
    public int[] Camera { get; }
    public float[] Heading { get; }

    private const int DayMs = 86_400_000;
    private const int Minute = 60_000;

    public static MobileVisits Build(StreetGrid grid, CameraLayout layout, ulong seed, int day, int windowMs)
    {
        var visits = new List<(int At, int Time, int Camera, float Heading)>();
        for (int p = 0; p < layout.PatrolCount; p++)
        {
            var rng = Rng.For(seed, 0xCA7, (ulong)p, (ulong)(uint)day);
            Patrol(grid, layout.FirstMobile + p, ref rng, visits);
        }
        for (int b = 0; b < layout.BusCount; b++)
        {
            var rng = Rng.For(seed, 0xB05, (ulong)b, (ulong)(uint)day);
            Bus(grid, layout.BusLoops[b], layout.FirstMobile + layout.PatrolCount + b, ref rng, visits);
        }
        visits.Sort();
        var start = new int[grid.Count + 1];
        foreach (var v in visits) start[v.At + 1]++;
        for (int i = 0; i < grid.Count; i++) start[i + 1] += start[i];
        return new MobileVisits(start,
            [.. visits.Select(v => v.Time)], [.. visits.Select(v => v.Camera)], [.. visits.Select(v => v.Heading)], windowMs);
    }

    /// <summary>
    /// A random walk that prefers to keep going straight, round the clock, with a half-hour gap at each
    /// shift change and the occasional stop (a traffic stop, a call) during which it reads nothing.
    /// </summary>
    private static void Patrol(StreetGrid grid, int camera, ref Rng rng, List<(int, int, int, float)> visits)
    {
        int row = rng.Next(grid.Rows), col = rng.Next(grid.Cols);
        int dir = rng.Next(4);
        ReadOnlySpan<int> dRow = [1, 0, -1, 0];
        ReadOnlySpan<int> dCol = [0, 1, 0, -1];
        ReadOnlySpan<float> heading = [0f, 90f, 180f, 270f];
        double t = rng.Next(0, 10 * Minute);
        while (t < DayMs)
        {
            int hour = (int)(t / (60 * Minute)), minute = (int)(t / Minute % 60);
            if (hour is 6 or 14 or 22 && minute < 30)
            {
                t = ((hour * 60) + 30) * (double)Minute;
                continue;
            }
            if (rng.Chance(0.01)) t += rng.Next(5, 25) * Minute;

            double turn = rng.NextDouble();
            int next = turn < 0.6 ? dir : turn < 0.8 ? (dir + 1) % 4 : turn < 0.97 ? (dir + 3) % 4 : (dir + 2) % 4;
            for (int tries = 0; tries < 4; tries++)
            {
                int r2 = row + dRow[next], c2 = col + dCol[next];
                if (r2 >= 0 && r2 < grid.Rows && c2 >= 0 && c2 < grid.Cols) break;
                next = (next + 1 + rng.Next(3)) % 4;
            }
            int nr = Math.Clamp(row + dRow[next], 0, grid.Rows - 1), nc = Math.Clamp(col + dCol[next], 0, grid.Cols - 1);
            double metres = grid.Distance(grid.Index(row, col), grid.Index(nr, nc));
            t += metres / rng.Range(6.5, 11) * 1000;
            (row, col, dir) = (nr, nc, next);
            if (t < DayMs) visits.Add((grid.Index(row, col), (int)t, camera, heading[dir]));
        }
    }

    /// <summary>Round and round its loop from early morning to late evening, dwelling at every other stop.</summary>
    private static void Bus(StreetGrid grid, int[] loop, int camera, ref Rng rng, List<(int, int, int, float)> visits)
    {
        if (loop.Length < 2) return;
        int at = rng.Next(loop.Length);
        double t = (5 * 60 * Minute) + rng.Next(0, 20 * Minute);
        double end = 23.5 * 60 * Minute;
        while (t < end)
        {
            int from = loop[at];
            at = (at + 1) % loop.Length;
            int to = loop[at];
            t += grid.Distance(from, to) / rng.Range(5, 9) * 1000;
            if ((at & 1) == 0) t += rng.Next(10_000, 40_000);
            float heading = grid.RowOf(to) == grid.RowOf(from)
                ? (grid.ColOf(to) > grid.ColOf(from) ? 90f : 270f)
                : (grid.RowOf(to) > grid.RowOf(from) ? 0f : 180f);
            visits.Add((to, (int)t, camera, heading));
        }
    }
}
