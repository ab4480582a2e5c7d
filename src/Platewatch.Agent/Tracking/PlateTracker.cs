using System.Collections.Immutable;

namespace Platewatch.Agent.Tracking;

/// <summary>An axis-aligned box in frame pixels.</summary>
internal readonly record struct Box(float X, float Y, float Width, float Height)
{
    public float CenterX => X + Width / 2;
    public float CenterY => Y + Height / 2;
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    public Box Shift(float dx, float dy) => this with { X = X + dx, Y = Y + dy };

    public float IntersectionOverUnion(Box o)
    {
        float x0 = Math.Max(X, o.X), y0 = Math.Max(Y, o.Y);
        float x1 = Math.Min(X + Width, o.X + o.Width), y1 = Math.Min(Y + Height, o.Y + o.Height);
        float inter = Math.Max(0, x1 - x0) * Math.Max(0, y1 - y0);
        float union = Area + o.Area - inter;
        return union <= 0 ? 0 : inter / union;
    }
}

/// <summary>One plate seen in one frame.</summary>
internal sealed record PlateObservation(
    DateTimeOffset Time,
    string Text,
    double Confidence,
    ImmutableArray<double> CharConfidences,
    string Region,
    Box Box);

/// <summary>How the plate moved through the picture during the pass.</summary>
internal static class TravelDirection
{
    public const string LeftToRight = "left-to-right";
    public const string RightToLeft = "right-to-left";
    public const string Approaching = "approaching";
    public const string Receding = "receding";
    public const string Stationary = "stationary";
}

/// <summary>One vehicle pass: what the agent turns into one read.</summary>
internal sealed record PlateGroup(
    long TrackId,
    string Plate,
    double Confidence,
    ImmutableArray<VotedCandidate> Candidates,
    string Region,
    DateTimeOffset Start,
    DateTimeOffset End,
    PlateObservation Best,
    string Direction,
    bool Parked,
    int Frames);

/// <summary>What became of one detection handed to <see cref="PlateTracker.Observe"/>.</summary>
/// <param name="TrackId">The pass it joined; 0 when it was dropped or absorbed by an emitted pass.</param>
/// <param name="IsBest">Whether it is now the pass's best frame, so the caller should keep its crop.</param>
internal readonly record struct Assignment(long TrackId, bool IsBest);

/// <summary>A pass already emitted, remembered so that late or repeated frames of it do not emit it again.</summary>
internal sealed record EmittedPass(string Plate, DateTimeOffset Start, DateTimeOffset End, Box LastBox);

internal sealed record TrackerOptions
{
    /// <summary>A pass closes when its plate has not been seen for this long.</summary>
    public TimeSpan Gap { get; init; } = TimeSpan.FromSeconds(1.5);

    /// <summary>A plate that stays put for longer than this is a parked vehicle: emitted once, flagged parked.</summary>
    public TimeSpan Parked { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Passes seen in fewer frames are dropped as noise (a sign read once).</summary>
    public int MinFrames { get; init; } = 2;

    /// <summary>Detections below this confidence are ignored.</summary>
    public double MinConfidence { get; init; } = 0.5;

    /// <summary>Shorter texts are not plates.</summary>
    public int MinLength { get; init; } = 4;

    /// <summary>How long an emitted pass absorbs frames of the same plate.</summary>
    public TimeSpan Memory { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Follows plates from frame to frame and groups them into passes. A detection joins the open pass whose predicted
/// box (last box moved by its velocity) it overlaps or is near, with similar text; or, with nearly the same text,
/// any open pass (a vehicle that jumped between sampled frames). A pass closes after <see cref="TrackerOptions.Gap"/>
/// without its plate and is emitted with the voted text; emitted passes are remembered for
/// <see cref="TrackerOptions.Memory"/>, so a late or repeated frame of the same plate is absorbed, not a new pass.
/// Not thread-safe: one tracker per source.
/// </summary>
internal sealed class PlateTracker(TrackerOptions options)
{
    private const int MaxObservationsPerTrack = 64;

    private readonly List<Track> _open = [];
    private readonly List<EmittedPass> _emitted = [];
    private long _nextId = 1;

    public TrackerOptions Options => options;

    public int OpenCount => _open.Count;

    /// <summary>The earliest frame time of a pass not yet emitted: reprocessing from here after a crash loses nothing.</summary>
    public DateTimeOffset? EarliestOpenStart => _open.Where(t => !t.EmittedParked).Select(t => (DateTimeOffset?)t.Start).Min();

    public IReadOnlyList<EmittedPass> Emitted => _emitted;

    /// <summary>Restores the memory of passes emitted before a restart.</summary>
    public void Remember(IEnumerable<EmittedPass> passes) => _emitted.AddRange(passes);

    /// <summary>Feeds one processed frame's detections; returns what became of each, and the passes that closed.</summary>
    public (IReadOnlyList<Assignment> Assignments, IReadOnlyList<PlateGroup> Closed) Observe(DateTimeOffset time, IReadOnlyList<PlateObservation> detections)
    {
        ArgumentNullException.ThrowIfNull(detections);
        var assignments = new Assignment[detections.Count];
        var pairs = new List<(double Score, int Det, Track Track)>();
        for (int d = 0; d < detections.Count; d++)
        {
            var det = detections[d];
            if (det.Confidence < options.MinConfidence || det.Text.Length < options.MinLength) continue;
            foreach (var t in _open)
                if (Score(t, det) is { } s) pairs.Add((s, d, t));
        }
        var usedDet = new bool[detections.Count];
        var usedTrack = new HashSet<Track>();
        foreach (var t in _open) t.InLastFrame = false;
        foreach (var (_, d, t) in pairs.OrderByDescending(p => p.Score))
        {
            if (usedDet[d] || usedTrack.Contains(t)) continue;
            usedDet[d] = true;
            usedTrack.Add(t);
            assignments[d] = new Assignment(t.Id, t.Add(detections[d]));
            t.InLastFrame = true;
        }
        for (int d = 0; d < detections.Count; d++)
        {
            var det = detections[d];
            if (usedDet[d] || det.Confidence < options.MinConfidence || det.Text.Length < options.MinLength) continue;
            if (Absorb(det)) continue;
            var track = new Track(_nextId++, det) { InLastFrame = true };
            _open.Add(track);
            assignments[d] = new Assignment(track.Id, true);
        }
        return (assignments, Advance(time));
    }

    /// <summary>
    /// A frame the motion gate found unchanged since the last frame read: the plates in that frame are still there, so
    /// their passes stay open; a pass whose plate was already gone from it keeps closing.
    /// </summary>
    public IReadOnlyList<PlateGroup> Idle(DateTimeOffset time)
    {
        foreach (var t in _open)
            if (t.InLastFrame && time > t.LastSeen) t.LastSeen = time;
        return Advance(time);
    }

    /// <summary>Closes the passes whose gap has passed at <paramref name="now"/>, and emits newly parked vehicles.</summary>
    public IReadOnlyList<PlateGroup> Advance(DateTimeOffset now)
    {
        var closed = new List<PlateGroup>();
        for (int i = _open.Count - 1; i >= 0; i--)
        {
            var t = _open[i];
            if (now - t.LastSeen > options.Gap)
            {
                _open.RemoveAt(i);
                if (t.EmittedParked) Forget(t);
                else if (t.Count >= options.MinFrames) closed.Add(Emit(t, parked: false));
            }
            else if (!t.EmittedParked && t.IsStationary && t.LastSeen - t.Start > options.Parked && t.Count >= options.MinFrames)
            {
                // Emitted now rather than when it leaves: a vehicle parked for hours should not wait that long to be reported.
                t.EmittedParked = true;
                closed.Add(Emit(t, parked: true));
            }
        }
        _emitted.RemoveAll(e => now - e.End > options.Memory);
        closed.Reverse();
        return closed;
    }

    /// <summary>Closes every open pass: the end of a video file.</summary>
    public IReadOnlyList<PlateGroup> Flush()
    {
        var closed = _open.Where(t => !t.EmittedParked && t.Count >= options.MinFrames).Select(t => Emit(t, parked: false)).ToList();
        _open.Clear();
        return closed;
    }

    private void Forget(Track t)
    {
        int i = _emitted.FindIndex(e => e.Start == t.Start && string.Equals(e.Plate, t.Plate, StringComparison.Ordinal));
        if (i >= 0) _emitted[i] = _emitted[i] with { End = t.LastSeen };
    }

    private PlateGroup Emit(Track t, bool parked)
    {
        var vote = PlateVote.Vote(t.Observations);
        t.Plate = vote.Text;
        var group = new PlateGroup(t.Id, vote.Text, vote.Confidence, vote.Candidates, t.Region(), t.Start, t.LastSeen, t.Best,
            t.Direction(), parked, t.Count);
        _emitted.Add(new EmittedPass(vote.Text, t.Start, t.LastSeen, t.LastBox));
        return group;
    }

    private bool Absorb(PlateObservation det)
    {
        for (int i = 0; i < _emitted.Count; i++)
        {
            var e = _emitted[i];
            // Late (out of order, or replayed after a restart) or back within a gap of the end: the same pass.
            if (det.Time <= e.End + options.Gap && det.Time >= e.Start - options.Gap && PlateVote.Similarity(e.Plate, det.Text) >= 0.7)
            {
                if (det.Time > e.End) _emitted[i] = e with { End = det.Time, LastBox = det.Box };
                return true;
            }
        }
        return false;
    }

    private double? Score(Track t, PlateObservation det)
    {
        double dt = (det.Time - t.LastSeen).TotalSeconds;
        if (dt > options.Gap.TotalSeconds) return null;
        double text = PlateVote.Similarity(t.LastText, det.Text);
        var predicted = t.Predict(det.Time);
        double iou = predicted.IntersectionOverUnion(det.Box);
        double near = Math.Sqrt(Square(predicted.CenterX - det.Box.CenterX) + Square(predicted.CenterY - det.Box.CenterY)) / Math.Max(1, Math.Max(det.Box.Width, predicted.Width));
        bool geometric = (iou > 0.05 || near < 1.5) && text >= 0.4;
        if (!geometric && text < 0.85) return null;
        return iou + text + 1 / (1 + near);
    }

    private static double Square(double v) => v * v;

    private sealed class Track
    {
        private readonly List<PlateObservation> _observations = [];
        private readonly PlateObservation _first;

        public Track(long id, PlateObservation first)
        {
            Id = id;
            _first = first;
            Start = first.Time;
            Add(first);
        }

        public long Id { get; }
        public DateTimeOffset Start { get; }
        public DateTimeOffset LastSeen { get; set; }
        public int Count { get; private set; }
        public bool EmittedParked { get; set; }
        public bool InLastFrame { get; set; }
        public string Plate { get; set; } = "";
        public PlateObservation Best { get; private set; } = null!;
        public Box LastBox => Last.Box;
        public string LastText => Last.Text;
        public IReadOnlyList<PlateObservation> Observations => _observations;
        private PlateObservation Last { get; set; } = null!;
        private PlateObservation? Previous { get; set; }

        public bool IsStationary =>
            Math.Abs(Last.Box.CenterX - _first.Box.CenterX) < _first.Box.Width * 0.25 &&
            Math.Abs(Last.Box.CenterY - _first.Box.CenterY) < _first.Box.Height * 0.5;

        /// <summary>Adds a frame; true when it is the pass's best so far (confidence, then size).</summary>
        public bool Add(PlateObservation o)
        {
            Previous = Count == 0 ? null : Last;
            Last = o;
            if (o.Time > LastSeen) LastSeen = o.Time;
            Count++;
            // Votes come from a bounded window: the first frames and the most recent ones.
            if (_observations.Count >= MaxObservationsPerTrack) _observations.RemoveAt(MaxObservationsPerTrack / 2);
            _observations.Add(o);
            if (Best is null || o.Confidence * Math.Sqrt(o.Box.Width) > Best.Confidence * Math.Sqrt(Best.Box.Width))
            {
                Best = o;
                return true;
            }
            return false;
        }

        public Box Predict(DateTimeOffset at)
        {
            if (Previous is null) return Last.Box;
            double span = (Last.Time - Previous.Time).TotalSeconds;
            if (span <= 0) return Last.Box;
            double ahead = (at - Last.Time).TotalSeconds;
            return Last.Box.Shift((float)((Last.Box.CenterX - Previous.Box.CenterX) / span * ahead), (float)((Last.Box.CenterY - Previous.Box.CenterY) / span * ahead));
        }

        public string Region() =>
            _observations.Where(o => o.Region.Length > 0).GroupBy(o => o.Region, StringComparer.Ordinal)
                .OrderByDescending(g => g.Sum(o => o.Confidence)).Select(g => g.Key).FirstOrDefault() ?? "";

        public string Direction()
        {
            var a = _first.Box;
            var b = Last.Box;
            float dx = b.CenterX - a.CenterX, dy = b.CenterY - a.CenterY;
            float grow = a.Width > 0 ? b.Width / a.Width : 1;
            if (Math.Abs(dx) >= Math.Abs(dy) && Math.Abs(dx) > a.Width * 0.5f) return dx > 0 ? TravelDirection.LeftToRight : TravelDirection.RightToLeft;
            if (grow > 1.15f || dy > a.Height) return TravelDirection.Approaching;
            if (grow < 0.87f || dy < -a.Height) return TravelDirection.Receding;
            return TravelDirection.Stationary;
        }
    }
}
