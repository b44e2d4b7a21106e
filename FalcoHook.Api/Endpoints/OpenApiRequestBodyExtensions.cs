using Microsoft.OpenApi;

namespace FalcoHook.Api.Endpoints;

public static class OpenApiRequestBodyExtensions
{
    /// <summary>
    /// Documents a body the handler reads itself. <c>Accepts&lt;T&gt;</c> would also make routing refuse other
    /// content types with a bare 415 before the handler can explain which types it takes; this only documents.
    /// </summary>
    public static RouteHandlerBuilder WithRequestBody<T>(this RouteHandlerBuilder endpoint, string description,
        params string[] jsonContentTypes) =>
        endpoint.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken);
            var content = new Dictionary<string, OpenApiMediaType>();
            foreach (var type in jsonContentTypes) content[type] = new OpenApiMediaType { Schema = schema };
            content["text/plain"] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            operation.RequestBody = new OpenApiRequestBody { Required = true, Description = description, Content = content };
        });
}
