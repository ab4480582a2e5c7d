namespace Platewatch.Analytics;

/// <summary>Local clock arithmetic at a fixed UTC offset.</summary>
internal static class Local
{
    public static DateTime Time(DateTimeOffset t, TimeSpan offset) => t.UtcDateTime + offset;

    public static DateOnly Day(DateTimeOffset t, TimeSpan offset) => DateOnly.FromDateTime(Time(t, offset));

    /// <summary>Monday = 0.</summary>
    public static int Weekday(DateTime local) => ((int)local.DayOfWeek + 6) % 7;

    /// <summary>The night a local time belongs to: hours before 06:00 count with the evening before.</summary>
    public static DateOnly Night(DateTime local) => DateOnly.FromDateTime(local.Hour < 6 ? local.AddDays(-1) : local);

    public static bool IsOvernight(DateTime local) => local.Hour >= 21 || local.Hour < 6;

    public static bool IsWeekdayDaytime(DateTime local) => Weekday(local) < 5 && local.Hour >= 9 && local.Hour < 17;

    /// <summary>Seconds since local midnight.</summary>
    public static double SecondOfDay(DateTimeOffset t, TimeSpan offset) => Time(t, offset).TimeOfDay.TotalSeconds;

    /// <summary>Distance between two times of day, going round midnight.</summary>
    public static double CircularSeconds(double a, double b)
    {
        double d = Math.Abs(a - b) % 86_400;
        return Math.Min(d, 86_400 - d);
    }

    public static TimeOnly MedianTimeOfDay(IEnumerable<DateTimeOffset> times, TimeSpan offset)
    {
        var secs = times.Select(t => SecondOfDay(t, offset)).Order().ToArray();
        return secs.Length == 0 ? default : TimeOnly.FromTimeSpan(TimeSpan.FromSeconds(Math.Floor(secs[secs.Length / 2])));
    }
}
