namespace Platewatch.Geo;

/// <summary>A WGS-84 position with its accuracy radius in metres.</summary>
public readonly record struct GeoPoint(double Latitude, double Longitude, float AccuracyMeters = 0)
{
    public bool IsValid =>
        Latitude is >= -90 and <= 90 && Longitude is >= -180 and <= 180 &&
        double.IsFinite(Latitude) && double.IsFinite(Longitude) &&
        AccuracyMeters >= 0 && float.IsFinite(AccuracyMeters);

    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Latitude:F6},{Longitude:F6}±{AccuracyMeters:F0}m");
}
