using System.ComponentModel;
using Platewatch.Agent.Configuration;
using Platewatch.Agent.Runtime;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Platewatch.Cli.Agent;

internal sealed class AgentSettings : CommandSettings
{
    [CommandOption("--config <FILE>")]
    [Description("The agent's JSON configuration: server, agencyId, sources (video, stream, folder) with camera keys and positions.")]
    public string Config { get; init; } = "";

    [CommandOption("--exit-when-done")]
    [Description("Exit once every video file is processed and every read is acknowledged (video sources only).")]
    public bool ExitWhenDone { get; init; }

    public override ValidationResult Validate() =>
        Config.Length == 0 ? ValidationResult.Error("--config FILE is required: the agent's JSON configuration.") : ValidationResult.Success();
}

/// <summary><c>platewatch agent</c>: the edge agent, until Ctrl+C or SIGTERM. Logs to standard error.</summary>
internal sealed class AgentCommand : AsyncCommand<AgentSettings>
{
    public static void Register(IConfigurator config) =>
        config.AddCommand<AgentCommand>("agent")
            .WithDescription("Run the edge agent: video files, camera streams and image folders to one read per vehicle pass, queued on disk and sent to the server.")
            .WithExample("agent", "--config", "agent.json");

    public static void RegisterBench(IConfigurator<CommandSettings> bench) =>
        bench.AddCommand<BenchAgentCommand>("agent")
            .WithDescription("Edge agent: frames/s on 1280x720 video (one and two pipelines), and a live stream's reads a minute and frame-to-ack delay.");

    public override async Task<int> ExecuteAsync(CommandContext context, AgentSettings settings, CancellationToken cancellationToken)
    {
        AgentOptions options;
        try
        {
            options = AgentConfig.Load(settings.Config);
        }
        catch (AgentConfigException ex)
        {
            await Console.Error.WriteLineAsync($"platewatch: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, c =>
        {
            c.Cancel = true;
            stop.Cancel();
        });
        ConsoleCancelEventHandler onCtrlC = (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        Console.CancelKeyPress += onCtrlC;
        try
        {
            return await EdgeAgent.RunAsync(options, Console.Error, settings.ExitWhenDone, stop.Token).ConfigureAwait(false);
        }
        catch (AgentConfigException ex)
        {
            await Console.Error.WriteLineAsync($"platewatch: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        catch (Platewatch.Recognition.ModelNotFoundException ex)
        {
            await Console.Error.WriteLineAsync($"platewatch: {ex.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            Console.CancelKeyPress -= onCtrlC;
        }
    }
}
