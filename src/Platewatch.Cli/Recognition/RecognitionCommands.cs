using Spectre.Console.Cli;

namespace Platewatch.Cli.Recognition;

/// <summary>Registers <c>recognize</c>, <c>eval</c> and <c>bench recognize</c>. Placeholder until the recognition engine lands.</summary>
internal static class RecognitionCommands
{
    public static void Register(IConfigurator config)
    {
        _ = config;
    }
}
