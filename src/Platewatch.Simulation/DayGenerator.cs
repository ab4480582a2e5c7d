using System.Runtime.InteropServices;
using Platewatch.Reads;

namespace Platewatch.Simulation;

internal enum StayKind : byte
{
    Home,
    Work,
    Errand,
    Visit,

    /// <summary>A convoy follower waiting where its leader stopped.</summary>
    Follow,
}

internal struct Trip
{
    public int From;
    public int To;
    public int Depart;
    public int Arrive;
    public float Speed;
    public bool Transposed;
    public StayKind Kind;
}

/// <summary>
/// A read before noise: which camera, when, where, and the vehicle facts the read needs. Carrying the plate,
/// region and attributes here (48 bytes in all) means materialising a time-sorted day reads memory in order
/// instead of jumping to a random vehicle per read.
/// </summary>
[StructLayout(LayoutKind.Auto)]
internal struct RawRead
{
    public double Lat;
    public double Lon;
    public string Plate;

    /// <summary>Milliseconds after local midnight of the generated day.</summary>
    public int TimeMs;
    public int Camera;
    public float Heading;
    public float Speed;
    public float Accuracy;
    public short Attributes;
    public byte Region;
}

/// <summary>A growable buffer reused from day to day, so generation allocates nothing per read.</summary>
internal sealed class RawBuffer
{
    public RawRead[] Items = new RawRead[1024];
    public int Count;

    public void Add(in RawRead r)
    {
        if (Count == Items.Length) Array.Resize(ref Items, Items.Length * 2);
        Items[Count++] = r;
    }
}

/// <summary>
/// Simulates one vehicle for one local day: plans its trips, drives them past fixed cameras and past mobile
/// cameras, and parks it where mobile cameras may read it. Everything random comes from streams keyed by
/// (seed, vehicle, day), so any vehicle-day can be recomputed alone: a convoy follower replays its leader's
/// plan, and days run in parallel without changing a single read.
/// </summary>
internal sealed class DayGenerator
{
    public const int DayMs = 86_400_000;
    private const int Minute = 60_000;
    private const int Hour = 60 * Minute;
    private const int MaxTrips = 16;
    private const ulong TagPlan = 0x91A7, TagReads = 0x4EAD, TagVisit = 0x7151, TagConvoy = 0xC0C0, TagGap = 0x6A95, TagFollow = 0xF011;

    /// <summary>Metres per second on arterials and on local streets, before traffic.</summary>
    private const double ArterialSpeed = 12.5, LocalSpeed = 8.5;

    /// <summary>A moving vehicle counts as passing a mobile camera if both are at an intersection within this window.</summary>
    public const int PassWindowMs = 8_000;

    private readonly StreetGrid _grid;
    private readonly CameraLayout _cams;
    private readonly Population _pop;
    private readonly ulong _seed;
    private readonly double _hitRate;
    private readonly double _parkedHitRate;
    private readonly DayOfWeek _firstDayOfWeek;

    public DayGenerator(SimulationOptions o, StreetGrid grid, CameraLayout cams, Population pop, DateOnly firstLocalDate)
    {
        _grid = grid;
        _cams = cams;
        _pop = pop;
        _seed = (ulong)o.Seed;
        _hitRate = 1 - o.MissRate;
        _firstDayOfWeek = firstLocalDate.DayOfWeek;
        // A mobile camera reads only so many parked cars per block; in a dense city it sees a smaller share of each block.
        double parkedPerBlock = o.Vehicles * 0.55 / grid.Count;
        _parkedHitRate = Math.Min(0.7, 6 / Math.Max(parkedPerBlock, 1e-9));
    }

    public bool IsWeekend(int day) => (((int)_firstDayOfWeek + day) % 7 + 7) % 7 is (int)DayOfWeek.Saturday or (int)DayOfWeek.Sunday;

    /// <summary>
    /// Visits follow a habit: each pair has three evenings of the week on which the visitor usually stays over,
    /// and now and then it stays on another one. A habit is what makes the pair stand out from chance.
    /// </summary>
    public bool VisitNight(int pair, int day)
    {
        var habit = Rng.For(_seed, TagVisit, (ulong)pair);
        int weekday = ((((int)_firstDayOfWeek + day) % 7) + 7) % 7;
        int first = habit.Next(7), second = (first + 1 + habit.Next(6)) % 7;
        int third = second;
        while (third == first || third == second) third = habit.Next(7);
        bool habitual = weekday == first || weekday == second || weekday == third;
        return Rng.For(_seed, TagVisit, (ulong)pair, (ulong)(uint)day).Chance(habitual ? 0.85 : 0.05);
    }

    public bool ConvoyDay(int convoy, int day) =>
        Rng.For(_seed, TagConvoy, (ulong)convoy, (ulong)(uint)day).Chance(Population.ConvoyDayChance);

    /// <summary>How many milliseconds member <paramref name="order"/> of a convoy drives behind its leader that day.</summary>
    public int ConvoyOffset(int convoy, int day, int order)
    {
        var rng = Rng.For(_seed, TagGap, (ulong)convoy, (ulong)(uint)day);
        int offset = 0;
        for (int m = 1; m <= order; m++) offset += rng.Next(2_000, 7_000);
        return offset;
    }

    /// <summary>Whether convoy follower <paramref name="v"/> actually drives behind its leader on <paramref name="day"/>.</summary>
    public bool Follows(int v, int day)
    {
        if (!_pop.Followers.TryGetValue(v, out var follow) || !ConvoyDay(follow.Convoy, day)) return false;
        Span<Trip> trips = stackalloc Trip[MaxTrips];
        return PlanFollow(v, day, follow, trips) > 0;
    }

    /// <summary>Whether visitor <paramref name="v"/> drives to its host's home on the evening of <paramref name="day"/>.</summary>
    public bool Visits(int v, int day)
    {
        Span<Trip> trips = stackalloc Trip[MaxTrips];
        int n = Plan(v, day, trips, out _, out _);
        return n > 0 && trips[n - 1].Kind == StayKind.Visit;
    }

    /// <summary>
    /// Appends the reads of vehicle <paramref name="v"/> on local day <paramref name="day"/> that fall in
    /// [<paramref name="fromMs"/>, <paramref name="toMs"/>) to <paramref name="output"/>. The window spares the work
    /// for the parts of the first and last local day outside the simulated period.
    /// </summary>
    public void Generate(int v, int day, MobileVisits visits, RawBuffer output, int fromMs = 0, int toMs = DayMs)
    {
        Span<Trip> trips = stackalloc Trip[MaxTrips];
        int n = Plan(v, day, trips, out int startAt, out var startKind);
        var rng = Rng.For(_seed, (ulong)v, (ulong)(uint)day, TagReads);
        ref readonly var spec = ref _pop.Vehicles[v];

        int at = startAt;
        var kind = startKind;
        int since = 0;
        for (int i = 0; i < n; i++)
        {
            ref readonly var trip = ref trips[i];
            Park(v, in spec, at, kind, Math.Max(since, fromMs), Math.Min(trip.Depart, toMs), visits, ref rng, output);
            if (trip.Arrive >= fromMs && trip.Depart < toMs) Drive(v, in spec, in trip, visits, ref rng, output);
            at = trip.To;
            kind = trip.Kind;
            since = trip.Arrive;
        }
        Park(v, in spec, at, kind, Math.Max(since, fromMs), toMs, visits, ref rng, output);
    }

    /// <summary>The vehicle's trips for the day, in order; also where it spent the night before.</summary>
    public int Plan(int v, int day, Span<Trip> trips, out int startAt, out StayKind startKind)
    {
        ref readonly var s = ref _pop.Vehicles[v];
        if (s.Has(VehicleFlags.ConvoyFollower) && _pop.Followers.TryGetValue(v, out var follow) && ConvoyDay(follow.Convoy, day))
        {
            int f = PlanFollow(v, day, follow, trips);
            if (f > 0)
            {
                startAt = s.Home;
                startKind = StayKind.Home;
                return f;
            }
        }

        var rng = Rng.For(_seed, (ulong)v, (ulong)(uint)day, TagPlan);
        bool weekend = IsWeekend(day);
        int n = 0;
        int at = s.Home;
        var atKind = StayKind.Home;
        VisitPlan visit = default;
        bool visitor = s.Has(VehicleFlags.Visitor) && _pop.Visitors.TryGetValue(v, out visit);
        if (visitor && VisitNight(visit.Pair, day - 1))
        {
            at = _pop.Vehicles[visit.Host].Home;
            atKind = StayKind.Visit;
        }
        startAt = at;
        startKind = atKind;
        int t = 0;
        bool planted = s.Has(VehicleFlags.Planted);

        if (!weekend && s.Has(VehicleFlags.Commuter) && (planted || !rng.Chance(0.04)))
        {
            int depart = (s.DepartMinute * Minute) + (int)(rng.Normal() * 8 * Minute);
            n = Add(trips, n, at, s.Work, depart, StayKind.Work, in s, ref rng);
            int arrive = trips[n - 1].Arrive;
            int leave = arrive + (s.WorkMinutes * Minute) + (int)(rng.Normal() * 20 * Minute);
            if (!s.Has(VehicleFlags.GarageAtWork) && rng.Chance(0.15))
            {
                int lunch = Math.Max(arrive + Hour, (12 * Hour) + (int)(rng.Normal() * 15 * Minute));
                int dest = Near(s.Work, 4, ref rng);
                int dwell = rng.Next(25, 50) * Minute;
                if (dest != s.Work && lunch + dwell + (2 * Hour) < leave)
                {
                    n = Add(trips, n, s.Work, dest, lunch, StayKind.Errand, in s, ref rng);
                    n = Add(trips, n, dest, s.Work, trips[n - 1].Arrive + dwell, StayKind.Work, in s, ref rng);
                }
            }
            n = Add(trips, n, s.Work, s.Home, Math.Max(leave, trips[n - 1].Arrive + (5 * Minute)), StayKind.Home, in s, ref rng);
            at = s.Home;
            t = trips[n - 1].Arrive;
        }
        else if (atKind == StayKind.Visit)
        {
            int depart = (weekend ? 9 * Hour : 8 * Hour) + rng.Next(0, 2 * Hour);
            n = Add(trips, n, at, s.Home, depart, StayKind.Home, in s, ref rng);
            at = s.Home;
            t = trips[n - 1].Arrive;
        }

        bool commuter = s.Has(VehicleFlags.Commuter);
        int slots = weekend ? 3 : commuter ? 1 : 2;
        int windowStart = weekend ? 10 * Hour : commuter ? 18 * Hour : (9 * Hour) + (30 * Minute);
        int windowEnd = weekend ? 18 * Hour : commuter ? (20 * Hour) + (30 * Minute) : (16 * Hour) + (30 * Minute);
        int radius = weekend ? 15 : 6;
        for (int slot = 0; slot < slots && n + 2 <= trips.Length; slot++)
        {
            if (!rng.Chance(s.ErrandPercent / 100.0)) continue;
            int depart = Math.Max(t + rng.Next(20, 90) * Minute, windowStart + rng.Next(0, windowEnd - windowStart));
            if (depart > windowEnd) break;
            int dest = Near(s.Home, radius, ref rng);
            if (dest == s.Home) continue;
            int dwell = rng.Next(15, weekend ? 150 : 60) * Minute;
            bool transposed = RouteChoice(in s, ref rng);
            float speed = SpeedFactor(depart, ref rng);
            int outMs = Duration(s.Home, dest, transposed, speed);
            int backMs = Duration(dest, s.Home, transposed, speed);
            if (depart + outMs + dwell + backMs > (22 * Hour) + (30 * Minute)) continue;
            trips[n++] = new Trip { From = s.Home, To = dest, Depart = depart, Arrive = depart + outMs, Speed = speed, Transposed = transposed, Kind = StayKind.Errand };
            int back = depart + outMs + dwell;
            trips[n++] = new Trip { From = dest, To = s.Home, Depart = back, Arrive = back + backMs, Speed = speed, Transposed = transposed, Kind = StayKind.Home };
            t = back + backMs;
        }

        if (visitor && VisitNight(visit.Pair, day) && n < trips.Length)
        {
            int depart = Math.Max(t + (30 * Minute), (19 * Hour) + (30 * Minute) + rng.Next(0, 2 * Hour));
            if (depart < 23 * Hour) n = Add(trips, n, s.Home, _pop.Vehicles[visit.Host].Home, depart, StayKind.Visit, in s, ref rng);
        }
        return n;
    }

    /// <summary>
    /// A follower's convoy day: it drives to the leader's first stop, waits, then repeats each leader trip a few
    /// seconds behind over the very same streets, and finally drives home. Returns 0 when the leader stays put.
    /// </summary>
    private int PlanFollow(int v, int day, FollowPlan follow, Span<Trip> trips)
    {
        Span<Trip> lead = stackalloc Trip[MaxTrips];
        int ln = Plan(follow.Leader, day, lead, out int leaderStart, out _);
        if (ln == 0 || ln + 2 > trips.Length) return 0;
        ref readonly var s = ref _pop.Vehicles[v];
        var rng = Rng.For(_seed, (ulong)v, (ulong)(uint)day, TagFollow);
        int offset = ConvoyOffset(follow.Convoy, day, follow.Order);
        int n = 0;
        if (s.Home != leaderStart)
        {
            bool transposed = RouteChoice(in s, ref rng);
            int dur = Duration(s.Home, leaderStart, transposed, 1f);
            int depart = lead[0].Depart - dur - rng.Next(3, 10) * Minute;
            if (depart < Hour) return 0;
            trips[n++] = new Trip { From = s.Home, To = leaderStart, Depart = depart, Arrive = depart + dur, Speed = 1f, Transposed = transposed, Kind = StayKind.Follow };
        }
        for (int i = 0; i < ln; i++)
        {
            var trip = lead[i];
            trip.Depart += offset;
            trip.Arrive += offset;
            trip.Kind = StayKind.Follow;
            trips[n++] = trip;
        }
        int last = lead[ln - 1].To;
        if (last != s.Home)
        {
            int depart = trips[n - 1].Arrive + rng.Next(5, 20) * Minute;
            n = Add(trips, n, last, s.Home, depart, StayKind.Home, in s, ref rng);
        }
        return n;
    }

    private int Add(Span<Trip> trips, int n, int from, int to, int depart, StayKind kind, in VehicleSpec s, ref Rng rng)
    {
        if (n >= trips.Length) return n;
        bool transposed = RouteChoice(in s, ref rng);
        float speed = SpeedFactor(depart, ref rng);
        depart = Math.Max(depart, n > 0 ? trips[n - 1].Arrive + Minute : 0);
        trips[n] = new Trip
        {
            From = from, To = to, Depart = depart, Arrive = depart + Duration(from, to, transposed, speed),
            Speed = speed, Transposed = transposed, Kind = kind,
        };
        return n + 1;
    }

    /// <summary>People mostly drive the route they know; one trip in five goes the other way round.</summary>
    private static bool RouteChoice(in VehicleSpec s, ref Rng rng) => s.Has(VehicleFlags.Transposed) ^ rng.Chance(0.2);

    private static float SpeedFactor(int depart, ref Rng rng)
    {
        bool rush = depart is (>= 7 * Hour and < (9 * Hour) + (30 * Minute)) or (>= 16 * Hour and < (18 * Hour) + (30 * Minute));
        return (float)(rng.Range(0.85, 1.1) * (rush ? 0.7 : 1.0));
    }

    private int Near(int at, int radius, ref Rng rng) =>
        _grid.Clamp(_grid.RowOf(at) + rng.Next(-radius, radius + 1), _grid.ColOf(at) + rng.Next(-radius, radius + 1));

    private struct Segment
    {
        public bool Row;
        public int Line;
        public int From;
        public int To;
    }

    /// <summary>
    /// Short trips take the direct L; longer ones get onto the nearest arterial, ride it, and turn onto the arterial
    /// nearest the destination, which is why arterial cameras see most traffic.
    /// </summary>
    private int Route(int from, int to, bool transposed, Span<Segment> segs)
    {
        int r1 = _grid.RowOf(from), c1 = _grid.ColOf(from), r2 = _grid.RowOf(to), c2 = _grid.ColOf(to);
        int n = 0;
        void Seg(Span<Segment> s, bool row, int line, int a, int b)
        {
            if (a != b) s[n++] = new Segment { Row = row, Line = line, From = a, To = b };
        }
        bool shortTrip = Math.Abs(r1 - r2) + Math.Abs(c1 - c2) <= 4;
        if (!transposed)
        {
            if (shortTrip)
            {
                Seg(segs, true, r1, c1, c2);
                Seg(segs, false, c2, r1, r2);
            }
            else
            {
                int ar = _grid.NearestArterialRow[r1], ac = _grid.NearestArterialCol[c2];
                Seg(segs, false, c1, r1, ar);
                Seg(segs, true, ar, c1, ac);
                Seg(segs, false, ac, ar, r2);
                Seg(segs, true, r2, ac, c2);
            }
        }
        else if (shortTrip)
        {
            Seg(segs, false, c1, r1, r2);
            Seg(segs, true, r2, c1, c2);
        }
        else
        {
            int ac = _grid.NearestArterialCol[c1], ar = _grid.NearestArterialRow[r2];
            Seg(segs, true, r1, c1, ac);
            Seg(segs, false, ac, r1, ar);
            Seg(segs, true, ar, ac, c2);
            Seg(segs, false, c2, ar, r2);
        }
        return n;
    }

    private double SegmentSpeed(in Segment s, float factor) =>
        ((s.Row ? _grid.ArterialRow[s.Line] : _grid.ArterialCol[s.Line]) ? ArterialSpeed : LocalSpeed) * factor;

    private double SegmentLength(in Segment s) =>
        s.Row ? _grid.RowDistance(s.Line, s.From, s.To) : _grid.ColDistance(s.Line, s.From, s.To);

    public int Duration(int from, int to, bool transposed, float speed)
    {
        Span<Segment> segs = stackalloc Segment[4];
        int n = Route(from, to, transposed, segs);
        double ms = 0;
        for (int i = 0; i < n; i++) ms += SegmentLength(segs[i]) / SegmentSpeed(segs[i], speed) * 1000;
        return (int)ms;
    }

    private void Drive(int v, in VehicleSpec spec, in Trip trip, MobileVisits visits, ref Rng rng, RawBuffer output)
    {
        // Leaving or entering a parking garage passes its gate camera.
        if (spec.Has(VehicleFlags.GarageAtWork))
        {
            if (trip.From == spec.Work && _cams.GarageCamera[trip.From] is >= 0 and var exitCam)
                FixedRead(v, exitCam, trip.Depart, float.NaN, 8, ref rng, output);
            if (trip.To == spec.Work && _cams.GarageCamera[trip.To] is >= 0 and var entryCam)
                FixedRead(v, entryCam, trip.Arrive, float.NaN, 8, ref rng, output);
        }

        Span<Segment> segs = stackalloc Segment[4];
        int n = Route(trip.From, trip.To, trip.Transposed, segs);
        double t = trip.Depart;
        var cum = _grid.RowCum;
        for (int si = 0; si < n; si++)
        {
            ref readonly var seg = ref segs[si];
            double mps = SegmentSpeed(in seg, trip.Speed);
            float kmh = (float)(mps * 3.6);
            bool forward = seg.To > seg.From;
            float heading = seg.Row ? (forward ? 90f : 270f) : (forward ? 0f : 180f);
            int lo = Math.Min(seg.From, seg.To), hi = Math.Max(seg.From, seg.To);
            int lineBase = seg.Row ? seg.Line * _grid.Cols : seg.Line * _grid.Rows;
            cum = seg.Row ? _grid.RowCum : _grid.ColCum;
            double origin = cum[lineBase + seg.From];
            double msPerMetre = 1000 / mps;

            int[] start = seg.Row ? _cams.RowCamStart : _cams.ColCamStart;
            int[] pos = seg.Row ? _cams.RowCamPos : _cams.ColCamPos;
            int[] ids = seg.Row ? _cams.RowCamId : _cams.ColCamId;
            for (int k = start[seg.Line], end = start[seg.Line + 1]; k < end; k++)
            {
                int p = pos[k];
                if (p < lo || p > hi) continue;
                double when = t + (Math.Abs(cum[lineBase + p] - origin) * msPerMetre);
                FixedRead(v, ids[k], (int)when, heading, kmh * (float)rng.Range(0.9, 1.1), ref rng, output);
            }

            // Mobile cameras read moving traffic only when the two meet at an intersection.
            int step = forward ? 1 : -1;
            int atBase = seg.Row ? seg.Line * _grid.Cols : seg.Line, atStride = seg.Row ? 1 : _grid.Cols;
            for (int p = si == 0 ? seg.From : seg.From + step; p != seg.To + step; p += step)
            {
                int at = atBase + (p * atStride);
                double when = t + (Math.Abs(cum[lineBase + p] - origin) * msPerMetre);
                if (when >= DayMs || !visits.Any(at, (int)when)) continue;
                int vs = visits.Start[at], ve = visits.Start[at + 1];
                for (int j = vs; j < ve; j++)
                {
                    if (Math.Abs(visits.Time[j] - when) > PassWindowMs) continue;
                    if (!rng.Chance(0.5 * _hitRate)) continue;
                    MobileRead(v, visits.Camera[j], (int)when, _grid.Lat[at], _grid.Lon[at], heading, kmh, ref rng, output);
                }
            }
            t += SegmentLength(in seg) * msPerMetre;
        }
    }

    private void Park(int v, in VehicleSpec spec, int at, StayKind kind, int from, int to, MobileVisits visits, ref Rng rng, RawBuffer output)
    {
        if (to <= from) return;
        int vs = visits.Start[at], ve = visits.Start[at + 1];
        if (vs == ve) return;
        double p = _parkedHitRate * _hitRate;
        switch (kind)
        {
            case StayKind.Home when !spec.Has(VehicleFlags.StreetParked):
            case StayKind.Work when spec.Has(VehicleFlags.GarageAtWork):
                return;
            case StayKind.Errand:
                // Errands mostly end in parking lots the street-driving cameras cannot see.
                p *= 0.4;
                break;
        }
        bool located = false;
        double lat = 0, lon = 0;
        for (int j = vs; j < ve; j++)
        {
            int when = visits.Time[j];
            if (when < from || when >= to) continue;
            if (!rng.Chance(p)) continue;
            if (!located)
            {
                (lat, lon) = kind switch
                {
                    StayKind.Home => _pop.HomeSpot(v),
                    StayKind.Visit => VisitSpot(v),
                    _ => _pop.SpotNear(v, at, _seed),
                };
                located = true;
            }
            MobileRead(v, visits.Camera[j], when, lat, lon, float.NaN, float.NaN, ref rng, output);
        }
    }

    /// <summary>A visitor parks on the host's block, a few metres from the host's own spot.</summary>
    private (double Lat, double Lon) VisitSpot(int v)
    {
        var host = _pop.Visitors[v].Host;
        var (lat, lon) = _pop.HomeSpot(host);
        ulong h = Rng.Hash(_seed, (ulong)v, 0x7157);
        return _grid.Offset(lat, lon, ((h & 0xFF) / 255.0 * 30) - 15, (((h >> 8) & 0xFF) / 255.0 * 30) - 15);
    }

    private void FixedRead(int v, int camera, int when, float heading, float kmh, ref Rng rng, RawBuffer output)
    {
        if (!rng.Chance(_hitRate) || when is < 0 or >= DayMs) return;
        var pos = _cams.Cameras[camera].Position!.Value;
        ref readonly var spec = ref _pop.Vehicles[v];
        output.Add(new RawRead
        {
            Lat = pos.Latitude, Lon = pos.Longitude, TimeMs = when, Camera = camera,
            Heading = heading, Speed = kmh, Accuracy = pos.AccuracyMeters,
            Plate = _pop.Plates[v], Region = spec.Region, Attributes = spec.Attributes,
        });
    }

    private void MobileRead(int v, int camera, int when, double lat, double lon, float heading, float kmh, ref Rng rng, RawBuffer output)
    {
        if (when is < 0 or >= DayMs) return;
        // GPS noise: the reported accuracy is about twice the actual error's standard deviation, as receivers report.
        double sigma = rng.Range(3, 9);
        var (jLat, jLon) = _grid.Offset(lat, lon, rng.Normal() * sigma, rng.Normal() * sigma);
        ref readonly var spec = ref _pop.Vehicles[v];
        output.Add(new RawRead
        {
            Lat = jLat, Lon = jLon, TimeMs = when, Camera = camera,
            Heading = heading, Speed = kmh, Accuracy = MathF.Round((float)sigma * 2),
            Plate = _pop.Plates[v], Region = spec.Region, Attributes = spec.Attributes,
        });
    }
}
