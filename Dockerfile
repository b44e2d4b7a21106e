# FalcoHook container image: build with the SDK, run on the ASP.NET runtime as a non-root user.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props FalcoHook.sln ./
COPY FalcoHook.Core/FalcoHook.Core.csproj FalcoHook.Core/
COPY FalcoHook.Api/FalcoHook.Api.csproj FalcoHook.Api/
RUN dotnet restore FalcoHook.Api/FalcoHook.Api.csproj
COPY . .
RUN dotnet publish FalcoHook.Api/FalcoHook.Api.csproj -c Release -o /app --no-restore

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
# Embedded SQLite lives on this volume; the rules ship in /app/rules and can be replaced by a mount.
RUN mkdir -p /app/data && chown -R app:app /app/data
VOLUME /app/data
# FalcoHook picks its own addresses (2801, and 2802 for HTTPS when FalcoHook:Tls is set).
ENV ASPNETCORE_HTTP_PORTS="" \
    FalcoHook__Storage__ConnectionString="Data Source=/app/data/falcohook.db"
EXPOSE 2801 2802
USER $APP_UID
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s \
  CMD ["dotnet", "FalcoHook.Api.dll", "--healthcheck"]
ENTRYPOINT ["dotnet", "FalcoHook.Api.dll"]
