using Platewatch.Storage.DuckDb;

namespace Platewatch.Storage.Tests;

/// <summary>The store contract, run on the embedded DuckDB store.</summary>
public sealed class DuckDbReadStoreTests : ReadStoreContract
{
    protected override Task<IReadStore> OpenAsync(string directory) =>
        Task.FromResult<IReadStore>(DuckDbReadStore.Open(directory, new DuckDbStoreOptions { Threads = 2, MemoryLimit = "1GB" }));

    protected override Task CompactAsync(IReadStore store) =>
        ((DuckDbReadStore)store).CompactAllAsync(TestContext.Current.CancellationToken);
}
