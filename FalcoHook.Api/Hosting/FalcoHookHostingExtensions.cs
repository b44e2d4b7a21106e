using FalcoHook.Api.AlertmanagerApi;
using FalcoHook.Api.Auth;
using FalcoHook.Api.Coordination;
using FalcoHook.Api.Endpoints;
using FalcoHook.Api.Delivery;
using FalcoHook.Api.Destinations;
using FalcoHook.Api.Events;
using FalcoHook.Api.Ingest;
using FalcoHook.Api.Operations;
using FalcoHook.Api.Pipeline;
using FalcoHook.Api.Rules;
using FalcoHook.Api.Storage;
using FalcoHook.Api.Ui;
using FalcoHook.Core.Configuration;
using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.Hosting;

namespace FalcoHook.Api.Hosting;

public static class FalcoHookHostingExtensions
{
    /// <summary>Falcosidekick's port, so existing Falco <c>http_output</c> settings carry over.</summary>
    public const string DefaultUrl = "http://0.0.0.0:2801";

    /// <summary>Registers every FalcoHook feature.</summary>
    public static WebApplicationBuilder AddFalcoHook(this WebApplicationBuilder builder)
    {
        builder.AddConfigurationFile();
        var httpsUrl = builder.ConfigureFalcoHookTls();
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]) &&
            string.IsNullOrEmpty(builder.Configuration["HTTP_PORTS"]) &&
            string.IsNullOrEmpty(builder.Configuration["HTTPS_PORTS"]))
            builder.WebHost.UseUrls(httpsUrl is null ? [DefaultUrl] : [DefaultUrl, httpsUrl]);

        builder.Services.AddProblemDetails();
        builder.Services.AddOpenApi(options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "FalcoHook";
            document.Info.Description = "The alert hub behind Falco: Falco alerts and Kubernetes audit events in, " +
                                        "deduplicated, routed and durably delivered alerts out.";
            return Task.CompletedTask;
        }));
        builder.Services.AddHealthChecks();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<FalcoHookOptions>().BindConfiguration(FalcoHookOptions.Section);
        // Each feature registers only its own services, so the order of these calls does not matter.
        builder.AddFalcoHookTelemetry();
        builder.Services.AddStorage(builder.Configuration);
        builder.Services.AddIngest();
        builder.Services.AddInbox(builder.Configuration);
        builder.Services.AddRules();
        builder.Services.AddRuleManagement();
        builder.Services.AddApiKeyAuth();
        builder.Services.AddSilences();
        builder.Services.AddAlertmanagerApi(builder.Configuration);
        builder.Services.AddPipeline(builder.Configuration);
        builder.Services.AddDelivery(builder.Configuration);
        builder.Services.AddDestinations(builder.Configuration);
        builder.Services.AddOperations();
        builder.Services.AddEvents(builder.Configuration);
        builder.AddUi();
        // The one exception to "order does not matter": it wraps stores registered above, so it comes last.
        builder.Services.AddCoordination(builder.Configuration);
        return builder;
    }

    /// <summary>Maps every FalcoHook endpoint.</summary>
    public static WebApplication MapFalcoHook(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRateLimiter();

        app.MapOpenApi("/openapi/{documentName}.json");
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/openapi/v1.json", "FalcoHook v1");
            options.RoutePrefix = "swagger";
            options.DocumentTitle = "FalcoHook API";
        });

        app.MapHealth();
        app.MapAlerts();
        app.MapK8sAudit();
        app.MapSilences().RequireApiKeyRoles();
        app.MapAlertmanagerApi().RequireApiKeyRoles();
        app.MapInhibitRules().RequireApiKeyRoles();
        app.MapTimeIntervals().RequireApiKeyRoles();
        app.MapDeliveries().RequireApiKeyRoles();
        app.MapInbox().RequireApiKeyRoles();
        app.MapEvents().RequireApiKeyRoles();
        app.MapRuleManagement();
        app.MapOperations();
        app.MapUi();
        return app;
    }

    /// <summary>
    /// The one configuration file users edit is the repository's root <c>appsettings.json</c>. Run from the
    /// repository root it is the content root's own; run from elsewhere, the copy beside the binaries is read. Either is
    /// polled for changes (<see cref="ConfigurationFiles"/>).
    /// </summary>
    private static void AddConfigurationFile(this WebApplicationBuilder builder)
    {
        var sources = builder.Configuration.Sources;
        ConfigurationFiles.WatchByPolling(sources, builder.Environment.ContentRootPath);
        var inContentRoot = Path.Combine(builder.Environment.ContentRootPath, "appsettings.json");
        if (File.Exists(inContentRoot)) return;
        var besideBinaries = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        if (!File.Exists(besideBinaries)) return;
        // Insert it before the environment and command-line sources so those still override it.
        var index = sources.ToList().FindIndex(s => s is Microsoft.Extensions.Configuration.Json.JsonConfigurationSource);
        if (index < 0) index = 0;
        sources.Insert(index, ConfigurationFiles.Polled(besideBinaries, optional: true));
    }
}
