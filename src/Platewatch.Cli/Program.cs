using Platewatch.Cli;

return await PlatewatchApp.RunAsync(args).ConfigureAwait(false);
