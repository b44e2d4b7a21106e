using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace FalcoHook.Api.Ui;

/// <summary>
/// The UI's own stylesheet and script, embedded in the assembly (Ui/Assets) and served at <c>/ui/assets/</c> with a
/// content hash in the URL, so they are cached for good and change when the build does.
/// </summary>
public sealed class UiAssets
{
    public const string PathPrefix = "/ui/assets";
    private static readonly Lazy<Asset> Css = new(() => Load("ui.css", "text/css; charset=utf-8"));
    private static readonly Lazy<Asset> Js = new(() => Load("ui.js", "text/javascript; charset=utf-8"));

    public static string StylesheetPath => $"{PathPrefix}/ui.css?v={Css.Value.Version}";

    public static string ScriptPath => $"{PathPrefix}/ui.js?v={Js.Value.Version}";

    internal static void Map(IEndpointRouteBuilder app)
    {
        app.MapGet(PathPrefix + "/ui.css", (HttpContext http) => Serve(http, Css.Value)).ExcludeFromDescription();
        app.MapGet(PathPrefix + "/ui.js", (HttpContext http) => Serve(http, Js.Value)).ExcludeFromDescription();
    }

    private static IResult Serve(HttpContext http, Asset asset)
    {
        http.Response.Headers[HeaderNames.CacheControl] = "public, max-age=31536000, immutable";
        return TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    private static Asset Load(string name, string contentType)
    {
        using var stream = typeof(UiAssets).Assembly.GetManifestResourceStream("FalcoHook.Api.Ui.Assets." + name)
                           ?? throw new InvalidOperationException($"The UI asset {name} is not embedded (Ui/Assets/{name}).");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var content = buffer.ToArray();
        return new Asset(content, contentType, Convert.ToHexStringLower(SHA256.HashData(content))[..12]);
    }

    private sealed record Asset(byte[] Content, string ContentType, string Version);
}
