using System.Collections.Concurrent;
using System.Threading.Channels;

namespace Platewatch.Server.Alerts;

/// <summary>One event on the live feed: an alert, a back-search hit, or a stale-list alarm.</summary>
internal sealed record FeedEvent(long Sequence, string Type, object Data);

/// <summary>
/// The live feed's fan-out: each connected client has a small bounded queue per agency. A client too slow to keep
/// up loses the oldest events, never blocks ingest; it can reconnect with Last-Event-ID to replay from the store.
/// </summary>
internal sealed class LiveFeed
{
    private readonly ConcurrentDictionary<Channel<FeedEvent>, string> _clients = new();

    public (ChannelReader<FeedEvent> Reader, IDisposable Registration) Subscribe(string agency)
    {
        var channel = Channel.CreateBounded<FeedEvent>(new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        _clients[channel] = agency;
        return (channel.Reader, new Registration(this, channel));
    }

    public int Clients => _clients.Count;

    public void Publish(string agency, FeedEvent e)
    {
        foreach (var (channel, a) in _clients)
        {
            if (string.Equals(a, agency, StringComparison.Ordinal)) channel.Writer.TryWrite(e);
        }
    }

    private sealed class Registration(LiveFeed feed, Channel<FeedEvent> channel) : IDisposable
    {
        public void Dispose()
        {
            feed._clients.TryRemove(channel, out _);
            channel.Writer.TryComplete();
        }
    }
}
