using System.ComponentModel;
using System.Globalization;
using Platewatch.Audit;
using Platewatch.Cli.Search;
using Platewatch.Cli.Workspace;
using Platewatch.Geo;
using Platewatch.Plates;
using Platewatch.Query;
using Platewatch.Reads;
using Platewatch.Simulation;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Demo;

internal sealed class DemoSettings : CommandSettings
{
    [CommandOption("-d|--data <DIR>")]
    [Description("Data directory to (re)create for the demo (default ./demo-data).")]
    public string Data { get; init; } = "demo-data";

    [CommandOption("--vehicles <N>")]
    [Description("Vehicles in the demo city (default 3000).")]
    public int Vehicles { get; init; } = 3000;

    [CommandOption("--seed <N>")]
    [Description("Random seed (default 42).")]
    public int Seed { get; init; } = 42;

    [CommandOption("--days <N>")]
    [Description("Days of reads to simulate (default 7).")]
    public int Days { get; init; } = 7;

    [CommandOption("--serve")]
    [Description("Then run the server on the demo city with a demo agency, users and a camera key, until Ctrl+C.")]
    public bool Serve { get; init; }

    [CommandOption("--urls <URLS>")]
    [Description("Where --serve listens (default http://127.0.0.1:5080).")]
    public string Urls { get; init; } = "http://127.0.0.1:5080";
}

/// <summary>
/// <c>platewatch demo</c>: a week of a small simulated city into a fresh data directory, then one example
/// of each kind of search, each stating its purpose and case and each landing in the audit log.
/// </summary>
internal sealed class DemoCommand(IAnsiConsole console) : AsyncCommand<DemoSettings>
{
    private const int Shown = 5;

    public override async Task<int> ExecuteAsync(CommandContext context, DemoSettings settings, CancellationToken cancellationToken)
    {
        string dir = Path.GetFullPath(settings.Data);
        PrepareFreshDirectory(dir);
        var options = new SimulationOptions { Seed = settings.Seed, Vehicles = settings.Vehicles, Days = settings.Days };
        var sim = new CitySimulator(options);
        console.Write(new Rule("[bold]Platewatch demo[/]").LeftJustified());
        console.MarkupLine($"Simulating a week of a city: {options.Vehicles:N0} vehicles, {sim.City.Cameras.Count} cameras ({sim.City.Cameras.Count(c => c.IsMobile)} mobile), into [blue]{Markup.Escape(dir)}[/].");

        string plate;
        await using (var ws = LocalWorkspace.Open(dir, options.AgencyId))
        {
            plate = await SimulateAndSearchAsync(ws, sim, options, settings, cancellationToken).ConfigureAwait(false);
        }
        return settings.Serve ? await ServeAsync(dir, sim, options, settings.Urls, plate, cancellationToken).ConfigureAwait(false) : 0;
    }

    private async Task<string> SimulateAndSearchAsync(LocalWorkspace ws, CitySimulator sim, SimulationOptions options, DemoSettings settings, CancellationToken cancellationToken)
    {
        string dir = ws.Directory;
        long stored = await new ProgressDisplay(console).RunAsync("simulate + ingest", "reads", sim.EstimateReads(), async report =>
        {
            long n = 0;
            foreach (var batch in sim.Generate())
            {
                n += (await ws.Store.AppendAsync(batch, cancellationToken).ConfigureAwait(false)).Added;
                report(n);
            }
            await ws.Store.CompactAllAsync(cancellationToken).ConfigureAwait(false);
            return n;
        }).ConfigureAwait(false);
        await using (var fs = File.Create(Path.Combine(dir, "truth.json"))) sim.Truth.WriteJson(fs);
        var stats = await ws.Store.GetStatsAsync(cancellationToken).ConfigureAwait(false);
        console.MarkupLine(string.Create(CultureInfo.InvariantCulture,
            $"Stored [green]{stored:N0}[/] reads ({stats.BytesPerRead:F1} bytes per read on disk) from {stats.Oldest:yyyy-MM-dd} to {stats.Newest:yyyy-MM-dd}."));

        // The transit agency's buses share with the city police in this demo; every search still goes through the gate.
        var investigator = new Principal("demo-investigator", options.AgencyId, "investigator");
        var start = options.Start;
        var end = start.AddDays(options.Days);
        var week = new TimeRange(start, end);
        string plate = sim.Truth.Hotlist.Count > 0 ? sim.Truth.Hotlist[0].Plate : sim.Truth.Vehicles[0].Plate;
        var camera = sim.City.Cameras.First(c => !c.IsMobile);
        var rush = start.AddDays(1) + TimeSpan.FromHours(8) - options.UtcOffset;

        var searches = new (string Title, AccessPurpose Why, ReadQuery Query)[]
        {
            ($"Exact plate: every read of hotlist candidate {plate} this week", new("stolen-vehicle", "DEMO-001"),
                new ReadQuery { Range = week, Plate = PlatePattern.Exact(plate) }),
            ($"Wildcard: a witness saw '{plate[..2]}?{plate[3..]}' (third character unknown)", new("hit-and-run", "DEMO-002"),
                new ReadQuery { Range = week, Plate = PlatePattern.Wildcard($"{plate[..2]}?{plate[3..]}") }),
            ($"Misread-tolerant: '{LookAlike(plate)}' also finds look-alikes and one-character misreads", new("stolen-plate", "DEMO-003"),
                new ReadQuery { Range = week, Plate = PlatePattern.Fuzzy(LookAlike(plate), 1) }),
            ($"Radius: within 500 m of camera {camera.Id} during the Tuesday morning rush hour", new("robbery", "DEMO-004"),
                new ReadQuery { Range = new TimeRange(rush, rush.AddHours(1)), Area = new RadiusArea(camera.Position!.Value, 500) }),
            ("Bounding box: downtown core, 10 minutes", new("assault", "DEMO-005"),
                new ReadQuery { Range = new TimeRange(rush, rush.AddMinutes(10)), Area = new BoxArea(Around(camera.Position!.Value, 800)) }),
            ($"Camera: {camera.Id} ({camera.Kind}), 15 minutes", new("burglary", "DEMO-006"),
                new ReadQuery { Range = new TimeRange(rush, rush.AddMinutes(15)), Cameras = [camera.Id] }),
        };

        foreach (var (title, why, query) in searches)
        {
            console.WriteLine();
            console.Write(new Rule($"[yellow]{Markup.Escape(title)}[/]").LeftJustified());
            console.MarkupLine($"[grey]purpose {why.Code}, case {why.CaseNumber}[/]");
            var page = await ws.Queries.SearchAsync(investigator, why, query with { Limit = 10_000 }, "demo", cancellationToken).ConfigureAwait(false);
            var shown = new ReadPage([.. page.Reads.Take(Shown)], null);
            ReadOutput.Write(shown, "table", Stream.Null, console);
            if (page.Reads.Length > Shown) console.MarkupLine($"[grey]... {page.Reads.Length - Shown} more.[/]");
        }

        console.WriteLine();
        console.MarkupLine("[yellow]A search without a case number is refused, and the refusal is audited:[/]");
        try
        {
            await ws.Queries.SearchAsync(investigator, new AccessPurpose("stolen-vehicle", ""), searches[0].Query, "demo", cancellationToken).ConfigureAwait(false);
        }
        catch (AccessDeniedException ex)
        {
            console.MarkupLine($"  [red]{Markup.Escape(ex.Message)}[/]");
        }

        var verification = FileAuditLog.Verify(ws.Audit.FilePath);
        console.WriteLine();
        console.MarkupLine($"Audit log: {verification.Entries} entries, chain {(verification.Ok ? "[green]intact[/]" : "[red]broken[/]")} ({Markup.Escape(ws.Audit.FilePath)}).");
        if (!settings.Serve)
            console.MarkupLine($"Try: [blue]scripts/platewatch search -d {Markup.Escape(settings.Data)} --plate {plate} --from {start:yyyy-MM-dd} --to {end:yyyy-MM-dd} --purpose stolen-vehicle --case 24-0001[/]");
        return plate;
    }

    /// <summary>
    /// Registers the demo agency, one user per role and a camera key (through the audited admin path, as the
    /// admin commands do), prints them once, then serves the city until Ctrl+C.
    /// </summary>
    private async Task<int> ServeAsync(string dir, CitySimulator sim, SimulationOptions options, string urls, string plate, CancellationToken cancellationToken)
    {
        var camera = sim.City.Cameras.First(c => !c.IsMobile && c.AgencyId == options.AgencyId);
        var users = new List<(string User, string Role, string Password)>();
        string key;
        string? hotlistPlate;
        int hotlistEntries;
        await using (var data = Platewatch.Server.Hosting.DataDirectory.Open(dir, new Platewatch.Server.Hosting.AccountOptions()))
        {
            var admin = new Platewatch.Server.Accounts.AccountAdmin(data.Accounts, data.Audit, new Principal("demo-setup", "", "admin"), "demo");
            await admin.CreateAgencyAsync(options.AgencyId, "Demo Police Department", cancellationToken).ConfigureAwait(false);
            foreach (string role in new[] { "investigator", "supervisor", "auditor", "admin" })
            {
                string password = Platewatch.Server.Accounts.Secrets.NewPassword();
                await admin.CreateUserAsync(options.AgencyId, $"demo-{role}", role, password, cancellationToken).ConfigureAwait(false);
                users.Add(($"demo-{role}", role, password));
            }
            key = (await admin.CreateCameraKeyAsync(options.AgencyId, camera.Id, camera.Position, cancellationToken).ConfigureAwait(false)).Key;

            // A demo hotlist from the simulator's planted candidates, imported through the audited path the CLI uses.
            using var hotlists = new Platewatch.Server.Alerts.HotlistService(new Platewatch.Server.Alerts.AlertStore(data.Path), data.Audit, TimeProvider.System,
                Microsoft.Extensions.Logging.Abstractions.NullLogger<Platewatch.Server.Alerts.HotlistService>.Instance);
            var operatorPrincipal = new Principal("demo-setup", options.AgencyId, "admin");
            var list = await hotlists.CreateAsync(operatorPrincipal, "Demo stolen and wanted", "demo", TimeSpan.FromDays(1), "demo", cancellationToken).ConfigureAwait(false);
            var csv = new System.Text.StringBuilder(Platewatch.Alerts.Hotlists.HotlistCsv.Header).Append('\n');
            int n = 0;
            foreach (var h in sim.Truth.Hotlist)
            {
                string category = h.Category switch
                {
                    HotlistCategory.StolenVehicle => "stolen-vehicle",
                    HotlistCategory.StolenPlate => "stolen-plate",
                    HotlistCategory.WantedPerson => "wanted-person",
                    _ => "missing-person",
                };
                csv.Append(CultureInfo.InvariantCulture, $"{h.Plate},{h.Region},{category},demo entry,DEMO-H{++n:D3},{(category == "missing-person" ? 1 : 2)},,,,,\n");
            }
            hotlistPlate = sim.Truth.Hotlist.Count > 0 ? sim.Truth.Hotlist[0].Plate : null;
            using var reader = new StringReader(csv.ToString());
            var imported = await hotlists.ImportAsync(operatorPrincipal, list, "csv", reader, null, "demo", cancellationToken).ConfigureAwait(false);
            hotlistEntries = imported.Entries.Length;
        }

        string url = urls.Split(';')[0].TrimEnd('/');
        console.WriteLine();
        console.Write(new Rule("[bold]Demo server[/]").LeftJustified());
        console.MarkupLine($"Listening on [blue]{Markup.Escape(url)}[/] over [blue]{Markup.Escape(dir)}[/]. Press Ctrl+C to stop.");
        var table = new Table().Border(TableBorder.Rounded).AddColumn("user").AddColumn("role").AddColumn("password (shown once)");
        foreach (var (user, role, password) in users) table.AddRow(user, role, Markup.Escape(password));
        console.Write(table);
        console.MarkupLine($"Camera key for {Markup.Escape(camera.Id)} (agency {options.AgencyId}): [bold]{Markup.Escape(key)}[/]");
        string investigatorPassword = users[0].Password;
        console.MarkupLine("[grey]Sign in, then search (every search needs a purpose and a case number, and is audited):[/]");
        Console.WriteLine($"  TOKEN=$(curl -s {url}/api/v1/auth/token -H 'Content-Type: application/json' -d '{{\"username\":\"demo-investigator\",\"password\":\"{investigatorPassword}\"}}' | sed 's/.*\"accessToken\":\"\\([^\"]*\\)\".*/\\1/')");
        Console.WriteLine($"  curl -s -H \"Authorization: Bearer $TOKEN\" '{url}/api/v1/reads?plate={plate}&from={options.Start:yyyy-MM-dd}&to={options.Start.AddDays(options.Days):yyyy-MM-dd}&purpose=stolen-vehicle&caseNumber=DEMO-100'");
        Console.WriteLine($"  PLATEWATCH_PASSWORD='{investigatorPassword}' scripts/platewatch search --url {url} --username demo-investigator --plate {plate} --from {options.Start:yyyy-MM-dd} --to {options.Start.AddDays(options.Days):yyyy-MM-dd} --purpose stolen-vehicle --case DEMO-100");
        if (hotlistPlate is not null)
        {
            console.MarkupLine($"[grey]A demo hotlist of {hotlistEntries} entries is loaded. Watch the live alert feed, then send a read of {hotlistPlate} as the camera:[/]");
            Console.WriteLine($"  curl -N -H \"Authorization: Bearer $TOKEN\" {url}/api/v1/alerts/feed &");
            Console.WriteLine($"  curl -s -XPOST {url}/api/v1/reads -H 'X-Api-Key: {key}' -H 'Content-Type: application/json' -d '[{{\"id\":\"'$(cat /proc/sys/kernel/random/uuid)'\",\"plate\":\"{hotlistPlate}\",\"confidence\":0.95,\"capturedAt\":\"'$(date -u +%FT%TZ)'\"}}]'");
            Console.WriteLine($"  curl -s -H \"Authorization: Bearer $TOKEN\" {url}/api/v1/alerts    # then POST /api/v1/alerts/ID/verify or /reject");
        }
        console.MarkupLine($"[grey]API description: {Markup.Escape(url)}/openapi/v1.json (signed in); health: {Markup.Escape(url)}/health/ready[/]");

        await using var app = Platewatch.Server.Hosting.PlatewatchServer.Build(new Platewatch.Server.Hosting.ServeSettings(dir, urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }

    private static BoundingBox Around(GeoPoint p, double meters)
    {
        var b = Haversine.BoxAround(p.Latitude, p.Longitude, meters);
        return b;
    }

    /// <summary>The plate with its first letter or digit that has a look-alike swapped for it, as a camera might misread it.</summary>
    private static string LookAlike(string plate)
    {
        var chars = plate.ToCharArray();
        for (int i = 0; i < chars.Length; i++)
        {
            foreach (string cls in PlateText.ConfusableClasses)
            {
                int at = cls.IndexOf(chars[i], StringComparison.Ordinal);
                if (at < 0) continue;
                chars[i] = cls[(at + 1) % cls.Length];
                return new string(chars);
            }
        }
        return plate;
    }

    /// <summary>Deletes a previous demo directory; refuses to touch a directory that is not one.</summary>
    private static void PrepareFreshDirectory(string dir)
    {
        if (!Directory.Exists(dir)) return;
        bool empty = !Directory.EnumerateFileSystemEntries(dir).Any();
        if (empty) return;
        if (!File.Exists(Path.Combine(dir, "platewatch.json")))
            throw new IOException($"{dir} exists and is not a Platewatch data directory; choose another with --data.");
        Directory.Delete(dir, recursive: true);
    }
}
