using Microsoft.Extensions.Options;

namespace FalcoHook.Api.Auth;

/// <summary>Says at start-up who may read and write without a key, so an open service is never a surprise.</summary>
internal sealed partial class AuthStartupReport(IOptions<ApiKeyOptions> options, ILogger<AuthStartupReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var auth = options.Value;
        switch (AnonymousReads.Scope(auth))
        {
            case AnonymousReadScope.LocalMachine: LocalReadsOnly(logger); break;
            case AnonymousReadScope.Anyone: ReadsOpenToAnyone(logger); break;
            default: ReadsNeedKey(logger, auth.ApiKeys.Count); break;
        }
        if (auth.AllowAnonymousWrites) WritesOpenToAnyone(logger);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message =
        "No API key is configured (FalcoHook:Auth:ApiKeys): reads without a key are answered from this machine (loopback) only, writes not at all")]
    private static partial void LocalReadsOnly(ILogger logger);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Reads and writes need an API key ({KeyCount} configured)")]
    private static partial void ReadsNeedKey(ILogger logger, int keyCount);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message =
        "FalcoHook:Auth:AllowAnonymousReads is true: anyone who reaches the service reads rules, silences, deliveries and dead alerts without a key")]
    private static partial void ReadsOpenToAnyone(ILogger logger);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message =
        "FalcoHook:Auth:AllowAnonymousWrites is true: anyone who reaches the service changes rules and silences without a key (development only)")]
    private static partial void WritesOpenToAnyone(ILogger logger);
}
