using System.Text.Json;
using System.Text.Json.Nodes;
using FalcoHook.Api.Auth;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FalcoHook.Api.Endpoints;

/// <summary>Example request bodies shown in Swagger for the rule management endpoints.</summary>
internal static class Examples
{
    public static readonly object Rule = new
    {
        name = "K8s Namespace Deleted",
        desc = "A namespace was deleted",
        condition = "ka.verb = delete and ka.target.resource = namespaces and ka.response.code < 400",
        output = "Namespace %ka.target.name deleted by %ka.user.name",
        priority = "WARNING",
        source = "k8s_audit",
        tags = new[] { "k8s", "namespace" },
        enabled = true,
    };

    public static readonly object Macro = new { name = "kube_system_ns", condition = "ka.target.namespace = kube-system" };

    public static readonly object List = new { name = "trusted_admins", items = new[] { "alice@example.com", "system:admin" } };

    public static readonly object Validate = new
    {
        yaml = "- rule: Secret deleted\n  desc: A secret was deleted\n  condition: ka.verb = delete and ka.target.resource = secrets\n" +
               "  output: Secret %ka.target.name deleted by %ka.user.name\n  priority: NOTICE\n  source: k8s_audit\n",
    };

    public static readonly object Test = new
    {
        @event = new
        {
            kind = "Event", apiVersion = "audit.k8s.io/v1", auditID = "5f0c1e7a-0000-4000-8000-000000000001", stage = "ResponseComplete",
            verb = "create", requestURI = "/api/v1/namespaces/shop/pods/web/exec?command=sh",
            user = new { username = "alice@example.com" },
            objectRef = new { resource = "pods", @namespace = "shop", name = "web", subresource = "exec" },
            responseStatus = new { code = 101 },
            stageTimestamp = "2024-05-01T10:01:00.250000Z",
        },
        rules = (string?)null,
        matching = "all",
    };

    public static readonly object Import = new
    {
        yaml = "- list: trusted_admins\n  items: [alice@example.com]\n- rule: K8s Pod Exec or Attach\n  enabled: false\n  override:\n    enabled: replace\n",
    };
}

internal static class OpenApiExampleExtensions
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);

    /// <summary>Shows <paramref name="example"/> as the JSON request body's example in the OpenAPI document.</summary>
    public static RouteHandlerBuilder WithExample(this RouteHandlerBuilder endpoint, object example) =>
        endpoint.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            if (operation.RequestBody?.Content is { } content && content.TryGetValue("application/json", out var media))
                media.Example = JsonSerializer.SerializeToNode(example, Web);
            return Task.CompletedTask;
        });

    /// <summary>
    /// The API key security scheme (<c>X-Api-Key</c>), required by every operation that has an authorization policy,
    /// so Swagger UI's Authorize button sends it.
    /// </summary>
    public static OpenApiOptions AddApiKeySecurity(this OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyAuthenticationHandler.SchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyAuthenticationHandler.HeaderName,
                Description = "An API key from FalcoHook:Auth:ApiKeys (role read or write). 'Authorization: ApiKey <key>' works too.",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            if (!context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any()) return Task.CompletedTask;
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement
            {
                [new OpenApiSecuritySchemeReference(ApiKeyAuthenticationHandler.SchemeName, context.Document)] = [],
            });
            return Task.CompletedTask;
        });
        return options;
    }
}
