namespace Platewatch.Simulation;

internal static class TruthBuilder
{
    public static GroundTruth Build(SimulationOptions o, StreetGrid grid, Population pop, DayGenerator days, DateOnly firstLocalDate, int localDays)
    {
        PlateRef Ref(int v) => new(pop.Plates[v], pop.Regions[pop.Vehicles[v].Region], v);
        LatLon Home(int v)
        {
            var (lat, lon) = pop.HomeSpot(v);
            return new LatLon(Math.Round(lat, 6), Math.Round(lon, 6));
        }

        var associates = new List<AssociatePair>();
        foreach (var (a, b, kind) in pop.Associates)
        {
            var nights = new List<DateOnly>();
            if (kind == AssociateKind.OvernightVisits)
            {
                for (int d = 0; d < localDays; d++)
                {
                    if (days.Visits(a, d)) nights.Add(firstLocalDate.AddDays(d));
                }
            }
            associates.Add(new AssociatePair(Ref(a), Ref(b), kind, nights));
        }

        var convoys = new List<Convoy>();
        for (int c = 0; c < pop.ConvoyMembers.Count; c++)
        {
            int[] members = pop.ConvoyMembers[c];
            var together = new List<DateOnly>();
            for (int d = 0; d < localDays; d++)
            {
                if (days.Follows(members[1], d)) together.Add(firstLocalDate.AddDays(d));
            }
            convoys.Add(new Convoy(c, [.. members.Select(Ref)], together));
        }

        var clones = pop.Clones.Select(p =>
        {
            var (ha, hb) = (Home(p.Original), Home(p.Clone));
            double km = grid.DistanceMeters(ha.Lat, ha.Lon, hb.Lat, hb.Lon) / 1000;
            return new ClonedPlate(pop.Plates[p.Original], pop.Regions[pop.Vehicles[p.Original].Region], p.Original, p.Clone, ha, hb, Math.Round(km, 2));
        }).ToList();

        var hotlist = pop.Hotlist.Select(h => new HotlistCandidate(h.Plate, h.Region, h.Category, h.Vehicle)).ToList();

        var vehicles = new LazyList<VehicleTruth>(pop.Vehicles.Length, v =>
        {
            ref readonly var s = ref pop.Vehicles[v];
            LatLon? work = null;
            if (s.Work >= 0)
            {
                var (lat, lon) = s.Has(VehicleFlags.GarageAtWork) ? (grid.Lat[s.Work], grid.Lon[s.Work]) : pop.SpotNear(v, s.Work, (ulong)o.Seed);
                work = new LatLon(Math.Round(lat, 6), Math.Round(lon, 6));
            }
            var attributes = pop.AttributeCache[s.Attributes];
            return new VehicleTruth(v, pop.Plates[v], pop.Regions[s.Region], Home(v), work,
                attributes.Type!, attributes.Colour!, attributes.Make!, s.Has(VehicleFlags.StreetParked));
        });

        return new GroundTruth
        {
            Seed = o.Seed,
            Start = o.Start.ToUniversalTime(),
            Days = o.Days,
            HomeRegion = o.HomeRegion,
            UtcOffset = o.UtcOffset,
            Vehicles = vehicles,
            Associates = associates,
            Convoys = convoys,
            ClonedPlates = clones,
            Hotlist = hotlist,
        };
    }
}
