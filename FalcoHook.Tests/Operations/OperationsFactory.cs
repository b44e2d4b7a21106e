using FalcoHook.Api.Operations;
using FalcoHook.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace FalcoHook.Tests.Operations;

/// <summary>
/// The service in memory with the operations features. Once hosting calls <c>AddOperations</c> and
/// <c>MapOperations</c> this adds nothing (it sees AddOperations' marker); until then it wires both the same way:
/// <see cref="OperationsExtensions.AddOperations(IServiceCollection)"/> on the services and
/// <see cref="OperationsExtensions.MapOperations"/> through a startup filter.
/// </summary>
public sealed class OperationsFactory : FalcoHookFactory
{
    public OperationsFactory()
    {
        WithServices(services =>
        {
            if (services.Any(d => d.ServiceType == typeof(OperationsExtensions.OperationsMarker))) return;
            services.AddOperations();
            services.AddSingleton<IStartupFilter, MapOperationsFilter>();
        });
    }

    private sealed class MapOperationsFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.UseRouting();
            app.UseEndpoints(endpoints => endpoints.MapOperations());
            next(app);
        };
    }
}
