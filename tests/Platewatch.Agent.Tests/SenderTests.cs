using System.Net;
using System.Text;
using System.Text.Json;
using Platewatch.Agent.Delivery;
using Platewatch.Agent.Runtime;

namespace Platewatch.Agent.Tests;

/// <summary>The sender against a real HTTP listener on 127.0.0.1 that fails, throttles and rejects.</summary>
public sealed class SenderTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "pw-sender-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task Server_errors_are_retried_rejected_reads_are_logged_and_removed_and_acknowledged_reads_leave_the_queue()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = Listen(out int port);
        var bodies = new List<string>();
        var keys = new List<string?>();
        var server = Serve(listener, async (call, c, body) =>
        {
            lock (bodies)
            {
                bodies.Add(body);
                keys.Add(c.Request.Headers["X-Api-Key"]);
            }
            if (call == 0) c.Response.StatusCode = 503;
            else if (call == 1)
            {
                c.Response.StatusCode = 429;
                c.Response.Headers["Retry-After"] = "1";
            }
            else
            {
                // The second read is refused; the others are stored or already there.
                using var doc = JsonDocument.Parse(body);
                var results = doc.RootElement.EnumerateArray().Select((r, i) => new Dictionary<string, object?>
                {
                    ["index"] = i,
                    ["id"] = r.GetProperty("id").GetString(),
                    ["status"] = i == 1 ? "rejected" : i == 2 ? "duplicate" : "stored",
                    ["reason"] = i == 1 ? "plate 'X' must be 1-10 characters" : null,
                }).ToList();
                byte[] answer = JsonSerializer.SerializeToUtf8Bytes(new { results });
                c.Response.StatusCode = 200;
                c.Response.ContentType = "application/json";
                await c.Response.OutputStream.WriteAsync(answer, ct);
            }
            c.Response.Close();
        }, ct);

        using var store = AgentStore.Open(_dir, 1 << 20);
        store.Commit("lane1", [.. Enumerable.Range(0, 3).Select(i => new OutgoingRead(Guid.CreateVersion7().ToString(), $"{{\"id\":\"r{i}\"}}", 0))]);
        var (counters, text) = await DeliverAsync(store, port, "pwc_test", ct);
        listener.Stop();
        await server;

        Assert.Equal(0, store.Depth);
        Assert.Equal(3, bodies.Count);
        Assert.All(keys, k => Assert.Equal("pwc_test", k));
        Assert.All(bodies, b => Assert.Equal(bodies[0], b)); // the same reads, ids unchanged, on every try
        Assert.Equal(2, counters.DeliveredTotal);
        Assert.Equal(1, store.Counter("rejected"));
        Assert.Contains("the server answered 503", text, StringComparison.Ordinal);
        Assert.Contains("the server answered 429", text, StringComparison.Ordinal);
        Assert.Contains("the server rejected read", text, StringComparison.Ordinal);
        Assert.Contains("plate 'X' must be 1-10 characters", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batches_too_large_are_halved_and_a_read_too_large_alone_is_removed_as_rejected()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = Listen(out int port);
        var sizes = new List<int>();
        var server = Serve(listener, (_, c, body) =>
        {
            using var doc = JsonDocument.Parse(body);
            lock (sizes) sizes.Add(doc.RootElement.GetArrayLength());
            c.Response.StatusCode = 413;
            c.Response.Close();
            return Task.CompletedTask;
        }, ct);

        using var store = AgentStore.Open(_dir, 1 << 20);
        store.Commit("lane1", [.. Enumerable.Range(0, 4).Select(i => new OutgoingRead(Guid.CreateVersion7().ToString(), $"{{\"id\":\"r{i}\"}}", 0))]);
        var (_, log) = await DeliverAsync(store, port, "k", ct);
        listener.Stop();
        await server;

        Assert.Equal(0, store.Depth);
        Assert.Equal(4, store.Counter("rejected"));
        Assert.Equal([4, 2, 1, 1, 1, 1], sizes);
        Assert.Contains("as too large", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_page_that_is_not_a_batch_result_and_an_answer_cut_off_midway_keep_the_batch_for_the_next_try()
    {
        var ct = TestContext.Current.CancellationToken;
        using var listener = Listen(out int port);
        int calls = 0;
        var server = Serve(listener, async (call, c, body) =>
        {
            Interlocked.Increment(ref calls);
            c.Response.StatusCode = 200;
            if (call == 0)
            {
                // A captive portal's page, with a 200.
                c.Response.ContentType = "text/html";
                await c.Response.OutputStream.WriteAsync("<html>Sign in to the Wi-Fi</html>"u8.ToArray(), ct);
                c.Response.Close();
            }
            else if (call == 1)
            {
                // The status line arrives, then the connection drops halfway through the body.
                c.Response.ContentLength64 = 4096;
                await c.Response.OutputStream.WriteAsync("{\"results\":["u8.ToArray(), ct);
                await c.Response.OutputStream.FlushAsync(ct);
                c.Response.Abort();
            }
            else
            {
                using var doc = JsonDocument.Parse(body);
                var results = doc.RootElement.EnumerateArray().Select((r, i) => new { index = i, id = r.GetProperty("id").GetString(), status = "stored" }).ToList();
                c.Response.ContentType = "application/json";
                await c.Response.OutputStream.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new { results }), ct);
                c.Response.Close();
            }
        }, ct);

        using var store = AgentStore.Open(_dir, 1 << 20);
        store.Commit("lane1", [.. Enumerable.Range(0, 3).Select(i => new OutgoingRead(Guid.CreateVersion7().ToString(), $"{{\"id\":\"r{i}\"}}", 0))]);
        var (counters, text) = await DeliverAsync(store, port, "k", ct); // returns only if neither answer ended the sender
        listener.Stop();
        await server;

        Assert.Equal(0, store.Depth);
        Assert.Equal(3, calls);
        Assert.Equal(3, counters.DeliveredTotal);
        Assert.Contains("not with a Platewatch batch result", text, StringComparison.Ordinal);
        Assert.Contains($"cannot reach http://127.0.0.1:{port}/", text, StringComparison.Ordinal);
    }

    /// <summary>An HTTP listener on a free port of 127.0.0.1.</summary>
    private static HttpListener Listen(out int port)
    {
        port = FreePort();
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        return listener;
    }

    /// <summary>Answers each request (numbered from 0, with its body read) until the listener stops.</summary>
    private static Task Serve(HttpListener listener, Func<int, HttpListenerContext, string, Task> answer, CancellationToken ct) => Task.Run(async () =>
    {
        for (int call = 0; ; call++)
        {
            HttpListenerContext c;
            try { c = await listener.GetContextAsync(); }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException) { return; }
            using var reader = new StreamReader(c.Request.InputStream, Encoding.UTF8);
            await answer(call, c, await reader.ReadToEndAsync(ct));
        }
    }, ct);

    /// <summary>Runs a sender with key <paramref name="key"/> for source lane1 until the queue is empty (30 s at most), then stops it.</summary>
    private static async Task<(AgentCounters Counters, string Log)> DeliverAsync(AgentStore store, int port, string key, CancellationToken ct)
    {
        var log = new StringWriter();
        var counters = new AgentCounters();
        using var http = new HttpClient();
        using var sender = new ReadSender(store, http, new Uri($"http://127.0.0.1:{port}/"), new Dictionary<string, string> { ["lane1"] = key }, 10,
            TimeSpan.FromSeconds(1), new AgentLog(TextWriter.Synchronized(log)), counters);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var run = Task.Run(() => sender.RunAsync(stop.Token), ct);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (store.Depth > 0 && DateTime.UtcNow < deadline) await Task.Delay(50, ct);
        await stop.CancelAsync();
        await run;
        return (counters, log.ToString());
    }

    private static int FreePort()
    {
        using var l = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
