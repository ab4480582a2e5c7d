using Platewatch.Geo;

namespace Platewatch.Reads;

public enum CameraKind
{
    Pole,
    Toll,
    Parking,
    PatrolCar,
    Bus,
}

/// <summary>A camera. Fixed cameras have a position and heading; mobile ones report a position with every read.</summary>
public sealed record Camera(string Id, string AgencyId, CameraKind Kind, string Name, GeoPoint? Position = null, float? Heading = null)
{
    public bool IsMobile => Kind is CameraKind.PatrolCar or CameraKind.Bus;
}

/// <summary>A data owner: a tenant whose policy governs its reads. Jurisdiction is ISO 3166-2, e.g. US-CA.</summary>
public sealed record Agency(string Id, string Name, string Jurisdiction);
