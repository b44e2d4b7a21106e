using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace FalcoHook.Tests.Support;

/// <summary>
/// Gives each in-memory request the client address its <see cref="Header"/> names, as Kestrel would from the socket
/// (the in-memory server has none). Register as an <see cref="IStartupFilter"/>.
/// </summary>
public sealed class RemoteAddressFromHeader : IStartupFilter
{
    public const string Header = "X-Test-Remote-Address";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((HttpContext context, RequestDelegate nextMiddleware) =>
        {
            if (context.Request.Headers.TryGetValue(Header, out var value)) context.Connection.RemoteIpAddress = IPAddress.Parse(value.ToString());
            return nextMiddleware(context);
        });
        next(app);
    };
}
