using FalcoHook.Core.Configuration;
using Microsoft.Extensions.Options;

namespace FalcoHook.Core.Destinations.Templates;

/// <summary>Checks <c>FalcoHook:PublicUrl</c> at start: unset, or an absolute http(s) URL without query or fragment.</summary>
public sealed class PublicUrlValidator : IValidateOptions<FalcoHookOptions>
{
    public ValidateOptionsResult Validate(string? name, FalcoHookOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.PublicUrl)) return ValidateOptionsResult.Success;
        return Uri.TryCreate(options.PublicUrl, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
                                                                              && uri.Query.Length == 0 && uri.Fragment.Length == 0
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"{FalcoHookOptions.Section}:PublicUrl must be an absolute http or https URL without query or fragment (got '{options.PublicUrl}')");
    }
}
