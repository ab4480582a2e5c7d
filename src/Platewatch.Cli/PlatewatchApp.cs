using Spectre.Console.Cli;

namespace Platewatch.Cli;

/// <summary>Builds the command tree. Each feature registers its commands from its own folder.</summary>
internal static class PlatewatchApp
{
    public static Task<int> RunAsync(string[] args)
    {
        var app = new CommandApp();
        app.Configure(config =>
        {
            config.SetApplicationName("platewatch");
            config.PropagateExceptions();
            Recognition.RecognitionCommands.Register(config);
        });
        return RunCatchingAsync(app, args);
    }

    private static async Task<int> RunCatchingAsync(CommandApp app, string[] args)
    {
        try
        {
            return await app.RunAsync(args).ConfigureAwait(false);
        }
        catch (CommandAppException ex)
        {
            await Console.Error.WriteLineAsync($"platewatch: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or IOException or InvalidOperationException or UnauthorizedAccessException or Query.AccessDeniedException)
        {
            await Console.Error.WriteLineAsync($"platewatch: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
    }
}
