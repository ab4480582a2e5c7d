using System.Collections.Immutable;
using Platewatch.Agent.Tracking;

namespace Platewatch.Agent.Tests;

public sealed class TrackerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 9, 0, 0, TimeSpan.Zero);

    private static PlateObservation Obs(double t, string text, float x, double conf = 0.9, double[]? chars = null, float y = 300, float w = 200) =>
        new(T0.AddSeconds(t), text, conf, chars is null ? [.. text.Select(_ => conf)] : [.. chars], "us-oh", new Box(x, y, w, w / 2));

    private static PlateTracker Tracker(double gap = 1.0, int minFrames = 2, double parked = 60) =>
        new(new TrackerOptions { Gap = TimeSpan.FromSeconds(gap), MinFrames = minFrames, Parked = TimeSpan.FromSeconds(parked) });

    [Fact]
    public void Per_character_voting_outvotes_a_misread_character()
    {
        var vote = PlateVote.Vote([
            Obs(0, "ABC1234", 0, 0.9),
            Obs(0.2, "A8C1234", 0, 0.8, [0.9, 0.4, 0.9, 0.9, 0.9, 0.9, 0.9]),
            Obs(0.4, "ABC1284", 0, 0.8, [0.9, 0.9, 0.9, 0.9, 0.9, 0.3, 0.9]),
        ]);
        Assert.Equal("ABC1234", vote.Text);
        Assert.Contains(vote.Candidates, c => c.Text == "A8C1234");
        Assert.InRange(vote.Confidence, 0.5, 1);
    }

    [Fact]
    public void A_frame_where_the_plate_was_cut_off_does_not_decide_the_length()
    {
        var vote = PlateVote.Vote([Obs(0, "BC1234", 0, 0.95), Obs(0.2, "ABC1234", 0, 0.8), Obs(0.4, "ABC1234", 0, 0.8)]);
        Assert.Equal("ABC1234", vote.Text);
    }

    [Fact]
    public void Voting_finds_the_right_plate_when_no_single_frame_read_it()
    {
        var vote = PlateVote.Vote([Obs(0, "XBC1234", 0, 0.8, [0.3, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9]), Obs(0.2, "ABC1Z34", 0, 0.8, [0.9, 0.9, 0.9, 0.9, 0.3, 0.9, 0.9]),
            Obs(0.4, "ABC1234", 0, 0.5, [0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6]), Obs(0.6, "ABQ1234", 0, 0.8, [0.9, 0.9, 0.2, 0.9, 0.9, 0.9, 0.9])]);
        Assert.Equal("ABC1234", vote.Text);
    }

    [Fact]
    public void One_moving_plate_is_one_pass_closed_after_the_gap_with_its_direction()
    {
        var tracker = Tracker();
        for (int i = 0; i < 8; i++) Assert.Empty(tracker.Observe(T0.AddSeconds(i * 0.2), [Obs(i * 0.2, i == 3 ? "ABC1Z34" : "ABC1234", 50 + i * 80)]).Closed);
        Assert.Empty(tracker.Advance(T0.AddSeconds(2.0)));
        var closed = tracker.Advance(T0.AddSeconds(2.5));
        var pass = Assert.Single(closed);
        Assert.Equal("ABC1234", pass.Plate);
        Assert.Equal(8, pass.Frames);
        Assert.Equal(TravelDirection.LeftToRight, pass.Direction);
        Assert.Equal(T0, pass.Start);
        Assert.Equal(T0.AddSeconds(7 * 0.2), pass.End);
        Assert.False(pass.Parked);
    }

    [Fact]
    public void Two_vehicles_in_view_at_once_are_two_passes()
    {
        var tracker = Tracker();
        for (int i = 0; i < 5; i++)
            tracker.Observe(T0.AddSeconds(i * 0.2), [Obs(i * 0.2, "ABC1234", 50 + i * 60), Obs(i * 0.2, "XYZ9876", 900 - i * 60, y: 100)]);
        var closed = tracker.Flush();
        Assert.Equal(["ABC1234", "XYZ9876"], closed.Select(c => c.Plate).Order());
        Assert.Equal(TravelDirection.RightToLeft, closed.Single(c => c.Plate == "XYZ9876").Direction);
    }

    [Fact]
    public void Late_frames_of_a_closed_pass_do_not_open_a_duplicate()
    {
        var tracker = Tracker();
        for (int i = 0; i < 4; i++) tracker.Observe(T0.AddSeconds(i * 0.2), [Obs(i * 0.2, "ABC1234", 50 + i * 80)]);
        Assert.Single(tracker.Advance(T0.AddSeconds(2)));
        // A frame from within the pass arrives after it closed (out of order, or replayed after a restart).
        var (assignments, closed) = tracker.Observe(T0.AddSeconds(2.1), [Obs(0.3, "ABC1234", 150)]);
        Assert.Equal(0, assignments[0].TrackId);
        Assert.Empty(closed);
        Assert.Empty(tracker.Flush());
    }

    [Fact]
    public void A_new_pass_of_the_same_plate_after_the_memory_is_a_new_read()
    {
        var tracker = new PlateTracker(new TrackerOptions { Gap = TimeSpan.FromSeconds(1), Memory = TimeSpan.FromSeconds(5) });
        for (int i = 0; i < 3; i++) tracker.Observe(T0.AddSeconds(i * 0.2), [Obs(i * 0.2, "ABC1234", 50 + i * 80)]);
        Assert.Single(tracker.Advance(T0.AddSeconds(2)));
        Assert.Empty(tracker.Advance(T0.AddSeconds(60)));
        for (int i = 0; i < 3; i++) tracker.Observe(T0.AddSeconds(60 + i * 0.2), [Obs(60 + i * 0.2, "ABC1234", 50 + i * 80)]);
        Assert.Single(tracker.Flush());
    }

    [Fact]
    public void A_plate_seen_once_is_noise_below_min_frames()
    {
        var tracker = Tracker(minFrames: 2);
        tracker.Observe(T0, [Obs(0, "STOP", 10)]);
        Assert.Empty(tracker.Advance(T0.AddSeconds(5)));
    }

    [Fact]
    public void A_stationary_vehicle_is_emitted_once_as_parked()
    {
        var tracker = Tracker(gap: 2, parked: 10);
        var emitted = new List<PlateGroup>();
        for (int i = 0; i <= 30; i++) emitted.AddRange(tracker.Observe(T0.AddSeconds(i), [Obs(i, "PRK1234", 400 + (i % 2))]).Closed);
        emitted.AddRange(tracker.Advance(T0.AddSeconds(40)));
        var pass = Assert.Single(emitted);
        Assert.True(pass.Parked);
        Assert.Equal(TravelDirection.Stationary, pass.Direction);
        Assert.Null(tracker.EarliestOpenStart);
    }

    [Fact]
    public void Idle_frames_keep_a_pass_open()
    {
        var tracker = Tracker(gap: 1);
        tracker.Observe(T0, [Obs(0, "ABC1234", 400)]);
        tracker.Observe(T0.AddSeconds(0.2), [Obs(0.2, "ABC1234", 400)]);
        for (double t = 0.4; t < 3; t += 0.2) Assert.Empty(tracker.Idle(T0.AddSeconds(t)));
        Assert.Equal(T0, tracker.EarliestOpenStart);
    }

    [Fact]
    public void Idle_frames_after_the_plate_left_do_not_keep_its_pass_open()
    {
        var tracker = Tracker(gap: 1);
        tracker.Observe(T0, [Obs(0, "ABC1234", 400)]);
        tracker.Observe(T0.AddSeconds(0.2), [Obs(0.2, "ABC1234", 500)]);
        // The car has left: one frame read without it, then an empty road that does not change.
        tracker.Observe(T0.AddSeconds(0.4), []);
        var closed = new List<PlateGroup>();
        for (double t = 0.6; t < 3; t += 0.2) closed.AddRange(tracker.Idle(T0.AddSeconds(t)));
        var pass = Assert.Single(closed);
        Assert.Equal(T0.AddSeconds(0.2), pass.End);
    }

    [Fact]
    public void Detections_below_the_confidence_floor_are_ignored()
    {
        var tracker = Tracker();
        var (assignments, _) = tracker.Observe(T0, [Obs(0, "ABC1234", 10, conf: 0.2)]);
        Assert.Equal(0, assignments[0].TrackId);
        Assert.Equal(0, tracker.OpenCount);
    }

    [Fact]
    public void Similarity_is_one_minus_normalised_edit_distance()
    {
        Assert.Equal(1, PlateVote.Similarity("ABC", "ABC"));
        Assert.Equal(1 - 1.0 / 7, PlateVote.Similarity("ABC1234", "ABC1284"), 6);
        Assert.Equal(0, PlateVote.Similarity("AAAA", "BBBB"));
    }

    [Fact]
    public void Candidates_keep_the_vote_first()
    {
        var vote = PlateVote.Vote([Obs(0, "ABC1234", 0, 0.9), Obs(0.2, "ABC1234", 0, 0.9)]);
        Assert.Equal(ImmutableArray.Create("ABC1234"), vote.Candidates.Select(c => c.Text).ToImmutableArray());
    }
}
