using FalcoHook.Core.Telemetry;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using OpenTelemetry.Metrics;

namespace FalcoHook.Api.Operations;

/// <summary>
/// Operating FalcoHook: the Prometheus scrape endpoint on the service's one MeterProvider. (The security event
/// log, category <see cref="SecurityEventLog.Category"/>, is a step of the pipeline's handler chain.)
/// </summary>
public static class OperationsExtensions
{
    public const string MetricsPath = "/metrics";
    public const string Tag = "Operations";

    /// <summary>Registers the Prometheus exporter and describes its endpoint in the OpenAPI document.</summary>
    public static IServiceCollection AddOperations(this IServiceCollection services)
    {
        // The same MeterProvider as TelemetryExtensions (FalcoHook meter, ASP.NET Core, HttpClient), one more reader.
        services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddPrometheusExporter());
        services.Configure<OpenApiOptions>("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            DescribeMetricsEndpoint(document);
            return Task.CompletedTask;
        }));
        return services;
    }

    /// <summary>Maps <c>GET /metrics</c> (Prometheus text exposition format; OpenMetrics when asked for).</summary>
    public static IEndpointRouteBuilder MapOperations(this IEndpointRouteBuilder app)
    {
        // The scraping endpoint is a middleware branch (a RequestDelegate, no handler method), so ApiExplorer
        // leaves it out of OpenAPI whatever its metadata: the document transformer above describes it instead.
        app.MapPrometheusScrapingEndpoint(MetricsPath)
            .WithTags(Tag)
            .WithName("Metrics")
            .WithSummary("Prometheus scrape: FalcoHook, ASP.NET Core and HttpClient metrics");
        return app;
    }

    private static void DescribeMetricsEndpoint(OpenApiDocument document)
    {
        document.Paths ??= new OpenApiPaths();
        if (document.Paths.ContainsKey(MetricsPath)) return;
        document.Tags ??= new HashSet<OpenApiTag>();
        if (!document.Tags.Any(t => t.Name == Tag)) document.Tags.Add(new OpenApiTag { Name = Tag });
        document.Paths[MetricsPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    OperationId = "Metrics",
                    Summary = "Prometheus scrape: FalcoHook, ASP.NET Core and HttpClient metrics",
                    Tags = new HashSet<OpenApiTagReference> { new(Tag, document) },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse
                        {
                            Description = "Prometheus text exposition format (OpenMetrics when the Accept header asks for it)",
                            Content = new Dictionary<string, OpenApiMediaType>
                            {
                                ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                            },
                        },
                    },
                },
            },
        };
    }
}
